/**
 * Reading Hugging Face `tokenizer.json` files with a Unigram model (writing is
 * `UnigramTokenizer.toHF()`; save with `writeTokenizerJson`).
 *
 * Supported: `model.type = "Unigram"` (no byte fallback) with `unk_id`; normalizers NFC, NFD, NFKC,
 * NFKD, Lowercase, Strip, Prepend, Replace, Sequence; pre-tokenizers Metaspace (also the legacy
 * `add_prefix_space` form), WhitespaceSplit, Sequence; `added_tokens` that are special and equal to
 * their vocabulary entry (they become control pieces: never matched from text — Hugging Face's
 * runtime would instead cut literal occurrences out of the text); `decoder` is ignored. Anything
 * else — another model type, a `post_processor`, `truncation`, a `Precompiled` normalizer, … — is
 * an `InputError` naming the file and the field.
 *
 * `model.optical` (ignored by Hugging Face's Unigram deserializer) carries optical's extension:
 * `lattice: "tfjs-use"` for USE-lite's exact segmentation and `maxLength`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import type { HFNormalizer, HFPreTokenizer, OpticalModelExtension, Tokenizer } from './types.ts';
import { UnigramTokenizer } from './unigram.ts';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  constructor(readonly file: string | undefined) {}

  fail(field: string, message: string): never {
    throw new InputError(`${field}: ${message}`, this.file);
  }

  object(v: Json, field: string): Record<string, Json> {
    if (!isObject(v)) this.fail(field, `expected an object, got ${describe(v)}`);
    return v;
  }

  string(v: Json, field: string): string {
    if (typeof v !== 'string') this.fail(field, `expected a string, got ${describe(v)}`);
    return v;
  }

  bool(v: Json, field: string, fallback?: boolean): boolean {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, `expected true or false, got ${describe(v)}`);
    return v;
  }

  array(v: Json, field: string): Json[] {
    if (!Array.isArray(v)) this.fail(field, `expected an array, got ${describe(v)}`);
    return v;
  }

  normalizer(v: Json, field: string): HFNormalizer {
    const o = this.object(v, field);
    const type = o['type'];
    switch (type) {
      case 'NFC':
      case 'NFD':
      case 'NFKC':
      case 'NFKD':
      case 'Lowercase':
        return { type };
      case 'Strip':
        return {
          type,
          strip_left: this.bool(o['strip_left'], `${field}.strip_left`, true),
          strip_right: this.bool(o['strip_right'], `${field}.strip_right`, true),
        };
      case 'Prepend':
        return { type, prepend: this.string(o['prepend'], `${field}.prepend`) };
      case 'Replace': {
        const p = this.object(o['pattern'], `${field}.pattern`);
        const content = this.string(o['content'], `${field}.content`);
        if (typeof p['String'] === 'string') return { type, pattern: { String: p['String'] }, content };
        if (typeof p['Regex'] === 'string') {
          try {
            new RegExp(p['Regex'], 'gu');
          } catch (err) {
            this.fail(`${field}.pattern.Regex`, `not a valid JavaScript regular expression (${(err as Error).message})`);
          }
          return { type, pattern: { Regex: p['Regex'] }, content };
        }
        return this.fail(`${field}.pattern`, 'expected {"String": ...} or {"Regex": ...}');
      }
      case 'Sequence':
        return {
          type,
          normalizers: this.array(o['normalizers'], `${field}.normalizers`).map((n, i) =>
            this.normalizer(n, `${field}.normalizers[${i}]`),
          ),
        };
      default:
        return this.fail(
          `${field}.type`,
          `unsupported normalizer ${describe(type)} (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence)`,
        );
    }
  }

  preTokenizer(v: Json, field: string): HFPreTokenizer {
    const o = this.object(v, field);
    const type = o['type'];
    switch (type) {
      case 'Metaspace': {
        const replacement = this.string(o['replacement'], `${field}.replacement`);
        if (replacement.length === 0) this.fail(`${field}.replacement`, 'must not be empty');
        let scheme: 'always' | 'first' | 'never';
        if (o['prepend_scheme'] !== undefined) {
          const s = o['prepend_scheme'];
          if (s !== 'always' && s !== 'first' && s !== 'never') {
            this.fail(`${field}.prepend_scheme`, `expected "always", "first" or "never", got ${describe(s)}`);
          }
          scheme = s;
        } else {
          scheme = this.bool(o['add_prefix_space'], `${field}.add_prefix_space`, true) ? 'always' : 'never';
        }
        return { type, replacement, prepend_scheme: scheme, split: this.bool(o['split'], `${field}.split`, true) };
      }
      case 'WhitespaceSplit':
        return { type };
      case 'Sequence':
        return {
          type,
          pretokenizers: this.array(o['pretokenizers'], `${field}.pretokenizers`).map((p, i) =>
            this.preTokenizer(p, `${field}.pretokenizers[${i}]`),
          ),
        };
      default:
        return this.fail(
          `${field}.type`,
          `unsupported pre_tokenizer ${describe(type)} (supported: Metaspace, WhitespaceSplit, Sequence)`,
        );
    }
  }
}

function describe(v: Json): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * Builds a tokenizer from a parsed `tokenizer.json` object; `file` only labels errors.
 * Throws `InputError` (naming `file` and the offending field) for anything unsupported.
 */
