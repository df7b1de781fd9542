import { it, expect } from 'vitest';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';

it('tests write temporary files under the run’s own root, which global-tmp.ts removes at the end', () => {
  expect(basename(tmpdir())).toMatch(/^optical-test-/);
});
