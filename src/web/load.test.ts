/**
 * Load: 200 concurrent search requests (twice over, on kept-alive connections) against the real
 * `optical serve` (child process, loopback),
 * 0 errors, every reply a full result list, the server's memory bounded; then malformed requests, each
 * answered with a 4xx, and the server still up. Bigger runs: `npm run bench:web`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebFixture, type WebFixture } from './testing.ts';
import { loadTest, startServer, type ServerProcess } from './loadtest.ts';

let fx: WebFixture;
let server: ServerProcess;

beforeAll(async () => {
  fx = await buildWebFixture(mkdtempSync(join(tmpdir(), 'optical-load-')), { student: false });
  server = await startServer(['--index', fx.index, '--results', fx.results]);
});

afterAll(async () => {
  if (server) expect(await server.stop()).toBe(0); // SIGTERM: a clean shutdown
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

describe('optical serve under load', () => {
  it('200 concurrent searches: no errors, bounded memory; malformed requests get 4xx and the server survives', async () => {
    const r = await loadTest(server, { connections: 200, amount: 400 }); // two requests per kept-alive connection
    console.log(`load: ${r.requests} requests / ${r.connections} connections in ${r.seconds.toFixed(1)} s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms; RSS ${r.memoryMB.baseline} → peak ${r.memoryMB.peak} MB; malformed ${JSON.stringify(r.malformed.statuses)}`);
    expect(r.requests).toBe(400);
    expect({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, mismatches: r.mismatches }).toEqual({ errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 });
    // at most 256 queries (≤ 500 characters) wait and at most 64 are encoded at once: the engine's wasm heap
    // grows to one full batch's high-water mark (~100 MB here, the same after 2000 requests in bench:web)
    expect(r.memoryMB.peak - r.memoryMB.baseline).toBeLessThan(200);
    expect(r.malformed.requests).toBeGreaterThan(0);
    expect(r.malformed.not4xx).toBe(0);
    expect(r.aliveAfter).toBe(true);
    expect(server.stderr()).not.toMatch(/internal error/);
  });
});
