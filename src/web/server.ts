/**
 * The HTTP server of `optical serve` on Node's `http`: the static pages (src/web/static, loaded once at
 * start), the JSON API (api.ts), rendered reports and raw results files. Every error becomes a JSON reply
 * (`{error, status}`): 4xx for the client's mistakes (with a message), 503 when the encoder queue is full,
 * 500 (message "internal error", details on the log) for bugs — a request never takes the server down.
 *
 * Bound to loopback by default; then only requests whose Host header names a loopback address are served
 * (a guard against DNS rebinding from web pages).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { extname, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpticalError } from '../errors.ts';
import { HttpError, SECURITY_HEADERS, sendError, sendJson } from './http.ts';
import { CONTENT_TYPES, decodePath, resolveInside } from './files.ts';
import { getInfo, getReport, getReports, postAlign, postSearch, resultsRoot } from './api.ts';
import { REPORT_EXTENSIONS } from './reports.ts';
import type { WebApp } from './app.ts';

export const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'static');

/** The pages' policy: only this origin's scripts, styles, images and API. */
const PAGE_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** Results files (an SVG may carry scripts): nothing runs, even when opened directly. */
const RAW_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

export interface ServerOptions {
  /** the address the server is bound to (decides the Host check) */
  host?: string;
  /** where unexpected errors are logged (default stderr) */
  log?: (msg: string) => void;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Static files by URL path, read once. */
function loadStatic(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(STATIC_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type && !name.startsWith('.')) files.set('/' + name, { body: readFileSync(join(STATIC_DIR, name)), type });
  }
  files.set('/', files.get('/index.html')!);
  return files;
}

/** The path of a request target; only origin-form (`/path?query`) is accepted. */
function requestPath(target: string | undefined): string {
  if (!target || !target.startsWith('/')) throw new HttpError(400, 'bad request target');
  try {
    return new URL('http://localhost' + target).pathname; // never relative: `//x` stays a path
  } catch {
    throw new HttpError(400, 'bad request target');
  }
}

function allow(method: string | undefined, ...allowed: string[]): void {
  if (!allowed.includes(method ?? '')) throw new HttpError(405, `method ${method} not allowed (use ${allowed.join(' or ')})`, { allow: allowed.join(', ') });
}

/** The request handler of `app` (exported for tests that drive it without a socket). */
export function handler(app: WebApp, opts: ServerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const statics = loadStatic();
  const checkHost = opts.host === undefined || LOOPBACK.has(opts.host);
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (checkHost) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK.has(host)) throw new HttpError(403, 'this server answers only requests to a loopback address (Host header)');
    }
    const path = requestPath(req.url);
    if (path === '/api/search') {
      allow(req.method, 'POST');
      return sendJson(res, 200, await postSearch(app, req));
    }
    if (path === '/api/align') {
      allow(req.method, 'POST');
      return sendJson(res, 200, await postAlign(app, req));
    }
    allow(req.method, 'GET', 'HEAD');
    if (path === '/api/info') return sendJson(res, 200, getInfo(app));
    if (path === '/api/reports') return sendJson(res, 200, getReports(app));
    if (path.startsWith('/api/reports/')) return sendJson(res, 200, getReport(app, decodePath(path.slice('/api/reports/'.length))));
    if (path.startsWith('/api/')) throw new HttpError(404, `no such API endpoint: ${path}`);
    if (path.startsWith('/results/')) {
      const { file, stat, ext } = resolveInside(resultsRoot(app), decodePath(path.slice('/results/'.length)), REPORT_EXTENSIONS);
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[ext]!, 'content-length': stat.size, 'content-security-policy': RAW_CSP, 'cache-control': 'no-cache' });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
      return;
    }
    const page = statics.get(path);
    if (!page) throw new HttpError(404, `not found: ${path}`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': page.type, 'content-length': page.body.length, 'content-security-policy': PAGE_CSP, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : page.body);
  };
  return (req, res) => {
    route(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return sendError(res, e);
      if (e instanceof OpticalError) return sendError(res, new HttpError(400, e.message));
      log(`optical serve: internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendError(res, new HttpError(500, 'internal error (see the server log)'));
    });
  };
}

/**
 * An HTTP server for `app` with timeouts that keep slow or broken clients from holding it. The keep-alive
 * timeout is long on purpose: a batch of encoding blocks the event loop for seconds, and when the loop
 * resumes, timers run before sockets are read, so a short timeout would close connections whose next
 * request is already waiting in the socket (seen as resets and timeouts under load).
 */
export function createWebServer(app: WebApp, opts: ServerOptions = {}): Server {
  const server = createServer({ requestTimeout: 120_000, headersTimeout: 65_000, maxHeaderSize: 16 * 1024 }, handler(app, opts));
  server.keepAliveTimeout = 60_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

/** Listen on `host:port` (port 0: any free port); resolves with the server's URL. */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : port;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${p}/`);
    });
  });
}
