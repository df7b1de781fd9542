/**
 * What the web app serves, independent of HTTP: a search index with its query models, the teacher and
 * student for the alignment explorer, and the results folder. All model work goes through one
 * {@link WorkQueue} (tfjs-wasm is single-threaded); searches waiting together are encoded as one batch.
 *
 * Roles: `teacher` is the English encoder (default USE-lite); `student` is the foreign-language encoder
 * (`--model`, or the index's own model when that is a student). Both must embed into the index's space.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { SearchIndex, type IndexManifest } from '../retrieval/search-index.ts';
import { isTeacherSpec, loadModel, modelSpecPath, peekModel } from '../retrieval/model-spec.ts';
import type { SentenceEncoder } from '../models/types.ts';
import { alignTokens, tokenStates, type AlignmentPlan, type OtCost, type TokenStates } from '../eval/alignment.ts';
import { Batcher, WorkQueue } from './queue.ts';

export type Role = 'teacher' | 'student';

export interface AppOptions {
  /** an index folder (made by `optical index`) */
  index?: string;
  /** the student (foreign-language model) */
  model?: string;
  /** the teacher spec (default `teacher`, USE-lite) */
  teacher?: string;
  /** the results folder shown by the reports page */
  results?: string;
  /** requests that may wait for the encoder (default 256) */
  maxPending?: number;
}

export interface SearchResult {
  rank: number;
  id: string;
  score: number;
  lang?: string;
  text?: string;
}

export interface SearchResponse {
  query: string;
  model: string;
  role: Role;
  k: number;
  results: SearchResult[];
}

export interface AlignResponse {
  epsilon: number;
  cost: OtCost;
  /** student tokens of the source vs teacher tokens of the target (absent without a student) */
  student?: AlignmentPlan & { model: string };
  /** teacher zero-shot: teacher tokens of both sentences */
  teacher: AlignmentPlan & { model: string };
}

