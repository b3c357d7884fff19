import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mapPartsOf } from '../../src/content/declared.ts';
import { labEnv } from '../../src/core/context.ts';
import { clusterSnapshot } from '../../src/engine/snapshot.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { fakeMachine, podContainer, processInfo, type FakeMachineSetup } from '../helpers/fakeMachine.ts';

/**
 * The cluster map's snapshot against a fake machine: it reads only what the steps' map parts declare
 * (static pods' containers, health URLs, API objects and pods) and draws each part from it.
 */
describe('cluster snapshot', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-snapshot-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'pods'));
  for (const file of ['hello.yaml', 'etcd.yaml', 'apiserver.yaml']) writeFileSync(path.join(root, 'pods', file), '');
  writeFileSync(path.join(root, 'kubeconfig.yaml'), '');
  const env = labEnv({ repoRoot: root });
  // Steps 1 to 6 make the cluster this test draws; later steps' parts are theirs to test.
  const declared = mapPartsOf(labSteps().filter((s) => s.number <= 6));
  const api = env.apiserverUrl;
  const json = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

  const built: FakeMachineSetup = {
    processes: [
      processInfo(4242, [
        '/opt/bin/kubelet',
        `--pod-manifest-path=${env.podsDir}`,
        `--kubeconfig=${env.kubeconfigFile}`,
        '--hostname-override=mvk-node',
      ]),
    ],
    containers: [
      podContainer({
        podName: 'hello-mvk-node',
        podNamespace: 'default',
        containerName: 'hello',
        state: 'exited',
        status: 'Exited (0) 3 seconds ago',
      }),
      podContainer({ podName: 'etcd-mvk-node', containerName: 'etcd' }),
      podContainer({ podName: 'kube-apiserver-mvk-node', containerName: 'kube-apiserver' }),
    ],
    http: {
      [`${api}/healthz`]: { status: 200, body: 'ok' },
      [`${api}/api/v1/nodes/mvk-node`]: json({ status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
      [`${api}/api/v1/namespaces/default/serviceaccounts/default`]: json({ automountServiceAccountToken: false }),
      [`${api}/api/v1/namespaces/default/pods/nginx`]: json({
        spec: { nodeName: 'mvk-node' },
        status: { phase: 'Running', podIP: '172.17.0.4' },
      }),
      [`${api}/api/v1/namespaces/default/pods/curl`]: json({ spec: { nodeName: 'mvk-node' }, status: { phase: 'Succeeded' } }),
    },
  };
  const drawn = async (setup: FakeMachineSetup) =>
    Object.fromEntries((await clusterSnapshot(env, fakeMachine(setup), declared)).parts.map((p) => [p.id, `${p.state} ${p.detail}`]));

  it('draws every part of a finished cluster from the declared parts alone', async () => {
    assert.deepEqual(await drawn(built), {
      kubelet: 'ok pid 4242',
      pods: 'ok 3 files',
      hello: 'ok ran, exit 0',
      etcd: 'ok :2379',
      apiserver: 'ok :8080',
      kubeconfig: 'ok → apiserver',
      node: 'ok Ready',
      'sa default': 'ok no token',
      nginx: 'ok 172.17.0.4',
      curl: 'ok fetched the page',
    });
  });

  it('asks only for what the parts name, and says what is missing when the API is down', async () => {
    const machine = fakeMachine({ ...built, http: {} });
    const parts = Object.fromEntries((await clusterSnapshot(env, machine, declared)).parts.map((p) => [p.id, `${p.state} ${p.detail}`]));
    assert.equal(parts.apiserver, 'wait not healthy yet');
    assert.equal(parts.node, 'off not registered');
    assert.equal(parts['sa default'], 'off missing');
    assert.equal(parts.nginx, 'off no pod');
    // The apiserver down, nothing is asked of its API beyond /healthz, and that once.
    assert.deepEqual(
      machine.calls.filter((call) => call.startsWith('GET')),
      [`GET ${api}/healthz`],
    );
  });

  it('a pod the apiserver knows without a node waits, and says why', async () => {
    const parts = await drawn({
      ...built,
      http: { ...built.http, [`${api}/api/v1/namespaces/default/pods/nginx`]: json({ spec: {}, status: { phase: 'Pending' } }) },
    });
    assert.equal(parts.nginx, 'wait Pending, no node');
  });

  it('with Docker down, a pod file is on its way and the map says Docker is down', async () => {
    const snapshot = await clusterSnapshot(env, fakeMachine({ ...built, dockerDown: true }), declared);
    assert.equal(snapshot.docker, 'down');
    assert.equal(snapshot.parts.find((p) => p.id === 'etcd')?.detail, 'starting');
  });
});
