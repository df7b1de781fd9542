/**
 * LanceStore: a VectorStore on an embedded LanceDB table (`@lancedb/lancedb`, the only file that imports it
 * and apache-arrow). Legend: N documents, D dim.
 *
 * On disk: `dir/` is a LanceDB database holding one table `docs` (`dir/docs.lance/`) with the columns
 *   id      utf8, not null
 *   vector  fixed_size_list<float32>[D]   as given (cosine search normalises on the fly)
 *   text    utf8, nullable
 *   lang    utf8, nullable
 *   meta    utf8, nullable                JSON of the record's other fields
 *
 * Every `add` is one LanceDB commit (a new table version), so it is atomic; the table is created by the
 * first add, with its data, in one call, and dropped again if that call fails. Search is
 * `vectorSearch(q).distanceType('cosine')`: a full scan (exact) unless an ANN index has been built with
 * {@link LanceStore.buildAnnIndex}; score = 1 − cosine distance (computed by Lance in float32). With an ANN
 * index, candidates come from the index and are re-scored on the full vectors (`refineFactor`), so scores
 * stay exact and only recall is approximate. Duplicate-id checks read the id column once per open and keep
 * it in memory.
 */
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ArgumentError, InputError } from '../errors.ts';
import { compareHits, storedFields, validateAdd, validateQuery, type OpenStoreOptions, type SearchHit, type StoredDoc, type StoreInfo, type VectorStore } from './store.ts';

// Lance logs a WARN line to stderr when it creates a dataset; keep the CLI's stderr for our own messages.
process.env.LANCEDB_LOG ??= 'error';
const lancedb = await import('@lancedb/lancedb');
// LanceDB is CommonJS and checks `instanceof` against the CommonJS build of apache-arrow: load that same
// build (an ESM `import` would give a second copy of every class, whose tables LanceDB does not recognise).
const { FixedSizeList, Field, Float32, RecordBatch, Schema, Struct, Table: ArrowTable, Utf8, makeData, vectorFromArray } =
  createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
type ArrowTable = import('apache-arrow').Table;
type Connection = Awaited<ReturnType<typeof lancedb.connect>>;
type Table = Awaited<ReturnType<Connection['openTable']>>;

const TABLE = 'docs';
/** extra candidates fetched so that ties at rank k are broken by id like the other stores */
const TIE_SLACK = 8;
/** ANN search: HNSW candidate list size (at least), and how many candidates per result are re-scored exactly */
const ANN_EF = 64;
const ANN_REFINE = 4;

export class LanceStore implements VectorStore {
  readonly kind = 'lancedb' as const;
  private idSet?: Set<string>;
  private annIndexed?: boolean;

  private constructor(
    readonly dir: string,
    private db: Connection | undefined,
    private table: Table | undefined,
    private dim: number,
  ) {}

  /** Open the store in `dir`; nothing is created on disk until the first `add`. */
  static async open(dir: string, opts: OpenStoreOptions = {}): Promise<LanceStore> {
    if (!existsSync(dir)) return new LanceStore(dir, undefined, undefined, opts.dim ?? 0);
    const db = await lancedb.connect(dir);
    if (!(await db.tableNames()).includes(TABLE)) return new LanceStore(dir, db, undefined, opts.dim ?? 0);
    const table = await db.openTable(TABLE);
    const schema = await table.schema();
    const vec = schema.fields.find((f) => f.name === 'vector');
    const dim = vec && vec.type instanceof FixedSizeList ? vec.type.listSize : (vec?.type as { listSize?: number } | undefined)?.listSize;
    if (!dim) throw new InputError(`LanceDB table "${TABLE}" has no fixed-size "vector" column`, dir);
    if (opts.dim !== undefined && opts.dim !== dim) throw new ArgumentError(`the store in ${dir} has dim ${dim}, expected ${opts.dim}`);
    return new LanceStore(dir, db, table, dim);
  }

  private async ids(): Promise<Set<string>> {
    if (!this.idSet) {
      this.idSet = new Set();
      if (this.table) {
        for (const row of await this.table.query().select(['id']).toArray()) this.idSet.add(String(row.id));
      }
    }
    return this.idSet;
  }

