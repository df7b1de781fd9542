/**
 * Caption loaders: Multi30k (line-aligned captions + image list, bitext spec multi30k:LANG with test splits
 * refused), Flickr30k `.token` files and Flickr30k-Entities `Sentences/*.txt` (annotations stripped), on files
 * written by the test; the real Multi30k folder when present.
 */
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMulti30kBitext, loadMulti30kCaptions, readCaptionFiles, readFlickr30kEntitiesSentences, readFlickr30kTokens, stripEntityAnnotations } from './multi30k.ts';
import { parseBitextSpec } from './spec.ts';
import { resolveTestData } from '../../test/data.ts';

const DATA = resolveTestData();

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'optical-m30k-'));
  const d = join(root, 'multi30k');
  mkdirSync(d);
  writeFileSync(join(d, 'train.en.gz'), gzipSync('A dog runs.\nTwo men talk.\n\n'));
  writeFileSync(join(d, 'train.de.gz'), gzipSync('Ein Hund rennt.\nZwei Männer reden.\nLeer.\n'));
  writeFileSync(join(d, 'train.txt'), '1.jpg\n2.jpg\n3.jpg\n');
  writeFileSync(join(d, 'test_2016_flickr.en.gz'), gzipSync('A cat.\n'));
  writeFileSync(join(d, 'test_2016_flickr.de.gz'), gzipSync('Eine Katze.\n'));
  writeFileSync(join(d, 'test_2016_flickr.txt'), '9.jpg\n');
  return root;
}

describe('Multi30k', () => {
  it('captions with image names; bitext drops blank pairs; spec multi30k:de', () => {
    const root = fixture();
    expect(loadMulti30kCaptions(root, 'de', 'test2016')).toEqual({ texts: ['Eine Katze.'], images: ['9.jpg'], source: 'multi30k:de:test2016' });
    const b = loadMulti30kBitext(root, 'de');
    expect(b.src).toEqual(['Ein Hund rennt.', 'Zwei Männer reden.']);
    expect(b.eng).toEqual(['A dog runs.', 'Two men talk.']);
    expect(b.ids).toEqual(['1:1.jpg', '2:2.jpg']);
    expect(b.stats!.droppedEmpty).toBe(1);
    expect(parseBitextSpec('multi30k:de', root).src).toEqual(b.src);
  });

  it('clear errors: test splits refused, unknown language or split, missing files, misaligned image list', () => {
    const root = fixture();
    expect(() => parseBitextSpec('multi30k:de:test2016', root)).toThrow(/test2016 is an evaluation set and cannot be used as bitext/);
    expect(() => parseBitextSpec('multi30k:xx', root)).toThrow(/must be one of de, fr, cs/);
    expect(() => loadMulti30kCaptions(root, 'de', 'dev')).toThrow(/unknown Multi30k split "dev"; valid: train, val, test2016/);
    expect(() => loadMulti30kCaptions(root, 'fr', 'train')).toThrow(/no Multi30k fr captions for train \(expected train\.fr\.gz; present: train\.de\.gz, train\.en\.gz, train\.txt\)/);
    writeFileSync(join(root, 'list.txt'), 'a.jpg\n');
    expect(() => readCaptionFiles(join(root, 'multi30k', 'train.en.gz'), join(root, 'list.txt'))).toThrow(/train\.en\.gz: caption file has 3 lines but the image list .*list\.txt has 1/);
    expect(() => loadMulti30kCaptions(join(root, 'nope'), 'de', 'train')).toThrow(/no Multi30k folder/);
  });

  it.skipIf(!DATA)('real data: test2016 has 1,000 captions per language, image lists aligned; train de 29,000 lines', () => {
    for (const l of ['en', 'de', 'fr', 'cs']) expect(loadMulti30kCaptions(DATA!, l, 'test2016').texts.length).toBe(1000);
    expect(loadMulti30kCaptions(DATA!, 'de', 'test2016').images[0]).toMatch(/^\d+\.jpg$/);
    const b = loadMulti30kBitext(DATA!, 'de');
    expect(b.src.length + b.stats!.droppedEmpty).toBe(29000);
  });
});

describe('Flickr30k caption files', () => {
  it('IMAGE#K<TAB>caption lines; a bad line names file and line', () => {
    const root = mkdtempSync(join(tmpdir(), 'optical-f30k-'));
    writeFileSync(join(root, 'results.token'), '1000.jpg#0\tA child in pink.\n1000.jpg#1\tA girl.\n\n1001.jpg#0\tA dog.\n');
    expect(readFlickr30kTokens(join(root, 'results.token'))).toMatchObject({ texts: ['A child in pink.', 'A girl.', 'A dog.'], images: ['1000.jpg', '1000.jpg', '1001.jpg'] });
    writeFileSync(join(root, 'bad.token'), '1000.jpg#0\tok\n1000.jpg A girl.\n');
    expect(() => readFlickr30kTokens(join(root, 'bad.token'))).toThrow(/bad\.token:2: expected IMAGE#K<TAB>caption/);
  });

  it('Flickr30k-Entities sentences: phrase annotations stripped (nested, notvisual), ids in order', () => {
    expect(stripEntityAnnotations('[/EN#18/people A man] in [/EN#19/clothing an orange hat] starring at [/EN#0/notvisual something] .')).toBe('A man in an orange hat starring at something .');
    expect(stripEntityAnnotations('[/EN#1/people/other Two [/EN#2/bodyparts young] guys] .')).toBe('Two young guys .');
    const root = mkdtempSync(join(tmpdir(), 'optical-f30ke-'));
    const s = join(root, 'Sentences');
    mkdirSync(s);
    writeFileSync(join(s, '36979.txt'), '[/EN#1/people A group] of [/EN#2/people friends] .\nFriends [/EN#3/other play] .\n');
    writeFileSync(join(s, '1000.txt'), '[/EN#7/animals A dog] .\n');
    expect(readFlickr30kEntitiesSentences(s)).toMatchObject({ texts: ['A dog .', 'A group of friends .', 'Friends play .'], images: ['1000.jpg', '36979.jpg', '36979.jpg'] });
    expect(readFlickr30kEntitiesSentences(s, ['36979']).texts).toHaveLength(2);
    writeFileSync(join(s, '2.txt'), 'fine\n[/EN#1/people broken\n');
    expect(() => readFlickr30kEntitiesSentences(s, ['2'])).toThrow(/2\.txt:2: 1 unclosed phrase bracket/);
    expect(() => readFlickr30kEntitiesSentences(s, ['404'])).toThrow(/404\.txt: no sentence file for this image id/);
  });
});
