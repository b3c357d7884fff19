import { scaled } from '../timeouts.ts';

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

export async function httpRequest(url: string, options: { method?: string; body?: string; contentType?: string; timeoutMs?: number } = {}): Promise<HttpReply> {
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