  async add(docs: readonly StoredDoc[], vectors: Float32Array): Promise<void> {
    if (docs.length === 0) return;
    const D = this.dim || vectors.length / docs.length;
    const known = await this.ids();
    validateAdd(docs, vectors, D, (id) => known.has(id));
    const data = toArrow(docs, vectors, D);
    if (this.table) {
      await this.table.add(data);
    } else {
      const created = !existsSync(this.dir);
      this.db ??= await lancedb.connect(this.dir);
      try {
        this.table = await this.db.createTable(TABLE, data);
      } catch (e) {
        await this.db.dropTable(TABLE).catch(() => {});
        if (created) rmSync(this.dir, { recursive: true, force: true });
        else rmSync(`${this.dir}/${TABLE}.lance`, { recursive: true, force: true });
        this.db = undefined;
        throw e;
      }
    }
    this.dim = D;
    for (const d of docs) known.add(d.id);
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    validateQuery(query, k, this.dim);
    if (!this.table) return [];
    let q = this.table
      .vectorSearch(query)
      .distanceType('cosine')
      .select(['id', 'text', 'lang', 'meta'])
      .limit(k + TIE_SLACK);
    // ANN: wider graph search, then exact distances on the full vectors for the candidates (the index's
    // own distances are on scalar-quantised vectors)
    if (await this.hasAnnIndex()) q = q.ef(Math.max(ANN_EF, 2 * ANN_REFINE * (k + TIE_SLACK))).refineFactor(ANN_REFINE);
    const rows = await q.toArray();
    const hits: SearchHit[] = rows.map((r) => {
      const meta = r.meta == null ? undefined : (JSON.parse(String(r.meta)) as Record<string, unknown>);
      const doc = storedFields({ id: String(r.id), text: r.text ?? undefined, lang: r.lang ?? undefined, meta });
      return { ...doc, score: 1 - Number(r._distance) };
    });
    return hits.sort(compareHits).slice(0, k);
  }

  private async hasAnnIndex(): Promise<boolean> {
    if (this.annIndexed === undefined) this.annIndexed = this.table ? (await this.table.listIndices()).some((i) => i.columns.includes('vector')) : false;
    return this.annIndexed;
  }

  async has(ids: readonly string[]): Promise<string[]> {
    const known = await this.ids();
    return ids.filter((id) => known.has(id));
  }

  async count(): Promise<number> {
    return this.table ? this.table.countRows() : 0;
  }

  async info(): Promise<StoreInfo> {
    const indices = this.table ? await this.table.listIndices() : [];
    const ann = indices.filter((i) => i.columns.includes('vector'));
    return {
      kind: 'lancedb',
      dim: this.dim,
      count: await this.count(),
      metric: 'cosine',
      exact: ann.length === 0,
      details: { table: TABLE, version: this.table ? await this.table.version() : 0, indices: ann.map((i) => i.indexType) },
    };
  }

  /**
   * Build an approximate index on the vector column (IVF partitions + HNSW graphs with scalar-quantised
   * vectors, LanceDB's `IVF_HNSW_SQ`); later searches use it and `info().exact` becomes false. Worth it
   * from ~100k documents; LanceDB needs at least a few hundred rows to train the partitions.
   */
  async buildAnnIndex(): Promise<void> {
    if (!this.table) throw new ArgumentError('the store is empty: add documents before building an ANN index');
    await this.table.createIndex('vector', { config: lancedb.Index.hnswSq({ distanceType: 'cosine' }), replace: true });
    this.annIndexed = true;
  }

  async close(): Promise<void> {
    this.table?.close();
    this.db?.close();
    this.table = undefined;
    this.db = undefined;
  }
}

/** Column-wise arrow table for an add (the vector column is a view on `vectors`, no per-value copy). */
function toArrow(docs: readonly StoredDoc[], vectors: Float32Array, D: number): ArrowTable {
  const N = docs.length;
  const item = new Field('item', new Float32(), true);
  const listType = new FixedSizeList(D, item);
  const child = makeData({ type: new Float32(), length: N * D, nullCount: 0, data: vectors });
  const vector = makeData({ type: listType, length: N, nullCount: 0, child });
  const str = (xs: (string | null)[]) => vectorFromArray(xs, new Utf8()).data[0]!;
  const fields = [
    new Field('id', new Utf8(), false),
    new Field('vector', listType, false),
    new Field('text', new Utf8(), true),
    new Field('lang', new Utf8(), true),
    new Field('meta', new Utf8(), true),
  ];
  const children = [
    str(docs.map((d) => d.id)),
    vector,
    str(docs.map((d) => d.text ?? null)),
    str(docs.map((d) => d.lang ?? null)),
    str(docs.map((d) => (d.meta && Object.keys(d.meta).length > 0 ? JSON.stringify(d.meta) : null))),
  ];
  const schema = new Schema(fields);
  return new ArrowTable(schema, [new RecordBatch(schema, makeData({ type: new Struct(fields), length: N, nullCount: 0, children }))]);
}
