/**
 * Runs the one shared VectorStore conformance suite (store.case.ts) against every implementation, plus
 * the dispatcher's error for an unknown kind. No case is skipped for any store.
 */
import { describe, expect, it } from 'vitest';
import { runStoreSuite } from './store.case.ts';
import { openStore, STORE_KINDS, type StoreKind } from './store.ts';
import { FlatStore } from './flat.ts';
import { LanceStore } from './lancedb.ts';
import { HnswStore } from './hnsw.ts';

const EXACT: Record<StoreKind, boolean> = { flat: true, lancedb: true, hnsw: false };

runStoreSuite({ kind: 'flat', exact: true, open: (dir, o) => FlatStore.open(dir, o) });
runStoreSuite({ kind: 'lancedb', exact: true, open: (dir, o) => LanceStore.open(dir, o) });
runStoreSuite({ kind: 'hnsw', exact: false, open: (dir, o) => HnswStore.open(dir, o) });

describe('openStore', () => {
  it('dispatches on the kind (every kind in STORE_KINDS) and rejects unknown kinds, listing the valid ones', async () => {
    for (const kind of STORE_KINDS) {
      const s = await openStore(kind, `/nonexistent-optical/${kind}`);
      expect(s.kind).toBe(kind);
      expect((await s.info()).exact).toBe(EXACT[kind]);
      await s.close();
    }
    await expect(openStore('faiss', '/tmp/x')).rejects.toThrow('unknown store "faiss" (valid: lancedb, flat, hnsw)');
  });
});
