/**
 * A prefix trie over Unicode code points, used to enumerate every vocabulary piece that starts at a
 * given position of a code-point array (the edges of the segmentation lattice).
 *
 * Nodes are numbered; node 0 is the root. `children[n]` maps a code point to a child node and
 * `value[n]` is the payload (a piece id) stored at node `n`, or −1.
 */
export class CodePointTrie {
  private readonly children: Map<number, number>[] = [new Map()];
  private readonly value: number[] = [-1];

  /** Stores `id` under the code points of `key` (a later insert of the same key replaces it). */
  insert(key: string, id: number): void {
    let node = 0;
    for (const ch of key) {
      const cp = ch.codePointAt(0)!;
      let next = this.children[node]!.get(cp);
      if (next === undefined) {
        next = this.value.length;
        this.children.push(new Map());
        this.value.push(-1);
        this.children[node]!.set(cp, next);
      }
      node = next;
    }
    if (node !== 0) this.value[node] = id;
  }

  /**
   * Calls `visit(end, id)` for every stored key equal to `cps[start .. end)`, in increasing `end`
   * order (the common-prefix search of SentencePiece / Darts).
   */
  prefixes(cps: ArrayLike<number>, start: number, visit: (end: number, id: number) => void): void {
    let node = 0;
    for (let i = start; i < cps.length; i++) {
      const next = this.children[node]!.get(cps[i]!);
      if (next === undefined) return;
      node = next;
      const id = this.value[node]!;
      if (id >= 0) visit(i + 1, id);
    }
  }
}

/** The code points of `s` (one entry per code point, as `for…of` iterates a string). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}
