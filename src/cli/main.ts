/**
 * The `optical` command line. Thin: parses flags, calls the library, prints tables or `--json`.
 * Errors of the user's making (OpticalError) print their message only, with exit code 2.
 */
import { Command } from 'commander';
import { OpticalError } from '../errors.ts';
import { distillCommand } from './distill.ts';
import { evalMiningCommand, evalTrecCommand } from './eval.ts';
import { demoCommand } from './demo.ts';
import { indexCommand } from './index.ts';
import { searchCommand } from './search.ts';
import { serveCommand } from './serve.ts';

const program = new Command();
program.name('optical').description('Cross-lingual search for low-resource languages by optimal-transport distillation').version('0.1.0');
program.showHelpAfterError();

distillCommand(program);
const evalCmd = program.command('eval').description('evaluate models');
evalMiningCommand(evalCmd);
evalTrecCommand(evalCmd);
demoCommand(program);
indexCommand(program);
searchCommand(program);
serveCommand(program);


try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof OpticalError) {
    process.stderr.write(`optical: ${e.message}\n`);
    process.exit(2);
  }
  throw e;
}
