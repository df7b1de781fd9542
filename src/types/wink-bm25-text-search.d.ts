/** The part of wink-bm25-text-search (CommonJS, untyped) that src/retrieval/bm25.ts uses. */
declare module 'wink-bm25-text-search' {
  interface WinkBm25 {
    defineConfig(cfg: { fldWeights: Record<string, number>; bm25Params?: { k1?: number; b?: number; k?: number }; ovFldNames?: string[] }): boolean;
    definePrepTasks(tasks: ((input: string) => string[])[], field?: string): number;
    addDoc(doc: Record<string, string>, id: string): number;
    consolidate(fp?: number): boolean;
    /** [id, score] pairs, best first */
    search(text: string, limit?: number): [string, number][];
  }
  const create: () => WinkBm25;
  export default create;
}