export function parseTokenizerJson(json: Json, file?: string): UnigramTokenizer {
  const r: Reader = new Reader(file);
  const root = r.object(json, '(root)');
  const model = r.object(root['model'], 'model');
  if (model['type'] !== 'Unigram') {
    r.fail('model.type', `${describe(model['type'])} is not supported; only "Unigram" tokenizer.json files can be read`);
  }
  const vocab = r.array(model['vocab'], 'model.vocab').map((e, i): [string, number] => {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'number' || !Number.isFinite(e[1])) {
      r.fail(`model.vocab[${i}]`, `expected [piece: string, score: finite number], got ${JSON.stringify(e)?.slice(0, 60)}`);
    }
    return [e[0], e[1]];
  });
  if (vocab.length === 0) r.fail('model.vocab', 'is empty');
  const unk = model['unk_id'];
  if (typeof unk !== 'number' || !Number.isInteger(unk) || unk < 0 || unk >= vocab.length) {
    r.fail('model.unk_id', `expected an id in [0, ${vocab.length}), got ${describe(unk)}`);
  }
  if (model['byte_fallback'] === true) r.fail('model.byte_fallback', 'byte fallback is not supported');

  let ext: OpticalModelExtension = {};
  if (model['optical'] !== undefined) {
    const o = r.object(model['optical'], 'model.optical');
    const lattice = o['lattice'];
    if (lattice !== undefined && lattice !== 'sentencepiece' && lattice !== 'tfjs-use') {
      r.fail('model.optical.lattice', `expected "sentencepiece" or "tfjs-use", got ${describe(lattice)}`);
    }
    const maxLength = o['maxLength'];
    if (maxLength !== undefined && !(typeof maxLength === 'number' && Number.isInteger(maxLength) && maxLength > 0)) {
      r.fail('model.optical.maxLength', `expected a positive integer, got ${describe(maxLength)}`);
    }
    ext = { lattice, maxLength };
    if (lattice === 'tfjs-use' && (unk !== 0 || vocab[0]![0].length === 0)) {
      r.fail('model.optical.lattice', '"tfjs-use" needs unk_id 0 with a non-empty piece');
    }
  }

  const controlIds: number[] = [];
  if (root['added_tokens'] !== undefined && root['added_tokens'] !== null) {
    r.array(root['added_tokens'], 'added_tokens').forEach((t, i) => {
      const f = `added_tokens[${i}]`;
      const o = r.object(t, f);
      const id = o['id'];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocab.length) {
        r.fail(`${f}.id`, `expected an id in [0, ${vocab.length}), got ${describe(id)}`);
      }
      const content = r.string(o['content'], `${f}.content`);
      if (vocab[id]![0] !== content) {
        r.fail(`${f}.content`, `${JSON.stringify(content)} differs from model.vocab[${id}] ${JSON.stringify(vocab[id]![0])}`);
      }
      if (o['special'] !== true) r.fail(`${f}.special`, 'only special added tokens are supported');
      controlIds.push(id);
    });
  }
  for (const key of ['post_processor', 'truncation'] as const) {
    if (root[key] !== undefined && root[key] !== null) r.fail(key, 'is not supported (expected null)');
  }
  const normalizer = root['normalizer'] == null ? null : r.normalizer(root['normalizer'], 'normalizer');
  const preTokenizer = root['pre_tokenizer'] == null ? null : r.preTokenizer(root['pre_tokenizer'], 'pre_tokenizer');

  return new UnigramTokenizer({
    vocab,
    unkId: unk,
    controlIds,
    normalizer,
    preTokenizer,
    lattice: ext.lattice ?? 'sentencepiece',
    ...(ext.maxLength !== undefined ? { maxLength: ext.maxLength } : {}),
  });
}

/** Reads a `tokenizer.json` file (see the file header for what is supported). */
export function loadTokenizerJson(path: string): UnigramTokenizer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read tokenizer.json: ${(err as Error).message}`, path);
  }
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, path);
  }
  return parseTokenizerJson(json, path);
}

/** Writes `tokenizer.toHF()` to `path` as JSON. */
export function writeTokenizerJson(tokenizer: Tokenizer, path: string): void {
  writeFileSync(path, `${JSON.stringify(tokenizer.toHF())}\n`);
}
