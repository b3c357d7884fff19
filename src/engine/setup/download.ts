import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDownload } from '../../machine/http.ts';
import { LabError } from '../../core/errors.ts';

export interface DownloadProgress {
  received: number;
  /** Undefined when the server does not say. */
  total?: number;
  /** Bytes that were already on disk from an earlier attempt. */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** Attempts after a broken connection, each resuming where the last stopped. */
  retries?: number;
  /** Abort an attempt when no byte arrives for this long. */
  stallMs?: number;
  log?: (line: string) => void;
}

export class ChecksumMismatchError extends LabError {
  constructor(file: string, expected: string, actual: string) {
    super(
      `${path.basename(file)} does not match the sha512 kept in labs/checksums.yaml (expected ${expected.slice(0, 16)}…, got ${actual.slice(0, 16)}` +
        `…); the file was deleted`,
      'run `lab setup` again to download it afresh; if it fails again, the download host or a proxy is serving a different ' +
        'file: do not use it',
    );
  }
}

export class DownloadError extends LabError {
  constructor(url: string, reason: string, partial: string) {
    super(
      `could not download ${url}: ${reason}`,
      existsSync(partial)
        ? `what arrived is kept in ${partial}; run \`lab setup\` again to resume`
        : 'check the network or the base URL (--base-url, MVK_RELEASE_URL or releaseBaseUrl in lab.config.yaml)',
    );
  }
}

export async function sha512File(file: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** One attempt: appends to `partial` from its current size. Returns true when the file is whole. */
async function attempt(url: string, partial: string, options: DownloadOptions): Promise<boolean> {
  const offset = sizeOf(partial);
  const controller = new AbortController();
  let stallTimer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => controller.abort(new Error(`no data for ${Math.round((options.stallMs ?? 30_000) / 1000)}s`)),
      options.stallMs ?? 30_000,
    );
  };
  armStall();
  try {
    const response = await openDownload(url, offset, controller.signal);
    // 416: we already hold every byte (an earlier run stopped after the last chunk, before verifying).
    if (response.status === 416 && offset > 0) return true;
    if (response.status !== 200 && response.status !== 206)
      throw new Error(`the server answered ${response.status} ${response.statusText}`);
    // A 200 to a Range request means the server ignores ranges: start over rather than append twice.
    const { resumedFrom, total, body } = response;
    if (response.status === 200 && offset > 0) rmSync(partial, { force: true });
    let received = resumedFrom;
    options.onProgress?.({ received, total, resumedFrom });
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      armStall();
      options.onProgress?.({ received, total, resumedFrom });
    });
    await pipeline(body, createWriteStream(partial, { flags: resumedFrom > 0 ? 'a' : 'w' }));
    return total === undefined || sizeOf(partial) >= total;
  } finally {
    clearTimeout(stallTimer);
  }
}

/**
 * Downloads `url` to `dest` and checks it against `sha512` (a value kept in the project, never one
 * fetched alongside). Bytes go to `dest.part` first; a broken connection is resumed with an HTTP Range
 * request, within this call (retries) and across runs (the .part file stays). A mismatch deletes the
 * file and throws ChecksumMismatchError. A `dest` already present and matching is not downloaded again.
 */
export async function downloadVerified(url: string, dest: string, sha512: string, options: DownloadOptions = {}): Promise<void> {
  mkdirSync(path.dirname(dest), { recursive: true });
  if (existsSync(dest)) {
    if ((await sha512File(dest)) === sha512) return;
    rmSync(dest, { force: true });
  }
  const partial = `${dest}.part`;
  const retries = options.retries ?? 5;
  let lastError: unknown;
  for (let round = 0; round <= retries; round++) {
    try {
      if (await attempt(url, partial, options)) {
        lastError = undefined;
        break;
      }
      lastError = new Error('the connection closed before the whole file arrived');
    } catch (error) {
      lastError = error;
      // A refused connection or a 404 will not fix itself by retrying; a broken transfer may.
      if (/answered 4\d\d|ECONNREFUSED|ENOTFOUND/.test(describe(error))) break;
    }
    if (round < retries) {
      options.log?.(`  download interrupted (${describe(lastError)}); resuming from ${(sizeOf(partial) / 1e6).toFixed(1)} MB`);
      await sleep(Math.min(500 * 2 ** round, 5000));
    }
  }
  if (lastError) throw new DownloadError(url, describe(lastError), partial);
  const actual = await sha512File(partial);
  if (actual !== sha512) {
    rmSync(partial, { force: true });
    throw new ChecksumMismatchError(dest, sha512, actual);
  }
  renameSync(partial, dest);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return (error as Error)?.message ?? String(error);
}
