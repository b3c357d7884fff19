import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  path: string;
  range?: string;
}

export interface ReleaseServer {
  url: string;
  requests: ServedRequest[];
  /** Serve these bytes at this path. */
  files: Map<string, Buffer>;
  /** Cut the connection after this many body bytes, for the next N requests of a path. */
  breakAfter: Map<string, { bytes: number; times: number }>;
  /** Answer Range requests with the whole file (200), like a server without range support. */
  ignoreRanges: boolean;
  close(): Promise<void>;
}

/** Sends `body` at about `bytesPerSecond`, so a progress display has time to be seen. */
function sendPaced(res: import('node:http').ServerResponse, body: Buffer, bytesPerSecond: number): void {
  const chunk = Math.max(64 * 1024, Math.floor(bytesPerSecond / 20));
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= body.length) {
      res.end();
      return;
    }
    const piece = body.subarray(at, at + chunk);
    at += piece.length;
    res.write(piece, () => setTimeout(next, (piece.length / bytesPerSecond) * 1000));
  };
  next();
}

/**
 * A stand-in for the release host, on 127.0.0.1 only, with HTTP Range support. `bytesPerSecond` slows
 * it to a real network's pace (loopback would finish before a progress bar is drawn).
 */
export async function startReleaseServer(options: { bytesPerSecond?: number } = {}): Promise<ReleaseServer> {
  const state: Omit<ReleaseServer, 'url' | 'close'> = { requests: [], files: new Map(), breakAfter: new Map(), ignoreRanges: false };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    state.requests.push({ path: urlPath, range: req.headers.range });
    const body = state.files.get(urlPath);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !state.ignoreRanges) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    }
    const cut = state.breakAfter.get(urlPath);
    if (cut && cut.times > 0) {
      cut.times--;
      // Send part of the body, then drop the connection mid-transfer.
      res.write(body.subarray(start, start + cut.bytes), () => res.destroy());
      return;
    }
    if (options.bytesPerSecond) sendPaced(res, body.subarray(start), options.bytesPerSecond);
    else res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...state,
    get ignoreRanges() {
      return state.ignoreRanges;
    },
    set ignoreRanges(value: boolean) {
      state.ignoreRanges = value;
    },
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
