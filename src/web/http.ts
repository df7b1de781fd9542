/**
 * HTTP plumbing of the web app on Node's `http`: a typed error carrying a status code, JSON replies, a
 * size-limited JSON body reader, and field validators that turn bad input into 4xx errors with a message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error that becomes an HTTP response `{error: message}` with `status` (4xx: the client's fault). */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Headers sent with every response. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: e.message, status: e.status }, e.headers);
}

/**
 * Read a JSON object body of at most `limit` bytes. 411/413/415/400 for a missing length on a
 * non-chunked body, a body too large, a non-JSON content type, or JSON that is not an object.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, 'the body must be JSON (content-type: application/json)');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    drain(req);
    throw new HttpError(413, `the body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        drain(req);
        throw new HttpError(413, `the body is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'the request body was cut off'); // the client aborted
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Stop reading a request we have rejected (the response closes the connection). */
function drain(req: IncomingMessage): void {
  req.resume();
}

/** Reject fields the endpoint does not know (catches typos such as `quary`). */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw new HttpError(400, `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')} (allowed: ${allowed.join(', ')})`);
}

/** A required non-empty string of at most `max` characters (code points). */
export function textField(body: Record<string, unknown>, name: string, max: number): string {
  const v = body[name];
  if (v === undefined) throw new HttpError(400, `"${name}" is required`);
  if (typeof v !== 'string') throw new HttpError(400, `"${name}" must be a string`);
  if (v.trim() === '') throw new HttpError(400, `"${name}" is empty`);
  if ([...v].length > max) throw new HttpError(400, `"${name}" is longer than ${max} characters`);
  return v;
}

/** An optional integer in [min, max]. */
export function intField(body: Record<string, unknown>, name: string, min: number, max: number, dflt: number): number {
  const v = body[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new HttpError(400, `"${name}" must be an integer from ${min} to ${max}`);
  return v;
}

/** An optional finite number in [min, max]. */
export function numberField(body: Record<string, unknown>, name: string, min: number, max: number, dflt: number): number {
  const v = body[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new HttpError(400, `"${name}" must be a number from ${min} to ${max}`);
  return v;
}

/** An optional string out of `choices`. */
export function choiceField<T extends string>(body: Record<string, unknown>, name: string, choices: readonly T[], dflt: T): T {
  const v = body[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) throw new HttpError(400, `"${name}" must be one of ${choices.join(', ')}`);
  return v as T;
}
