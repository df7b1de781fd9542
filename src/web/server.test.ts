/**
 * The HTTP API on a real server (teacher only: no distillation, so this file stays fast): answers,
 * validation (4xx with a message for every malformed request), path traversal, Host check, reports.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { buildWebFixture, SECRET, type WebFixture } from './testing.ts';
import { WebApp } from './app.ts';
import { createWebServer, listen } from './server.ts';

let fx: WebFixture;
let app: WebApp;
let server: Server;
let port: number;
const logged: string[] = [];

/** A raw request: the path is sent exactly as given (fetch would normalise `..`). */
function raw(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
const post = (path: string, body: unknown) => raw('POST', path, { body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeAll(async () => {
  fx = await buildWebFixture(mkdtempSync(join(tmpdir(), 'optical-web-')), { student: false });
  symlinkSync(fx.secret, join(fx.results, 'link.txt')); // a symlink out of the results folder
  app = await WebApp.open({ index: fx.index, results: fx.results });
  server = createWebServer(app, { host: '127.0.0.1', log: (m) => logged.push(m) });
  port = Number(new URL(await listen(server, 0, '127.0.0.1')).port);
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await app?.close();
  if (fx) rmSync(fx.root, { recursive: true, force: true });
});

describe('optical serve API', () => {
  it('GET /api/info describes the index, the models and the limits', async () => {
    const r = await raw('GET', '/api/info');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ index: { count: 44, store: 'flat', languages: { en: 44 } }, models: { teacher: { name: 'use-lite' } }, defaultRole: 'teacher', results: true, limits: { query: 500, k: 100 } });
  });

  it('POST /api/search ranks the paraphrased document first and names the model', async () => {
    const r = await post('/api/search', { query: 'a kitten naps on the couch', k: 3 });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ model: 'use-lite', role: 'teacher', k: 3 });
    expect(body.results).toHaveLength(3);
    expect(body.results[0]).toMatchObject({ rank: 1, text: 'The cat is sleeping on the sofa.', lang: 'en' });
    expect(body.results[0].score).toBeGreaterThan(body.results[1].score);
  });

  it('concurrent searches are batched and each gets its own results', async () => {
    const qs = ['a kitten naps on the couch', 'recipe for homemade bread', 'researchers found an unknown frog'];
    const rs = await Promise.all(qs.map((query) => post('/api/search', { query, k: 1 })));
    expect(rs.map((r) => r.json().results[0].text)).toEqual(['The cat is sleeping on the sofa.', 'How do I bake bread at home without yeast?', 'Scientists discovered a new species of frog in the rainforest.']);
  });

  it('malformed requests get 4xx with a message', async () => {
    const cases: [Promise<Awaited<ReturnType<typeof raw>>>, number, RegExp][] = [
      [post('/api/search', '{"query": '), 400, /not valid JSON/],
      [post('/api/search', '[1,2]'), 400, /JSON object/],
      [post('/api/search', {}), 400, /"query" is required/],
      [post('/api/search', { query: 42 }), 400, /"query" must be a string/],
      [post('/api/search', { query: '   ' }), 400, /"query" is empty/],
      [post('/api/search', { query: 'x'.repeat(501) }), 400, /longer than 500/],
      [post('/api/search', { query: 'x', k: 0 }), 400, /"k" must be an integer from 1 to 100/],
      [post('/api/search', { query: 'x', k: 2.5 }), 400, /"k" must be an integer/],
      [post('/api/search', { query: 'x', quary: 'y' }), 400, /unknown field "quary"/],
      [post('/api/search', { query: 'x', model: 'student' }), 409, /no student model is loaded.*--model/],
      [post('/api/search', { query: 'x', model: 'gpt' }), 400, /"model" must be one of student, teacher/],
      [post('/api/search', { query: 'x'.repeat(20_000) }), 413, /larger than 16384 bytes/],
      [raw('POST', '/api/search', { body: 'query=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, /must be JSON/],
      [raw('GET', '/api/search'), 405, /not allowed \(use POST\)/],
      [raw('DELETE', '/api/info'), 405, /use GET or HEAD/],
      [post('/api/align', { source: 'a', target: 'b', epsilon: 0 }), 400, /"epsilon" must be a number from 0.001 to 10/],
      [post('/api/align', { source: 'a', target: 'b', epsilon: 'big' }), 400, /"epsilon" must be a number/],
      [post('/api/align', { source: 'a', target: 'b', cost: 'l1' }), 400, /"cost" must be one of sqeuclid, cosine/],
      [post('/api/align', { source: 'a' }), 400, /"target" is required/],
      [raw('GET', '/api/nope'), 404, /no such API endpoint/],
      [raw('GET', '/nope.html'), 404, /not found/],
    ];
    for (const [p, status, message] of cases) {
      const r = await p;
      expect(r.status, r.text).toBe(status);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(r.json().error).toMatch(message);
    }
    expect(logged).toEqual([]); // nothing reached the internal-error path
  });

  it('serves only files inside the results folder (no traversal, no symlinks out, no other types)', async () => {
    for (const path of [
      '/results/../secret.txt', '/results/%2e%2e/secret.txt', '/results/..%2fsecret.txt', '/results/dev/..%2F..%2Fsecret.txt',
      '/results/%2fetc%2fpasswd', '/results/..%5csecret.txt', '/results/link.txt', '/results/.hidden.md', '/results/swh.md%00.png',
      '/api/reports/..%2fsecret.txt', '/api/reports/%2e%2e%2fsecret.txt', '/api/reports/link.txt', '/results/%E0%A4%A', '/results/dev',
      '/results/../../../../etc/passwd', '/app.css/../../../secret.txt', '/../secret.txt',
    ]) {
      const r = await raw('GET', path);
      expect([400, 404], path).toContain(r.status);
      expect(r.text, path).not.toContain(SECRET);
      expect(r.json().error).toBeTruthy();
    }
  });

  it('lists and renders the reports; raw charts carry a script-free policy', async () => {
    const list = (await raw('GET', '/api/reports')).json().reports.map((r: { path: string; kind: string }) => `${r.path}:${r.kind}`);
    expect(list).toEqual(['chart.svg:image', 'dev/notes.txt:text', 'run.json:json', 'swh.md:markdown']);
    const md = (await raw('GET', '/api/reports/swh.md')).json();
    expect(md.html).toContain('<td>ot</td><td class="align-right">41.3%</td>');
    expect(md.html).toContain('<img src="/results/chart.svg" alt="accuracy chart" loading="lazy">');
    expect(md.html).toContain('<a href="/reports.html#report=dev%2Fnotes.txt">the notes</a>');
    expect(md.html).not.toContain('<script>');
    expect(md.html).not.toContain('secret'); // the link out of the folder is dropped
    expect((await raw('GET', '/api/reports/run.json')).json().text).toBe('{\n  "n": 390,\n  "acc": 0.413\n}');
    const svg = await raw('GET', '/results/chart.svg');
    expect(svg.status).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['content-security-policy']).toMatch(/sandbox/);
    expect(svg.headers['x-content-type-options']).toBe('nosniff');
  });

  it('pages are served with a same-origin content security policy', async () => {
    for (const path of ['/', '/index.html', '/align.html', '/reports.html', '/app.css', '/search.js', '/align.js', '/reports.js', '/common.js']) {
      const r = await raw('GET', path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
  });

  it('refuses a Host header that is not loopback (DNS rebinding) and answers bad request lines without crashing', async () => {
    const r = await raw('GET', '/api/info', { headers: { host: 'evil.example:8080' } });
    expect(r.status).toBe(403);
    expect(r.json().error).toMatch(/loopback/);
    const bad = await raw('GET', '*');
    expect(bad.status).toBe(400);
    expect((await raw('GET', '/api/info')).status).toBe(200);
  });

  it('the explorer without a student gives the teacher zero-shot plan only', async () => {
    const r = await post('/api/align', { source: 'Baba yangu anasoma kitabu.', target: 'My father reads a book.', epsilon: 0.1 });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.student).toBeUndefined();
    const t = body.teacher;
    expect(t.targetTokens).toEqual(['▁My', '▁father', '▁read', 's', '▁a', '▁book', '.']);
    expect(t.plan).toHaveLength(t.rows * t.cols);
    const mass = t.plan.reduce((a: number, b: number) => a + b, 0);
    expect(mass).toBeCloseTo(1, 4);
    expect(t.status).toBe('converged');
  });
});

describe('optical serve API, broken clients', () => {
  it('a client that aborts in the middle of a body, or sends a truncated chunked body, does not disturb the server', async () => {
    const { connect } = await import('node:net');
    const send = (data: string) =>
      new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(data);
          setTimeout(() => s.destroy(), 50);
        });
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
    await send('POST /api/search HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query": "half');
    await send('POST /api/search HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"que');
    await send('GARBAGE\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    expect((await raw('GET', '/api/info')).status).toBe(200);
    expect(logged).toEqual([]);
  });
});
