/**
 * `optical serve`: the local web app (src/web): cross-lingual search, the OT alignment explorer, reports.
 * Prints the URL (or, with `--json`, one line `{url, index, models, results}`) once it listens; stops
 * cleanly on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { WebApp } from '../web/app.ts';
import { createWebServer, listen } from '../web/server.ts';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('a local web app: search an index in any language, explore OT alignments, read the reports in results/')
    .option('--index <dir>', 'the index to search (made by `optical index`)')
    .option('--model <dir>', 'the student: encodes foreign-language queries and the explorer\'s source side (default: the index\'s model when it is a student)')
    .option('--student <dir>', 'the same as --model')
    .option('--teacher <model>', 'the teacher (default: USE-lite)', 'teacher')
    .option('--results <dir>', 'the results folder the reports page shows (default: results/ when it exists)')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--host <addr>', 'address to bind (default loopback only)', '127.0.0.1')
    .option('--max-pending <n>', 'requests that may wait for the encoder; more get 503', '256')
    .option('--json', 'print one JSON line when listening')
    .action(async (o) => {
      if (o.model !== undefined && o.student !== undefined) throw new InputError('give --model or --student, not both');
      const port = Number(o.port);
      if (!/^\d+$/.test(o.port) || port > 65535) throw new InputError(`--port must be an integer from 0 to 65535, got "${o.port}"`);
      const maxPending = Number(o.maxPending);
      if (!/^\d+$/.test(o.maxPending) || maxPending < 1) throw new InputError(`--max-pending must be a positive integer, got "${o.maxPending}"`);
      const results = o.results ?? (existsSync('results') ? 'results' : undefined);
      const app = await WebApp.open({ index: o.index, model: o.model ?? o.student, teacher: o.teacher, results, maxPending });
      const server = createWebServer(app, { host: o.host });
      let url: string;
      try {
        url = await listen(server, port, o.host);
      } catch (e) {
        await app.close();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new InputError(`port ${port} on ${o.host} is in use (choose another with --port, or --port 0)`);
        if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new InputError(`cannot listen on ${o.host}:${port} (${code})`);
        throw e;
      }
      const info = app.info();
      if (o.json) process.stdout.write(JSON.stringify({ url, index: info.index?.dir ?? null, models: info.models, results: results ?? null }) + '\n');
      else {
        process.stdout.write(`optical serve: ${url}\n`);
        process.stdout.write(`  index:   ${info.index ? `${info.index.dir} (${info.index.count} documents)` : 'none (give --index DIR to search)'}\n`);
        process.stdout.write(`  teacher: ${info.models.teacher!.name}; student: ${info.models.student?.name ?? 'none (give --model DIR)'}\n`);
        process.stdout.write(`  results: ${results ?? 'none'}\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.close(() => resolve());
          server.closeAllConnections();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
    });
}
