import { Readable } from 'node:stream';
import { scaled } from '../core/timeouts.ts';

/** Plain HTTP to the lab's loopback endpoints and pod IPs, with short timeouts so probes fail fast. */
export interface HttpReply {
  status: number;
  body: string;
}

export type UnreachableReason = 'refused' | 'timeout' | 'reset' | 'other';

export class HttpUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: UnreachableReason,
    detail: string,
  ) {
    super(`${url}: ${detail}`);
    this.name = 'HttpUnreachableError';
  }

  /** One line a student can act on. */
  describe(): string {
    const where = new URL(this.url).host;
    if (this.reason === 'refused') return `nothing listens on ${where} (connection refused)`;
    if (this.reason === 'timeout') return `${where} did not answer in time`;
    if (this.reason === 'reset') return `${where} closed the connection`;
    return this.message;
  }
}

function reasonOf(error: unknown): UnreachableReason {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'reset';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') return 'timeout';
  return 'other';
}

export interface HttpRequestOptions {
  method?: string;
  body?: string;
  contentType?: string;
  /** 3 s unless told, scaled by MVK_TIMEOUT_SCALE. */
  timeoutMs?: number;
}

export async function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpReply> {
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      body: options.body,
      headers: options.contentType ? { 'content-type': options.contentType } : undefined,
      signal: AbortSignal.timeout(scaled(options.timeoutMs ?? 3000)),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const reason = reasonOf(error);
    const detail = (error as { cause?: { message?: string } })?.cause?.message ?? (error as Error).message;
    throw new HttpUnreachableError(url, reason, detail);
  }
}

export const httpGet = (url: string, timeoutMs?: number) => httpRequest(url, { timeoutMs });

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A download's answer: its status, where it resumes, the file's whole size when the server says, and the body as it arrives. */
export interface DownloadResponse {
  status: number;
  statusText: string;
  /** The offset asked for when the server resumes there (206), else 0: it sends the whole file. */
  resumedFrom: number;
  total?: number;
  body: Readable;
}

/** Total size from a 206's Content-Range ("bytes 100-199/1000") or a 200's Content-Length. */
function totalSize(response: Response, offset: number): number | undefined {
  const range = response.headers.get('content-range');
  const fromRange = range ? /\/(\d+)$/.exec(range)?.[1] : undefined;
  if (fromRange) return Number(fromRange);
  const length = response.headers.get('content-length');
  return length ? Number(length) + offset : undefined;
}

/** GET of a file from `offset` on (an HTTP Range request when above 0), following redirects. */
export async function openDownload(url: string, offset: number, signal: AbortSignal): Promise<DownloadResponse> {
  const response = await fetch(url, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, signal, redirect: 'follow' });
  const resumedFrom = response.status === 206 ? offset : 0;
  const body = response.body ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>) : Readable.from([]);
  return { status: response.status, statusText: response.statusText, resumedFrom, total: totalSize(response, resumedFrom), body };
}
