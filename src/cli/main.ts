/**
 * The `optical` command line. Thin: parses flags, calls the library, prints tables or `--json`.
 *
 * Exit codes: 0 success; 2 the user's mistake — a bad flag, input or missing file/model (OpticalError,
 * commander's usage errors, a system error such as EACCES on a path), printed as one line
 * `optical: message`; 1 an internal error, printed as one line too (the stack with OPTICAL_DEBUG=1); 130 a
 * long job (distill, experiment run) stopped by Ctrl-C / SIGTERM at a safe point, its work saved (the message
 * says how to continue; src/util/stop.ts).
 */
import { Command, CommanderError } from 'commander';
import { OpticalError } from '../errors.ts';
import { Stopped } from '../util/stop.ts';
import { distillCommand } from './distill.ts';
import { evalMiningCommand, evalTrecCommand } from './eval.ts';
import { demoCommand } from './demo.ts';
import { indexCommand } from './index.ts';
import { searchCommand } from './search.ts';
import { serveCommand } from './serve.ts';
import { experimentCommand } from './experiment.ts';
import { cacheCommand } from './cache.ts';

const program = new Command();
program.name('optical').description('Cross-lingual search for low-resource languages by optimal-transport distillation').version('0.1.0');
program.showHelpAfterError();
program.exitOverride(); // commander throws instead of exiting; inherited by every command added below

distillCommand(program);
const evalCmd = program.command('eval').description('evaluate models');
evalMiningCommand(evalCmd);
evalTrecCommand(evalCmd);
demoCommand(program);
indexCommand(program);
searchCommand(program);
serveCommand(program);
experimentCommand(program);
cacheCommand(program);


/** Print `e` for the user and return the exit code (see the file header). */
function report(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed its message
  if (e instanceof Stopped) {
    process.stderr.write(`optical: ${e.message}\n`);
    return 130; // as a shell reports a job ended by Ctrl-C
  }
  if (e instanceof OpticalError) {
    process.stderr.write(`optical: ${e.message}\n`);
    return 2;
  }
  const sys = e as NodeJS.ErrnoException;
  if (typeof sys?.code === 'string' && typeof sys.syscall === 'string') {
    process.stderr.write(`optical: ${sys.message}\n`); // e.g. "EACCES: permission denied, mkdir 'out'"
    return 2;
  }
  const debug = Boolean(process.env.OPTICAL_DEBUG);
  const detail = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
  process.stderr.write(`optical: internal error: ${detail}\n${debug ? '' : '(run with OPTICAL_DEBUG=1 for the stack trace)\n'}`);
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // exit here: a rethrown error would reach tfjs-wasm's uncaughtException hook, which prints its whole source
  process.exit(report(e));
}
