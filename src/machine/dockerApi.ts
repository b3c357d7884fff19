import { request, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * A small client for the Docker Engine API over its unix socket (node:http with `socketPath`), for what
 * the lab asks Docker: it replaces dockerode, whose transport pulls in ssh2, protobufjs and gRPC (about
 * 30 MiB of a walkthrough that idles at step 1). Paths are unversioned, as dockerode's are by default:
 * the engine answers in its own API version.
 *
 * Errors keep dockerode's shape, which callers read: an HTTP error is a `DockerApiError` with
 * `statusCode` (404: no such container or image), `reason` and the engine's `json` (`json.message` is
 * Docker's own sentence); a socket that is missing or refuses is the request's own error (ENOENT,
 * ECONNREFUSED), which `DockerDriver.ensureUp` turns into `DockerDownError`.
 */
export class DockerApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    readonly json: unknown,
  ) {
    const cause = json as { message?: string; error?: string } | string | undefined;
    const text = typeof cause === 'string' ? cause : (cause?.message ?? cause?.error ?? '');
    super(`(HTTP code ${statusCode}) ${reason ?? 'unexpected'} - ${text}`.trim());
    this.name = 'DockerApiError';
  }
}

/** Query values: arrays repeat the key, objects (filters) are JSON, as the engine expects them. */
export type QueryValue = string | number | boolean | string[] | Record<string, unknown> | undefined;

