/**
 * The JSON API (documented in README.md beside this file): request bodies are validated field by field
 * (types, ranges, length limits, unknown fields) before any model work, so a bad request costs nothing
 * and gets a 4xx with a message.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError, choiceField, intField, numberField, onlyFields, readJsonBody, textField } from './http.ts';
import { OT_COSTS } from '../eval/alignment.ts';
import type { WebApp, Role } from './app.ts';
import { listReports, renderReport } from './reports.ts';

/** Limits of the API (also reported by `GET /api/info`). */
export const LIMITS = {
  /** bytes of a request body */
  body: 16 * 1024,
  /** characters of a search query */
  query: 500,
  /** characters of each sentence of the alignment explorer */
  sentence: 300,
  /** results per search */
  k: 100,
  epsilon: { min: 0.001, max: 10 },
} as const;

const ROLES: readonly Role[] = ['student', 'teacher'];

export async function postSearch(app: WebApp, req: IncomingMessage) {
  const body = await readJsonBody(req, LIMITS.body);
  onlyFields(body, ['query', 'k', 'model']);
  const query = textField(body, 'query', LIMITS.query);
  const k = intField(body, 'k', 1, LIMITS.k, 10);
  const role = choiceField(body, 'model', ROLES, app.defaultRole);
  if (!app.index) throw new HttpError(409, 'no index is loaded: start the server with --index DIR');
  if (!app.model(role)) throw new HttpError(409, `no ${role} model is loaded: start the server with --model DIR`);
  return app.search(query, role, k);
}

export async function postAlign(app: WebApp, req: IncomingMessage) {
  const body = await readJsonBody(req, LIMITS.body);
  onlyFields(body, ['source', 'target', 'epsilon', 'cost']);
  const source = textField(body, 'source', LIMITS.sentence);
  const target = textField(body, 'target', LIMITS.sentence);
  const epsilon = numberField(body, 'epsilon', LIMITS.epsilon.min, LIMITS.epsilon.max, 0.05);
  const cost = choiceField(body, 'cost', OT_COSTS, 'sqeuclid');
  return app.align(source, target, epsilon, cost);
}

export function getInfo(app: WebApp) {
  return { ...app.info(), limits: LIMITS, queue: { active: app.queue.active, pending: app.queue.pending, maxPending: app.queue.maxPending } };
}

/** The real path of the results folder; 404 when the server has none. */
export function resultsRoot(app: WebApp): string {
  if (!app.resultsDir) throw new HttpError(404, 'no results folder is configured (start the server with --results DIR)');
  return app.resultsDir;
}

export function getReports(app: WebApp) {
  return { reports: listReports(resultsRoot(app)) };
}

export function getReport(app: WebApp, rel: string) {
  return renderReport(resultsRoot(app), rel);
}

