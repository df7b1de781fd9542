/** Loader counts on the real corpora in ../shared/data (see /work/shared/README.md). */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { bibleBook, loadTatoebaEval, packageDefaultDataDir, parseBitextSpec } from './index.ts';

const dir = process.env['OPTICAL_DATA'] || packageDefaultDataDir();

describe.skipIf(!existsSync(dir))(`real corpora in ${dir} (skipped when that folder is absent: set $OPTICAL_DATA)`, () => {
  it('bible:Swahili: 7853 verses, 7 without an English verse, 7846 pairs in 26 books (no Philippians)', () => {
    const b = parseBitextSpec('bible:Swahili', dir);
    expect(b.stats).toEqual({ pairs: 7846, droppedEmpty: 0, srcOnly: 7, engOnly: 104, droppedDuplicate: 0 });
    expect(b.ids[0]).toBe('b.MAT.1.1');
    expect(new Set(b.ids.map(bibleBook)).size).toBe(26);
  });
  it('mafand:en-swa: 1791 pairs', () => {
    const b = parseBitextSpec('mafand:en-swa', dir);
    expect(b.src).toHaveLength(1791);
    expect(b.stats!.droppedEmpty).toBe(0);
  });
  it('sib:swh_Latn:train: 701 pairs over 7 topics', () => {
    const b = parseBitextSpec('sib:swh_Latn:train', dir);
    expect(b.src).toHaveLength(701);
    expect(new Set((b as { categories?: string[] }).categories).size).toBe(7);
    // a CSV-quoted English field comes back unquoted
    expect(b.eng.some((s) => s.startsWith('"') && s.endsWith('"'))).toBe(false);
  });
  it('Tatoeba swh: 390 evaluation pairs', () => {
    const t = loadTatoebaEval(dir, 'swh');
    expect(t.src).toHaveLength(390);
    expect(t.eng).toHaveLength(390);
  });
});