/** A small least-recently-used map. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

export class WebApp {
  readonly queue: WorkQueue;
  private readonly searches: Batcher<{ query: string; k: number }, SearchResult[]>;
  private readonly tokenCache = new Lru<TokenStates>(256);

  private constructor(
    readonly models: { teacher: SentenceEncoder; student?: SentenceEncoder },
    readonly index: SearchIndex | undefined,
    /** the real path of the results folder, when there is one */
    readonly resultsDir: string | undefined,
    maxPending: number,
  ) {
    this.queue = new WorkQueue({ concurrency: 1, maxPending });
    this.searches = new Batcher(this.queue, (role, items) => this.searchBatch(role as Role, items), 64, maxPending);
  }

  /** Load what the options name; missing folders and incompatible models are `InputError`s. */
  static async open(opts: AppOptions): Promise<WebApp> {
    let resultsDir: string | undefined;
    if (opts.results !== undefined) {
      if (!existsSync(opts.results) || !statSync(opts.results).isDirectory()) throw new InputError('no such results folder', opts.results);
      resultsDir = realpathSync(opts.results);
    }
    const index = opts.index !== undefined ? await SearchIndex.open(opts.index) : undefined;
    try {
      const m = index?.manifest;
      // the index's own model is the student when it is not the teacher and no --model is given
      const studentSpec = opts.model ?? (m && !isTeacherSpec(m.model.path) && existsSync(m.model.path) ? m.model.path : undefined);
      // refuse a model of another space before loading its weights (config.json only)
      for (const spec of [opts.teacher ?? 'teacher', studentSpec]) {
        const peek = spec !== undefined && index ? peekModel(spec) : undefined;
        if (peek) index!.checkModel({ meta: peek }, 'query');
      }
      const teacher = await loadModel(opts.teacher ?? 'teacher');
      const student = studentSpec !== undefined ? await loadModel(studentSpec) : undefined;
      if (student && (student.meta.teacher ?? student.meta.name) !== (teacher.meta.teacher ?? teacher.meta.name)) {
        throw new InputError(`the student ${student.meta.name} was distilled from ${student.meta.teacher ?? '(none)'}, not from the teacher ${teacher.meta.name} (give --teacher)`, modelSpecPath(studentSpec!));
      }
      if (index) {
        index.checkModel(teacher, 'query');
        if (student) index.checkModel(student, 'query');
      }
      return new WebApp({ teacher, student }, index, resultsDir, opts.maxPending ?? 256);
    } catch (e) {
      await index?.close();
      throw e;
    }
  }

  /** The default query model: the student when there is one. */
  get defaultRole(): Role {
    return this.models.student ? 'student' : 'teacher';
  }

  model(role: Role): SentenceEncoder | undefined {
    return this.models[role];
  }

  info(): { index?: { dir: string; count: number; store: string; space: IndexManifest['space']; languages: Record<string, number>; models: string[] }; models: Partial<Record<Role, { name: string; teacher?: string }>>; defaultRole: Role; results: boolean } {
    const m = this.index?.manifest;
    const models: Partial<Record<Role, { name: string; teacher?: string }>> = {};
    for (const role of ['teacher', 'student'] as const) {
      const enc = this.models[role];
      if (enc) models[role] = enc.meta.teacher ? { name: enc.meta.name, teacher: enc.meta.teacher } : { name: enc.meta.name };
    }
    return {
      index: this.index && m ? { dir: this.index.dir, count: m.count, store: m.store, space: m.space, languages: m.languages, models: m.models.map((x) => x.name) } : undefined,
      models,
      defaultRole: this.defaultRole,
      results: this.resultsDir !== undefined,
    };
  }

  /** Search the index with `query` encoded by the `role` model (batched with other waiting searches). */
  async search(query: string, role: Role, k: number): Promise<SearchResponse> {
    const enc = this.models[role];
    if (!enc) throw new InputError(`no ${role} model is loaded (start the server with --model DIR for a student)`);
    if (!this.index) throw new InputError('no index is loaded (start the server with --index DIR)');
    const results = await this.searches.submit(role, { query, k });
    return { query, model: enc.meta.name, role, k, results };
  }

  private async searchBatch(role: Role, items: { query: string; k: number }[]): Promise<SearchResult[][]> {
    const k = Math.max(...items.map((x) => x.k));
    const hits = await this.index!.searchTexts(
      items.map((x) => x.query),
      this.models[role]!,
      k,
    );
    return hits.map((list, i) =>
      list.slice(0, items[i]!.k).map((h, r) => {
        const out: SearchResult = { rank: r + 1, id: h.id, score: h.score };
        if (h.lang !== undefined) out.lang = h.lang;
        if (h.text !== undefined) out.text = h.text;
        return out;
      }),
    );
  }

  /** Token states of `text` under `role`, cached (the ε slider re-asks for the same sentences). */
  private tokens(role: Role, text: string): TokenStates {
    const key = `${role}\u0000${text}`;
    const hit = this.tokenCache.get(key);
    if (hit) return hit;
    const out = tokenStates(this.models[role]!, [text])[0]!;
    this.tokenCache.set(key, out);
    return out;
  }

  /** OT plans source → target: the student's (when loaded) and the teacher zero-shot's (see src/eval/alignment.ts). */
  async align(source: string, target: string, epsilon: number, cost: OtCost): Promise<AlignResponse> {
    return this.queue.run(() => {
      const tgt = this.tokens('teacher', target);
      const plan = (role: Role) => ({ model: this.models[role]!.meta.name, ...alignTokens(this.tokens(role, source), tgt, { epsilon, cost }) });
      const out: AlignResponse = { epsilon, cost, teacher: plan('teacher') };
      if (this.models.student) out.student = plan('student');
      return out;
    });
  }

  async close(): Promise<void> {
    await this.index?.close();
  }
}
