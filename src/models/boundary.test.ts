/**
 * The runtime boundary (STYLE.md): among optical's sources, only src/models/engine.ts imports the tensor
 * library (tfjs) and only src/models/onnx/runtime.ts loads onnxruntime-node. Tests may import them.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Files whose code (comments removed) holds a quoted string matching `re` (module specifiers, resolve paths). */
function importers(re: RegExp): string[] {
  return sources(join(root, 'src'))
    .filter((f) => {
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      return [...code.matchAll(/['"]([^'"\n]+)['"]/g)].some((m) => re.test(m[1]!));
    })
    .map((f) => relative(root, f))
    .sort();
}

describe('runtime boundary', () => {
  it('only engine.ts imports tfjs', () => {
    expect(importers(/^@tensorflow\//)).toEqual(['src/models/engine.ts']);
  });
  it('only onnx/runtime.ts loads onnxruntime-node', () => {
    expect(importers(/^onnxruntime-/)).toEqual(['src/models/onnx/runtime.ts']);
  });
});