export function queryString(query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What each status means, per endpoint (dockerode's tables); a status not marked true is an error. */
type StatusCodes = Record<number, true | string>;
const OK_ONLY: StatusCodes = { 200: true, 500: 'server error' };
const CONTAINER: StatusCodes = { 200: true, 404: 'no such container', 500: 'server error' };
const IMAGE: StatusCodes = { 200: true, 404: 'no such image', 500: 'server error' };

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A JSON body, or a stream sent as it is (an image archive). */
  body?: unknown;
  headers?: Record<string, string>;
  statusCodes?: StatusCodes;
  signal?: AbortSignal;
}

/** Docker's name for an image path segment: kept as written (`registry:5000/pause:3.2`), as dockerode does. */
const imagePath = (name: string) => `/images/${encodeURI(name)}`;
const containerPath = (id: string) => `/containers/${encodeURIComponent(id)}`;

/** Repository and tag of `name[:tag][@digest]`, the host's port not taken for a tag (dockerode's rule). */
export function repositoryTag(input: string): { repository: string; tag?: string } {
  const digest = input.indexOf('@');
  const separator = digest >= 0 ? digest : input.lastIndexOf(':');
  if (separator < 0) return { repository: input };
  const tag = input.slice(separator + 1);
  return tag.includes('/') ? { repository: input } : { repository: input.slice(0, separator), tag };
}

export interface ContainerHandle {
  id: string;
  start(): Promise<void>;
  remove(options?: { force?: boolean; v?: boolean }): Promise<void>;
}

export class DockerEngine {
  /**
   * `timeoutMs` is an idle timeout, as dockerode's `timeout` was: a request (a stream included) fails
   * when the socket carries nothing for that long; 0 for none (an event stream is idle most of the time).
   */
  constructor(
    readonly socketPath: string,
    readonly timeoutMs = 0,
  ) {}

  /** The response of a request whose status is a success; an error status is read and thrown as DockerApiError. */
  open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const statusCodes = options.statusCodes ?? OK_ONLY;
    const body = options.body;
    const streamed = typeof (body as Readable | undefined)?.pipe === 'function';
    const payload = body === undefined || streamed ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { ...options.headers };
    if (payload) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
    if (streamed) headers['Content-Type'] ??= 'application/x-tar';
    return new Promise((resolve, reject) => {
      // A fresh connection per request: no pooled socket that Docker may have closed meanwhile.
      const req = request(
        { socketPath: this.socketPath, path: path + queryString(options.query), method, headers, agent: false, signal: options.signal },
        (res) => {
          if (statusCodes[res.statusCode ?? 0] === true) return resolve(res);
          readAll(res).then(
            (buffer) =>
              reject(new DockerApiError(res.statusCode ?? 0, statusCodes[res.statusCode ?? 0] as string | undefined, parseJsonOr(buffer))),
            reject,
          );
        },
      );
      if (this.timeoutMs > 0)
        req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`Docker did not answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', reject);
      if (streamed) {
        (body as Readable).on('error', (error) => req.destroy(error));
        (body as Readable).pipe(req);
      } else req.end(payload);
    });
  }

  /** A request whose whole answer is read: parsed JSON, or the bytes when it is not JSON (logs). */
  async call<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.open(method, path, options);
    return parseJsonOr(await readAll(res)) as T;
  }

  ping = () => this.call<Buffer | string>('GET', '/_ping');
  info = () => this.call<Record<string, unknown>>('GET', '/info');
  version = () => this.call<Record<string, unknown>>('GET', '/version');

  listContainers = (query: { all?: boolean; filters?: Record<string, string[]> } = {}) =>
    this.call<ContainerSummary[]>('GET', '/containers/json', { query: { ...query, filters: query.filters } });

  inspectContainer = (id: string) => this.call<Record<string, unknown>>('GET', `${containerPath(id)}/json`, { statusCodes: CONTAINER });

  /** The log's raw bytes (multiplexed frames for a container without a TTY: see demuxDockerLogs). */
  async containerLogs(id: string, query: { stdout?: boolean; stderr?: boolean; tail?: number; follow?: false } = {}): Promise<Buffer> {
    const res = await this.open('GET', `${containerPath(id)}/logs`, { query, statusCodes: CONTAINER });
    return readAll(res);
  }

  async removeContainer(id: string, query: { force?: boolean; v?: boolean } = {}): Promise<void> {
    await this.call('DELETE', containerPath(id), {
      query,
      statusCodes: { 204: true, 400: 'bad parameter', 404: 'no such container', 409: 'conflict', 500: 'server error' },
    });
  }

  async startContainer(id: string): Promise<void> {
    await this.call('POST', `${containerPath(id)}/start`, {
      statusCodes: { 204: true, 304: 'container already started', 404: 'no such container', 500: 'server error' },
    });
  }

  /** Creates a container (POST /containers/create) and hands back what can be done with it. */
  async createContainer(config: Record<string, unknown>, query: { name?: string } = {}): Promise<ContainerHandle> {
    const created = await this.call<{ Id: string }>('POST', '/containers/create', {
      query,
      body: config,
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
    });
    return { id: created.Id, start: () => this.startContainer(created.Id), remove: (options) => this.removeContainer(created.Id, options) };
  }

  inspectImage = (name: string) => this.call<Record<string, unknown>>('GET', `${imagePath(name)}/json`, { statusCodes: IMAGE });

  async removeImage(name: string, query: { force?: boolean; noprune?: boolean } = {}): Promise<void> {
    await this.call('DELETE', imagePath(name), {
      query,
      statusCodes: { 200: true, 404: 'no such image', 409: 'conflict', 500: 'server error' },
    });
  }

  async tagImage(name: string, target: { repo: string; tag?: string }): Promise<void> {
    await this.call('POST', `${imagePath(name)}/tag`, {
      query: target,
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
    });
  }

  /** POST /images/create: the pull's progress as a stream of JSON lines (followJsonLines). */
  pull(image: string): Promise<IncomingMessage> {
    const { repository, tag } = repositoryTag(image);
    return this.open('POST', '/images/create', { query: { fromImage: repository, tag: tag ?? 'latest' }, statusCodes: IMAGE });
  }

  /** Pushes to a registry that asks for no credentials (an empty X-Registry-Auth, which the engine requires). */
  push(name: string): Promise<IncomingMessage> {
    return this.open('POST', `${imagePath(name)}/push`, {
      headers: { 'X-Registry-Auth': Buffer.from('{}').toString('base64') },
      statusCodes: IMAGE,
    });
  }

  /** `docker save` of several images into one tar stream. */
  saveImages = (names: string[]) => this.open('GET', '/images/get', { query: { names }, statusCodes: OK_ONLY });

  /** `docker load` of a tar stream; the answer is JSON lines. */
  loadImage = (archive: Readable, query: { quiet?: boolean } = {}) =>
    this.open('POST', '/images/load', { body: archive, query, statusCodes: OK_ONLY });

  inspectNetwork = (name: string) =>
    this.call<Record<string, unknown>>('GET', `/networks/${encodeURIComponent(name)}`, {
      statusCodes: { 200: true, 404: 'no such network', 500: 'server error' },
    });

  /** GET /events: one JSON object per line while the stream lasts. */
  events = (filters: Record<string, string[]>, signal?: AbortSignal) => this.open('GET', '/events', { query: { filters }, signal });
}

/** What GET /containers/json lists per container (the fields the lab reads). */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Created: number;
  Labels?: Record<string, string> | null;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('Docker closed the connection mid-answer')));
  });
}

function parseJsonOr(buffer: Buffer): unknown {
  if (buffer.length === 0) return buffer;
  const first = buffer[0]!;
  // JSON starts with { [ or " (or a bare number/word, which the lab never asks for).
  if (first !== 0x7b && first !== 0x5b && first !== 0x22) return buffer;
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return buffer;
  }
}

/**
 * Reads a stream of JSON lines (pull, push and load progress, events), calling `onEvent` per object;
 * resolves at its end. A line that is not JSON goes to `onText` (Docker reports some failures so).
 */
export function followJsonLines(
  stream: NodeJS.ReadableStream,
  onEvent: (event: Record<string, unknown>) => void,
  onText?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const line = (text: string) => {
      const trimmed = text.trim();
      if (!trimmed) return;
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(trimmed) as Record<string, unknown>;
      } catch {
        onText?.(trimmed);
        return;
      }
      onEvent(event);
    };
    stream.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const text of lines) line(text);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      line(buffer);
      buffer = '';
      resolve();
    });
    // A stream destroyed without an end (the connection dropped) ends the wait too.
    stream.on('close', () => resolve());
  });
}
