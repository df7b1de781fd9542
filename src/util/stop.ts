/**
 * Cooperative stopping of long jobs (Ctrl-C, SIGTERM): the CLI installs the signal handlers; the trainer checks
 * `stopRequested()` after every step, writes a checkpoint and throws {@link Stopped}; the experiment runner
 * checks between cells. A second signal exits at once (status 130), without a checkpoint. A phase with nothing to
 * save and no safe point (an experiment's analysis and report, which write each file atomically when it is done)
 * releases the handlers first, so that Ctrl-C ends it at once: its synchronous computation would keep a JS handler
 * from ever running.
 *
 * Library code never installs handlers itself (a library must not change what Ctrl-C does in its host
 * program); tests use `requestStop` / `clearStop`.
 */
import { OpticalError } from '../errors.ts';

/** A job stopped on request, its work saved (the message says where and how to continue). */
export class Stopped extends OpticalError {
  override name = 'Stopped';
}

let requested = false;
let installed: ((sig: NodeJS.Signals) => void) | undefined;

export const stopRequested = (): boolean => requested;
export function requestStop(): void {
  requested = true;
}
export function clearStop(): void {
  requested = false;
}

/**
 * Let signal handlers run: a step of the ONNX Runtime trainer is synchronous from start to end, so without a
 * turn of the event loop between steps a Ctrl-C would never be seen until the job ends.
 */
export const yieldToEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** CLI only: the first SIGINT / SIGTERM asks long jobs to stop at the next safe point, the second exits now. */
export function installStopHandlers(say: (msg: string) => void = (m) => process.stderr.write(m + '\n')): void {
  if (installed) return;
  const handler = (sig: NodeJS.Signals) => {
    if (requested) {
      say(`optical: ${sig} again: exiting now, without saving the current work`);
      process.exit(130);
    }
    requested = true;
    say(`optical: ${sig}: stopping at the next safe point (after this training step, with a checkpoint, or after this phase); press Ctrl-C again to exit now`);
  };
  installed = handler;
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** CLI only: gives SIGINT / SIGTERM back their default action (end the process at once); see the file header. */
export function releaseStopHandlers(): void {
  if (!installed) return;
  process.off('SIGINT', installed);
  process.off('SIGTERM', installed);
  installed = undefined;
}
