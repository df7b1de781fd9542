/**
 * Vitest global setup: every test run gets one temporary root (`$TMPDIR/optical-test-XXXXXX`), exported as
 * TMPDIR so that `os.tmpdir()` in the test workers and in the CLI processes they spawn points into it, and
 * removed when the run ends. Tests create their folders with `mkdtempSync(join(tmpdir(), …))` and need not
 * clean up; without this every `npm test` left at least 370 MB in /tmp (one test's folder alone: 46 of them,
 * 17 GB, had piled up on the development machine by 2026-11-22). OPTICAL_KEEP_TEST_TMP=1 keeps the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'optical-test-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    if (process.env['OPTICAL_KEEP_TEST_TMP']) console.log(`test temporary files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
