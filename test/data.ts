/**
 * Where tests find the shared real data: `$OPTICAL_DATA`, else `../shared/data` beside the checkout.
 * Returns undefined when absent; tests that need it use `describe.skipIf(...)` and say so in their title.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

export function resolveTestData(): string | undefined {
  const candidates = [process.env.OPTICAL_DATA, join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')];
  for (const c of candidates) if (c && existsSync(c)) return c;
  if (!process.env.OPTICAL_QUIET_SKIP) console.warn('[optical tests] real data not found (set $OPTICAL_DATA or place ../shared/data): data tests are skipped');
  return undefined;
}

/** The shared tokenizer folders (`tokenizers-minilm`, `tokenizers-clip`): beside the data folder, or `../shared/models`. */
export function resolveTestModels(): string | undefined {
  const candidates = [process.env.OPTICAL_DATA && join(process.env.OPTICAL_DATA, '..', 'models'), join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'models')];
  for (const c of candidates) if (c && existsSync(join(c, 'tokenizers-minilm', 'tokenizer.json'))) return c;
  if (!process.env.OPTICAL_QUIET_SKIP) console.warn('[optical tests] shared tokenizer files not found (../shared/models): tests that need them are skipped');
  return undefined;
}
