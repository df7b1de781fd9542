/**
 * Progress on stderr: a bar (cli-progress) only when stderr is a terminal that can redraw a line (a TTY,
 * TERM not `dumb`); otherwise no bar, a plain line at most every 10 s and at the end (CI logs, pipes).
 * Commands pass `enabled = false` for `--quiet`.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, extra?: string): void;
  stop(): void;
}

export function progressBar(label: string, total: number, enabled = true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY && process.env.TERM !== 'dumb') {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {extra}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { extra: '' });
    return { update: (d, extra = '') => bar.update(d, { extra }), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update(d, extra = '') {
      const now = Date.now();
      if (d === total || now - last > 10_000) {
        last = now;
        process.stderr.write(`${label} ${d}/${total}${extra ? ` ${extra}` : ''}\n`);
      }
    },
    stop() {},
  };
}
