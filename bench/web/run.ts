/**
 * `npm run bench:web [-- --amount N --connections C --json]`: load test of `optical serve` on loopback
 * (src/web/loadtest.ts) against a fresh index of 44 English documents (teacher-encoded, flat store).
 * Prints throughput, latency, errors, the malformed-request statuses and the server's memory, then the
 * latency seen by a plain keep-alive Node client for the same number of requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildWebFixture } from '../../src/web/testing.ts';
import { loadTest, plainClientLatency, startServer } from '../../src/web/loadtest.ts';

const { values } = parseArgs({ options: { amount: { type: 'string', default: '2000' }, connections: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
const root = mkdtempSync(join(tmpdir(), 'optical-bench-web-'));
let failed = false;
try {
  const fx = await buildWebFixture(root, { student: false });
  const server = await startServer(['--index', fx.index, '--results', fx.results]);
  try {
    const connections = Number(values.connections);
    const r = await loadTest(server, { connections, amount: Number(values.amount) });
    const plain = await plainClientLatency(server.url, connections, Math.max(1, Math.round(Number(values.amount) / connections)));
    if (values.json) process.stdout.write(JSON.stringify({ ...r, plainClient: plain }) + '\n');
    else {
      process.stdout.write(`${r.requests} search requests, ${r.connections} concurrent connections, ${r.seconds.toFixed(1)} s: ${r.requestsPerSecond} req/s\n`);
      process.stdout.write(`latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms\n`);
      process.stdout.write(`errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, bad bodies ${r.mismatches}\n`);
      process.stdout.write(`malformed: ${r.malformed.requests} requests, statuses ${JSON.stringify(r.malformed.statuses)}, not 4xx: ${r.malformed.not4xx}; server alive after: ${r.aliveAfter}\n`);
      process.stdout.write(`server memory (RSS): baseline ${r.memoryMB.baseline} MB, peak ${r.memoryMB.peak} MB, end ${r.memoryMB.end} MB\n`);
      process.stdout.write(`plain keep-alive client: ${plain.requests} requests (${connections} loops), ${plain.requestsPerSecond} req/s, latency p50 ${plain.p50} ms, p90 ${plain.p90} ms, p99 ${plain.p99} ms, max ${plain.max} ms, errors ${plain.errors}\n`);
    }
  } finally {
    await server.stop();
  }
} catch (e) {
  // reported here: a rethrown error would reach tfjs-wasm's uncaughtException hook, which prints its source
  process.stderr.write(`bench:web: ${e instanceof Error ? e.message : String(e)}\n`);
  failed = true;
} finally {
  rmSync(root, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
