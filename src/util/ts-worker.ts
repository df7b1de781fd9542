/**
 * Worker threads that run a TypeScript module: the worker is an `eval` script that registers tsx's
 * ESM loader in its own thread, then imports the module. Works the same under the CLI (bin/optical.js
 * registers tsx), under tsx scripts and under vitest (the worker does not inherit the parent's loader).
 */
import { createRequire } from 'node:module';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** URL of tsx's ESM API (`tsx/esm/api`, import condition), read from its package.json export map. */
export function tsxEsmApi(): string {
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
}

/** Source of an `eval: true` Worker that registers tsx, then imports the module at `moduleUrl` (a file URL). */
export function tsWorkerSource(moduleUrl: string): string {
  return `import(${JSON.stringify(tsxEsmApi())}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); });`;
}

/**
 * A background worker thread running the TypeScript module at `moduleUrl` (`tsWorkerSource`), unref'd so that
 * it does not keep the process alive. `onFail` runs when it errors or exits, or at once when it cannot be
 * started (then the result is undefined): the callers fall back to doing the work themselves.
 */
export function backgroundTsWorker(moduleUrl: string, opts: Omit<WorkerOptions, 'eval'>, onFail: () => void): Worker | undefined {
  try {
    const w = new Worker(tsWorkerSource(moduleUrl), { ...opts, eval: true });
    w.unref();
    w.on('error', onFail);
    w.on('exit', onFail);
    return w;
  } catch {
    onFail();
    return undefined;
  }
}
