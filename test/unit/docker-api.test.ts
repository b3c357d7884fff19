import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DockerDownError, DockerDriver, LABEL } from '../../src/machine/docker.ts';
import { DockerApiError, DockerEngine, followJsonLines, queryString, repositoryTag } from '../../src/machine/dockerApi.ts';

/** A stand-in Docker engine on a unix socket in a temporary directory: answers what `routes` says, records every request. */
interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

type Route = (seen: Seen, res: ServerResponse) => void;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** dockershim's log framing: 8-byte header (stream, 0, 0, 0, big-endian size), then the payload. */
const frame = (stream: number, text: string) => {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
};

const routes: Record<string, Route> = {
  'GET /_ping': (_s, res) => res.end('OK'),
  'GET /containers/json': (_s, res) =>
    json(res, 200, [
      {
        Id: 'old',
        Names: ['/k8s_hello_hello-mvk-node_default_uid1_0'],
        Image: 'busybox',
        State: 'exited',
        Status: 'Exited (0) 5 seconds ago',
        Created: 100,
        Labels: { [LABEL.podName]: 'hello-mvk-node', [LABEL.containerName]: 'hello', [LABEL.podUid]: 'uid1', [LABEL.sandboxId]: 'sb' },
      },
      {
        Id: 'new',
        Names: ['/k8s_hello_hello-mvk-node_default_uid1_1'],
        Image: 'busybox',
        State: 'running',
        Status: 'Up 1 second',
        Created: 100,
        Labels: { [LABEL.podName]: 'hello-mvk-node', [LABEL.containerName]: 'hello', [LABEL.podUid]: 'uid1', [LABEL.sandboxId]: 'sb' },
      },
    ]),
  'GET /containers/c1/logs': (_s, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    res.end(Buffer.concat([frame(1, 'hello '), frame(2, 'world!\n'), frame(1, 'bye\n')]));
  },
  'GET /containers/missing/json': (_s, res) => json(res, 404, { message: 'No such container: missing' }),
  'DELETE /containers/missing': (_s, res) => json(res, 404, { message: 'No such container: missing' }),
  'DELETE /containers/busy': (_s, res) => json(res, 409, { message: 'removal of container busy is already in progress' }),
  'GET /images/registry.local:5000/pause:3.2/json': (_s, res) => json(res, 200, { Id: 'sha256:abc' }),
  'GET /images/busybox:9/json': (_s, res) => json(res, 404, { message: 'No such image: busybox:9' }),
  'POST /containers/create': (seen, res) => json(res, 201, { Id: `made-${JSON.parse(seen.body).Image}` }),
  'POST /containers/made-pause/start': (_s, res) => json(res, 500, { message: 'failed to write to oom_score_adj' }),
  'POST /images/create': (_s, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(
      '{"status":"Pulling from ' +
        'library/busybox","id":"1.35"}\r\n{"status":"Downloading","id":"0123456789ab","progressDetail":{"current":5,"total":10}}',
    );
    res.end('\r\n{"error":"manifest unknown"}\r\n');
  },
  'POST /images/load': (seen, res) => json(res, 200, { stream: `Loaded image: ${seen.body.length} bytes\n` }),
  'GET /events': (_s, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"Type":"container","Actor":{"Attributes":{"name":"k8s_POD_a"}}}\n');
  },
};

