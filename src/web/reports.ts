/**
 * Reports: the experiment tables and charts under the configured results folder (`--results`, default
 * `results/`), and only there. Markdown is rendered to HTML (markdown.ts), with relative images and links
 * mapped to this folder's URLs; JSON is pretty-printed; text and JSON lines are shown as text; SVG and
 * raster charts are served as images (see server.ts for the raw route and its headers).
 */
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { extname, posix } from 'node:path';
import { HttpError } from './http.ts';
import { checkRelativePath, resolveInside } from './files.ts';
import { renderMarkdown } from './markdown.ts';

export const REPORT_EXTENSIONS = ['.md', '.json', '.jsonl', '.txt', '.csv', '.tsv', '.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp'] as const;
const IMAGE = new Set(['.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp']);
/** Text shown in the page is cut here (the raw file stays available). */
export const MAX_SHOWN_BYTES = 1 << 20;
const MAX_FILES = 1000;
const MAX_DEPTH = 6;

export type ReportKind = 'markdown' | 'json' | 'text' | 'image';

export interface ReportEntry {
  path: string;
  kind: ReportKind;
  bytes: number;
  modified: string;
}

export interface RenderedReport extends ReportEntry {
  /** markdown: rendered HTML */
  html?: string;
  /** json/text: the content (cut at MAX_SHOWN_BYTES) */
  text?: string;
  truncated?: boolean;
  /** the raw file's URL */
  raw: string;
}

export const kindOf = (ext: string): ReportKind => (ext === '.md' ? 'markdown' : ext === '.json' ? 'json' : IMAGE.has(ext) ? 'image' : 'text');

/** URL of a results file (each segment percent-encoded). */
export const rawUrl = (rel: string) => '/results/' + rel.split('/').map(encodeURIComponent).join('/');

/**
 * Every report file under `root` (a real path), sorted by path. Hidden entries, symlinks and `work/` folders
 * (the experiment runner's students and checkpoints, gitignored) are skipped.
 */
export function listReports(root: string): ReportEntry[] {
  const out: ReportEntry[] = [];
  const walk = (rel: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (out.length >= MAX_FILES || e.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && e.name === 'work') continue; // the experiment runner's working folders (students, checkpoints)
      if (e.isDirectory() && depth < MAX_DEPTH) walk(path, depth + 1);
      else if (e.isFile() && (REPORT_EXTENSIONS as readonly string[]).includes(extname(e.name).toLowerCase())) {
        const { stat, ext } = resolveInside(root, path, REPORT_EXTENSIONS);
        out.push({ path, kind: kindOf(ext), bytes: stat.size, modified: stat.mtime.toISOString() });
      }
    }
  };
  walk('', 0);
  return out;
}

/** One report, rendered for the page. */
export function renderReport(root: string, rel: string): RenderedReport {
  const { file, stat, ext } = resolveInside(root, rel, REPORT_EXTENSIONS);
  const base: RenderedReport = { path: rel, kind: kindOf(ext), bytes: stat.size, modified: stat.mtime.toISOString(), raw: rawUrl(rel) };
  if (base.kind === 'image') return base;
  const buf = readFileSync(file);
  const truncated = buf.length > MAX_SHOWN_BYTES;
  const text = buf.subarray(0, MAX_SHOWN_BYTES).toString('utf8');
  if (base.kind === 'markdown') {
    return { ...base, truncated, html: renderMarkdown(text, { resolveUrl: (u, kind) => mapUrl(root, rel, u, kind) }) };
  }
  if (base.kind === 'json' && !truncated) {
    try {
      return { ...base, text: JSON.stringify(JSON.parse(text), null, 2) };
    } catch {
      return { ...base, text }; // not valid JSON: shown as it is
    }
  }
  return { ...base, text, truncated };
}

/**
 * A relative link or image in report `from` → the URL to emit: an image or another report inside the
 * results folder (`/results/…` for images, `#report=…` for the reports page), else undefined.
 */
function mapUrl(root: string, from: string, url: string, kind: 'link' | 'image'): string | undefined {
  const [pathPart, hash] = url.split('#', 2) as [string, string | undefined];
  if (pathPart === '') return kind === 'link' && hash ? `#${encodeURIComponent(hash)}` : undefined;
  let target: string;
  try {
    target = posix.normalize(posix.join(posix.dirname(from), decodeURIComponent(pathPart)));
    checkRelativePath(target);
    resolveInside(root, target, REPORT_EXTENSIONS);
  } catch (e) {
    if (e instanceof HttpError || e instanceof URIError) return undefined;
    throw e;
  }
  if (kind === 'image') return IMAGE.has(extname(target).toLowerCase()) ? rawUrl(target) : undefined;
  return `/reports.html#report=${encodeURIComponent(target)}`;
}
