/**
 * A Hugging Face `tokenizer.json` (WordPiece, byte-level BPE, Unigram, with their normalizers,
 * pre-tokenizers and post-processors) run by `@huggingface/tokenizers`, plus the truncation our models
 * need: at most `maxLength` ids, special tokens kept (the content is cut, as `truncation=True` does).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { InputError } from '../../errors.ts';

export class HfTokenizer {
  private readonly tok: Tokenizer;
  /** the largest id the tokenizer can emit, plus one */
  readonly vocabSize: number;

  constructor(
    readonly json: Record<string, unknown>,
    readonly config: Record<string, unknown>,
    file: string,
  ) {
    try {
      this.tok = new Tokenizer(json, config);
    } catch (e) {
      throw new InputError(`cannot build the tokenizer: ${(e as Error).message}`, file);
    }
    let max = -1;
    for (const id of this.tok.get_vocab(true).values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
  }

  /** `model_max_length` of tokenizer_config.json, when it is a real limit. */
  get modelMaxLength(): number | undefined {
    const m = this.config['model_max_length'];
    return typeof m === 'number' && Number.isInteger(m) && m > 0 && m < 1e6 ? m : undefined;
  }

  /**
   * Ids and token strings of `text` with the post-processor's special tokens, at most `maxLength` of them:
   * when too long, the content between the leading and trailing special tokens is cut at the end.
   */
  encode(text: string, maxLength: number): { ids: number[]; tokens: string[] } {
    const full = this.tok.encode(text);
    if (full.ids.length <= maxLength) return { ids: full.ids, tokens: full.tokens };
    const bare = this.tok.encode(text, { add_special_tokens: false });
    const n = bare.ids.length;
    // where the content starts inside the full sequence (the specials are a prefix and a suffix)
    let start = 0;
    search: for (; start + n <= full.ids.length; start++) {
      for (let j = 0; j < n; j++) if (full.ids[start + j] !== bare.ids[j]) continue search;
      break;
    }
    if (start + n > full.ids.length) return { ids: full.ids.slice(0, maxLength), tokens: full.tokens.slice(0, maxLength) };
    const specials = full.ids.length - n;
    const keep = Math.max(0, maxLength - specials);
    const cut = <T>(a: T[]) => [...a.slice(0, start + keep), ...a.slice(start + n)].slice(0, maxLength);
    return { ids: cut(full.ids), tokens: cut(full.tokens) };
  }

  /** Token strings of `text` without special tokens. */
  tokenize(text: string): string[] {
    return this.tok.tokenize(text);
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }
}