describe('the Docker Engine API client, against a fake engine on a unix socket', () => {
  let dir: string;
  let socket: string;
  let server: Server;
  const seen: Seen[] = [];
  const last = () => seen[seen.length - 1]!;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-docker-api-'));
    socket = path.join(dir, 'docker.sock');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: Seen = {
          method: req.method!,
          url: new URL(req.url!, 'http://docker'),
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        };
        seen.push(request);
        const route = routes[`${request.method} ${decodeURI(request.url.pathname)}`];
        if (route) route(request, res);
        else json(res, 404, { message: `page not found: ${request.method} ${request.url.pathname}` });
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('encodes filters as JSON and arrays as repeated keys, and asks unversioned paths', async () => {
    assert.equal(
      queryString({ all: true, tail: 200, skip: undefined, names: ['a:1', 'b/c:2'] }),
      '?all=true&tail=200&names=a%3A1&names=b%2Fc%3A2',
    );
    const docker = new DockerDriver(socket);
    const containers = await docker.podContainers({ podName: 'hello-mvk-node', container: 'hello' });
    const request = last();
    assert.equal(request.url.pathname, '/containers/json');
    assert.equal(request.url.searchParams.get('all'), 'true');
    assert.deepEqual(JSON.parse(request.url.searchParams.get('filters')!), {
      label: [LABEL.podName, `${LABEL.podName}=hello-mvk-node`, `${LABEL.containerName}=hello`],
    });
    // Newest first: same second, the higher attempt wins.
    assert.deepEqual(
      containers.map((c) => [c.id, c.name, c.attempt, c.sandboxId]),
      [
        ['new', 'k8s_hello_hello-mvk-node_default_uid1_1', 1, 'sb'],
        ['old', 'k8s_hello_hello-mvk-node_default_uid1_0', 0, 'sb'],
      ],
    );
  });

  it('demultiplexes a container log (8-byte frame headers, stdout and stderr in order)', async () => {
    const docker = new DockerDriver(socket);
    assert.equal(await docker.logs('c1', 50), 'hello world!\nbye\n');
    assert.deepEqual(Object.fromEntries(last().url.searchParams), { stdout: 'true', stderr: 'true', tail: '50', follow: 'false' });
  });

  it('turns a 404 into "not there" where the driver expects one, and keeps other errors', async () => {
    const docker = new DockerDriver(socket);
    assert.equal(await docker.imageId('busybox:9'), undefined);
    assert.equal(await docker.imagePresent('busybox:9'), false);
    // An image name with a registry port and a tag goes into the path as written.
    assert.equal(await docker.imageId('registry.local:5000/pause:3.2'), 'sha256:abc');
    await docker.remove('missing');
    await assert.rejects(
      docker.remove('busy'),
      (error: unknown) =>
        error instanceof DockerApiError && error.statusCode === 409 && /conflict - removal of container busy/.test(error.message),
    );
    await assert.rejects(docker.inspectContainer('missing'), (error: unknown) => {
      assert.ok(error instanceof DockerApiError);
      assert.equal(error.statusCode, 404);
      assert.equal(error.reason, 'no such container');
      assert.deepEqual(error.json, { message: 'No such container: missing' });
      assert.equal(error.message, '(HTTP code 404) no such container - No such container: missing');
      return true;
    });
  });

  it("creates and starts a container, a failed start carrying the engine's message in json", async () => {
    const engine = new DockerEngine(socket, 15_000);
    const container = await engine.createContainer({ Image: 'pause', HostConfig: { NetworkMode: 'none' } });
    assert.equal(container.id, 'made-pause');
    assert.deepEqual(JSON.parse(last().body), { Image: 'pause', HostConfig: { NetworkMode: 'none' } });
    assert.equal(last().headers['content-type'], 'application/json');
    await assert.rejects(
      container.start(),
      (error: unknown) =>
        (error as DockerApiError).statusCode === 500 &&
        (error as DockerApiError & { json: { message: string } }).json.message === 'failed to write to oom_score_adj',
    );
  });

  it('streams JSON lines: a pull with its progress and its error event, a load with its body, events', async () => {
    const engine = new DockerEngine(socket, 15_000);
    assert.deepEqual(repositoryTag('registry.local:5000/busybox:1.35'), { repository: 'registry.local:5000/busybox', tag: '1.35' });
    assert.deepEqual(repositoryTag('registry.local:5000/busybox'), { repository: 'registry.local:5000/busybox' });
    assert.deepEqual(repositoryTag('busybox@sha256:12'), { repository: 'busybox', tag: 'sha256:12' });
    const events: Record<string, unknown>[] = [];
    await followJsonLines(await engine.pull('registry.local:5000/busybox'), (event) => events.push(event));
    assert.deepEqual(Object.fromEntries(last().url.searchParams), { fromImage: 'registry.local:5000/busybox', tag: 'latest' });
    assert.deepEqual(
      events.map((e) => e.error ?? e.status),
      ['Pulling from library/busybox', 'Downloading', 'manifest unknown'],
    );

    let loaded = '';
    await followJsonLines(
      await engine.loadImage(Readable.from([Buffer.alloc(1000), Buffer.alloc(24)]), { quiet: true }),
      (event) => (loaded = String(event.stream)),
    );
    assert.equal(loaded, 'Loaded image: 1024 bytes\n');
    assert.equal(last().url.searchParams.get('quiet'), 'true');

    const abort = new AbortController();
    const names: string[] = [];
    const stream = await engine.events({ type: ['container'] }, abort.signal);
    const ended = followJsonLines(stream, (event) => {
      names.push((event as { Actor: { Attributes: { name: string } } }).Actor.Attributes.name);
      abort.abort();
    }).catch(() => 'aborted');
    await ended;
    assert.deepEqual(names, ['k8s_POD_a']);
    assert.deepEqual(JSON.parse(last().url.searchParams.get('filters')!), { type: ['container'] });
  });

  it("a missing socket is DockerDownError, remembered for the driver's next calls", async () => {
    const docker = new DockerDriver(path.join(dir, 'no-such.sock'));
    await assert.rejects(
      docker.ensureUp(),
      (error: unknown) => error instanceof DockerDownError && (error.cause as NodeJS.ErrnoException).code === 'ENOENT',
    );
    await assert.rejects(docker.podContainers(), DockerDownError);
    await assert.rejects(docker.logs('c1'), DockerDownError);
  });

  it('gives up on an engine that accepts and never answers after the idle timeout', async () => {
    const silent = createServer(() => undefined);
    const quiet = path.join(dir, 'quiet.sock');
    await new Promise<void>((resolve) => silent.listen(quiet, resolve));
    try {
      await assert.rejects(new DockerEngine(quiet, 200).info(), /Docker did not answer within 0.2 s/);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
