import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { codeActions } from '../../src/engine/actions/code.ts';
import { labEnv } from '../../src/core/context.ts';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

/** A stand-in for the apiserver's insecure port: GET pods/nginx answers `pod`, POST binding answers `bindStatus`. */
async function fakeApiserver(pod: object | undefined, bindStatus = 201) {
  const seen: Seen[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => resolve(body));
    });
  const server = createServer(async (req, res) => {
    seen.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body: await read(req) });
    if (req.method === 'GET' && req.url === '/api/v1/namespaces/default/pods/nginx') {
      res.writeHead(pod ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(pod ?? { kind: 'Status', code: 404 }));
    } else if (req.method === 'POST' && req.url === '/api/v1/namespaces/default/pods/nginx/binding') {
      res.writeHead(bindStatus, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          status: bindStatus === 201 ? 'Success' : 'Failure',
          message: 'pod nginx is already assigned to node "elsewhere"',
          code: bindStatus,
        }),
      );
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = { ...labEnv(), apiserverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  return { env, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('lab apply 6 binds nginx as a scheduler does', () => {
  it('POSTs the Binding of fixtures/binding.json for the pending nginx', async () => {
    const api = await fakeApiserver({ kind: 'Pod', metadata: { name: 'nginx' }, spec: {} });
    try {
      const lines: string[] = [];
      await codeActions['bind-nginx']!(api.env, (line) => lines.push(line));
      const post = api.seen.find((r) => r.method === 'POST')!;
      assert.equal(post.url, '/api/v1/namespaces/default/pods/nginx/binding');
      assert.equal(post.contentType, 'application/json');
      assert.deepEqual(JSON.parse(post.body), {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: 'nginx' },
        target: { apiVersion: 'v1', kind: 'Node', name: api.env.nodeName },
      });
      assert.match(lines.join('\n'), /bound pod nginx to node mvk-node/);
    } finally {
      await api.close();
    }
  });

  it('leaves an nginx already bound to the node alone', async () => {
    const api = await fakeApiserver({ kind: 'Pod', metadata: { name: 'nginx' }, spec: { nodeName: 'mvk-node' } });
    try {
      await codeActions['bind-nginx']!(api.env, () => {});
      assert.deepEqual(
        api.seen.map((r) => r.method),
        ['GET'],
      );
    } finally {
      await api.close();
    }
  });

  it('says what the apiserver refused', async () => {
    const api = await fakeApiserver({ kind: 'Pod', metadata: { name: 'nginx' }, spec: {} }, 409);
    try {
      await assert.rejects(
        codeActions['bind-nginx']!(api.env, () => {}),
        /binding nginx to node mvk-node failed: HTTP 409: pod nginx is already assigned/,
      );
    } finally {
      await api.close();
    }
  });
});
