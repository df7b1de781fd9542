/**
 * Load test of `optical serve` (used by load.test.ts and `npm run bench:web`): the real CLI server in a
 * child process on loopback, driven by autocannon. Phase 1: `connections` concurrent clients send search
 * requests (`amount` in all), every reply checked; phase 2: a mix of malformed requests, every one of which
 * must get a 4xx; then the server must still answer. The server's resident memory (VmRSS, from
 * /proc/PID/status) is sampled every 50 ms: baseline after a warm-up, peak, and at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { QUERIES } from '../retrieval/testing.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Start `optical serve ARGS --port 0 --json` and wait for its URL line. */
export async function startServer(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`optical serve exited with ${code}: ${err}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    child,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process in MB (Linux). */
export function rssMB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

export interface LoadResult {
  connections: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** replies that were 2xx but not a well-formed result list */
  mismatches: number;
  malformed: { requests: number; statuses: Record<string, number>; not4xx: number };
  memoryMB: { baseline: number; peak: number; end: number };
  aliveAfter: boolean;
}

/** Malformed requests, each expected to get a 4xx. */
const MALFORMED: { method: string; path: string; body?: string; headers?: Record<string, string> }[] = [
  { method: 'POST', path: '/api/search', body: '{"query": ' },
  { method: 'POST', path: '/api/search', body: '{"query": 42}' },
  { method: 'POST', path: '/api/search', body: '{"query": ""}' },
  { method: 'POST', path: '/api/search', body: JSON.stringify({ query: 'x'.repeat(600) }) },
  { method: 'POST', path: '/api/search', body: '{"query": "x", "k": -1}' },
  { method: 'POST', path: '/api/search', body: '{"query": "x", "nope": 1}' },
  { method: 'POST', path: '/api/search', body: JSON.stringify({ query: 'y'.repeat(40_000) }) },
  { method: 'POST', path: '/api/search', body: 'query=x', headers: { 'content-type': 'text/plain' } },
  { method: 'GET', path: '/api/search' },
  { method: 'POST', path: '/api/align', body: '{"source": "a", "target": "b", "epsilon": -1}' },
  { method: 'GET', path: '/results/..%2f..%2fetc%2fpasswd' },
  { method: 'GET', path: '/api/reports/%2e%2e%2fpackage.json' },
  { method: 'GET', path: '/%E0%A4%A' },
  { method: 'PUT', path: '/api/info' },
];

async function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ timeout: 30, ...opts });
}

export async function loadTest(server: ServerProcess, opts: { connections?: number; amount?: number; k?: number } = {}): Promise<LoadResult> {
  const connections = opts.connections ?? 200;
  const amount = opts.amount ?? 1000;
  const k = opts.k ?? 5;
  const headers = { 'content-type': 'application/json' };
  // warm-up: the first searches allocate the engine's buffers
  await run({ url: server.url + 'api/search', method: 'POST', headers, body: JSON.stringify({ query: QUERIES[0], k }), connections: 4, amount: 8 });
  const baseline = rssMB(server.pid);
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, rssMB(server.pid))), 50);
  let r: autocannon.Result;
  try {
    r = await run({
      url: server.url,
      connections,
      amount,
      requests: QUERIES.map((query) => ({ method: 'POST', path: '/api/search', headers, body: JSON.stringify({ query, k }) })),
      verifyBody: (body: string) => {
        try {
          const b = JSON.parse(body);
          return Array.isArray(b.results) && b.results.length === k;
        } catch {
          return false;
        }
      },
    } as autocannon.Options);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, rssMB(server.pid));
  const statuses: Record<string, number> = {};
  const bad = await run({
    url: server.url,
    connections: 20,
    amount: MALFORMED.length * 20,
    requests: MALFORMED.map((m) => ({
      method: m.method,
      path: m.path,
      ...(m.body !== undefined ? { body: m.body, headers: m.headers ?? headers } : {}),
      onResponse: (status: number) => void (statuses[status] = (statuses[status] ?? 0) + 1),
    })),
  } as autocannon.Options);
  const not4xx = Object.entries(statuses).filter(([s]) => !/^4\d\d$/.test(s)).reduce((a, [, n]) => a + n, 0) + bad.errors + bad.timeouts;
  let aliveAfter = false;
  try {
    aliveAfter = (await fetch(server.url + 'api/info')).status === 200;
  } catch {
    aliveAfter = false;
  }
  return {
    connections,
    requests: r.requests.total,
    seconds: r.duration,
    requestsPerSecond: Math.round(r.requests.total / r.duration),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    mismatches: (r as unknown as { mismatches: number }).mismatches ?? 0,
    malformed: { requests: Object.values(statuses).reduce((a, b) => a + b, 0), statuses, not4xx },
    memoryMB: { baseline: Math.round(baseline), peak: Math.round(peak), end: Math.round(rssMB(server.pid)) },
    aliveAfter,
  };
}

/**
 * Latency percentiles (ms) measured by a plain Node keep-alive client: `connections` loops, each sending
 * `perConnection` searches one after another. A cross-check of autocannon's latency histogram, whose tail
 * on a loaded machine includes the client's own scheduling delays.
 */
export async function plainClientLatency(url: string, connections = 200, perConnection = 5): Promise<{ requests: number; errors: number; p50: number; p90: number; p99: number; max: number; requestsPerSecond: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(url);
  const lat: number[] = [];
  let errors = 0;
  const one = (query: string) =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const body = JSON.stringify({ query, k: 5 });
      const req = request({ host: hostname, port, path: '/api/search', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) lat.push(performance.now() - t);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, async (_, c) => {
    for (let r = 0; r < perConnection; r++) await one(QUERIES[(c + r) % QUERIES.length]!);
  }));
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lat[Math.floor(p * (lat.length - 1))] ?? NaN);
  return { requests: lat.length + errors, errors, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1), requestsPerSecond: Math.round((lat.length + errors) / seconds) };
}
