/**
 * Named Hugging Face models (`org/name`) in the local cache `$OPTICAL_CACHE/hf/org--name/`
 * (default `~/.cache/optical`), fetched from `https://huggingface.co/<name>/resolve/main/<file>` when the
 * network is reachable. Without network (or with `HF_HUB_OFFLINE=1`), the error says which folder to fill
 * by hand. A download goes to a temporary folder renamed into place when complete, so a cache entry is
 * never half-written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../../errors.ts';
import { cacheDir, touchCacheEntry } from '../../util/cache.ts';
import { WEIGHTS_FILE, WEIGHTS_INDEX_FILE } from './weights.ts';

export const HUB_URL = 'https://huggingface.co';
/** Files fetched when the hub has them (besides config.json, tokenizer.json and the weights). */
export const OPTIONAL_FILES = ['tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'modules.json', '1_Pooling/config.json'];

/** `org/name`: one slash, no leading dot or slash (a path that does not exist is not taken for a name). */
export function isHubName(spec: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(spec) && !spec.includes('..');
}

/** The cache folder of a named model. */
export function hubCacheDir(name: string): string {
  return join(cacheDir(), 'hf', name.replace('/', '--'));
}

/** Whether a folder holds what loading needs: config.json, tokenizer.json and the weights. */
export function isCompleteModelFolder(dir: string): boolean {
  return existsSync(join(dir, 'config.json')) && existsSync(join(dir, 'tokenizer.json')) && (existsSync(join(dir, WEIGHTS_FILE)) || existsSync(join(dir, WEIGHTS_INDEX_FILE)));
}

export interface FetchOptions {
  /** the fetch to use (tests pass a failing one) */
  fetch?: typeof globalThis.fetch;
  /** skip the network (default: `HF_HUB_OFFLINE=1`) */
  offline?: boolean;
  log?: (msg: string) => void;
}

class NotFound extends Error {}

function offlineMessage(name: string, dir: string, reason: string): string {
  return (
    `"${name}" is not a local folder, and the Hugging Face model of that name cannot be fetched (${reason}). ` +
    `Provide it as a folder instead: put its ` +
    `config.json, ${WEIGHTS_FILE} (or ${WEIGHTS_INDEX_FILE} with its shards) and tokenizer.json ` +
    `(from ${HUB_URL}/${name}) in ${dir}, or pass that folder's path instead of the name`
  );
}

/** The folder of a named model: from the cache, else downloaded into it; an `InputError` when neither works. */
export async function resolveHubModel(name: string, opts: FetchOptions = {}): Promise<string> {
  const dir = hubCacheDir(name);
  if (isCompleteModelFolder(dir)) {
    touchCacheEntry(dir);
    return dir;
  }
  const offline = opts.offline ?? process.env.HF_HUB_OFFLINE === '1';
  if (offline) throw new InputError(offlineMessage(name, dir, 'offline: HF_HUB_OFFLINE=1'));
  const doFetch = opts.fetch ?? globalThis.fetch;
  const tmp = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const get = async (file: string): Promise<void> => {
    const url = `${HUB_URL}/${name}/resolve/main/${file}`;
    const res = await doFetch(url, { redirect: 'follow', signal: AbortSignal.timeout(60_000) });
    if (res.status === 404) throw new NotFound(file);
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} for ${url}`);
    const out = join(tmp, file);
    mkdirSync(dirname(out), { recursive: true });
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(out));
  };
  try {
    opts.log?.(`fetching ${name} from ${HUB_URL} into ${dir}`);
    await get('config.json');
    await get('tokenizer.json');
    try {
      await get(WEIGHTS_FILE);
    } catch (e) {
      if (!(e instanceof NotFound)) throw e;
      await get(WEIGHTS_INDEX_FILE);
      const index = JSON.parse(readFileSync(join(tmp, WEIGHTS_INDEX_FILE), 'utf8')) as { weight_map?: Record<string, string> };
      for (const shard of new Set(Object.values(index.weight_map ?? {}))) await get(shard);
    }
    for (const f of OPTIONAL_FILES) {
      try {
        await get(f);
      } catch (e) {
        if (!(e instanceof NotFound)) throw e;
      }
    }
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return dir;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof NotFound) throw new InputError(`the Hugging Face model "${name}" has no ${e.message} (or does not exist, or needs a login)`);
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new InputError(offlineMessage(name, dir, `network: ${(e as Error).message}${cause ? ` (${cause})` : ''}`));
  }
}
