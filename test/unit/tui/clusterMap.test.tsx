import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { foldParts, partRows } from '../../../src/engine/clusterMap.ts';
import { ClusterMap } from '../../../src/tui/components/ClusterMap.tsx';
import { emptyMachine, finishedFacts, finishedMachine, snapshotOf } from './fixtures.ts';

const partState = (snapshot: typeof emptyMachine, id: string) => snapshot.parts.find((p) => p.id === id)!.state;

describe('ClusterMap', () => {
  afterEach(cleanup);

  it('shows only step 1 parts at step 1, all not there on an empty machine', () => {
    const frame = render(<ClusterMap snapshot={emptyMachine} nodeName="mvk-node" throughStep={1} width={34} />).lastFrame()!;
    assert.match(frame, /node mvk-node/);
    assert.match(frame, /○ kubelet\s+not running/);
    assert.match(frame, /○ pods\/\s+empty/);
    assert.match(frame, /○ hello/);
    assert.doesNotMatch(frame, /etcd|apiserver|nginx/);
  });

  it('grows with the steps and shows the node Ready and nginx with its IP when all is built', () => {
    const frame = render(<ClusterMap snapshot={finishedMachine} nodeName="mvk-node" throughStep={6} width={40} />).lastFrame()!;
    assert.match(frame, /node mvk-node\s+● Ready/);
    assert.match(frame, /● kubelet\s+pid 4242/);
    assert.match(frame, /● kubeconfig/);
    assert.match(frame, /● hello\s+ran, exit 0/);
    assert.match(frame, /● etcd\s+:2379/);
    assert.match(frame, /● apiserver\s+:8080/);
    assert.match(frame, /● sa default/);
    assert.match(frame, /● nginx\s+172\.17\.0\.4/);
    assert.match(frame, /● curl/);
  });

  it('hides later parts while the student is on an early step', () => {
    const frame = render(<ClusterMap snapshot={finishedMachine} nodeName="mvk-node" throughStep={3} width={40} />).lastFrame()!;
    assert.match(frame, /apiserver/);
    assert.doesNotMatch(frame, /Ready|kubeconfig|nginx/);
  });

  it('colours parts by live state: a crashing etcd is broken, a starting apiserver is on its way', () => {
    const broken = snapshotOf({
      ...finishedFacts,
      staticPods: {
        ...finishedFacts.staticPods,
        etcd: { file: true, container: { state: 'exited', exitCode: 1, status: 'Exited (1) 2 seconds ago' } },
      },
      healthy: {},
      apiserver: 'down',
    });
    assert.equal(partState(broken, 'etcd'), 'bad');
    assert.equal(partState(broken, 'apiserver'), 'wait');
    const frame = render(<ClusterMap snapshot={broken} nodeName="mvk-node" throughStep={3} width={40} />).lastFrame()!;
    assert.match(frame, /✘ etcd\s+exited 1/);
    assert.match(frame, /◌ apiserver\s+not healthy yet/);
  });

  it('treats hello exiting 0 as success and a pending nginx as waiting', () => {
    assert.equal(partState(finishedMachine, 'hello'), 'ok');
    const pending = snapshotOf({ ...finishedFacts, pods: { 'default/nginx': { phase: 'Pending' } } });
    assert.equal(partState(pending, 'nginx'), 'wait');
    assert.equal(partState(pending, 'curl'), 'off');
  });

  it('says when Docker does not answer', () => {
    const frame = render(
      <ClusterMap snapshot={{ ...emptyMachine, docker: 'down' as const }} nodeName="mvk-node" throughStep={1} width={34} />,
    ).lastFrame()!;
    assert.match(frame, /Docker does not answer/);
  });
});

describe('foldParts: the map inside a limited number of rows', () => {
  const part = (id: string, step: number, place: 'staticPod' | 'api', state: 'ok' | 'bad' = 'ok') => ({
    id,
    label: id,
    state,
    detail: '',
    step,
    place,
  });
  const parts = [
    part('hello', 1, 'staticPod'),
    part('etcd', 2, 'staticPod', 'bad'),
    part('apiserver', 3, 'staticPod'),
    part('sa', 5, 'api'),
    part('nginx', 6, 'api'),
    part('web', 7, 'api'),
    part('scheduler', 7, 'staticPod'),
  ];

  it('changes nothing when all fit', () => {
    const map = foldParts(parts, 7, 20);
    assert.equal(map.parts.length, 7);
    assert.deepEqual(map.folded, {});
    assert.equal(partRows(map), 8, 'seven parts and the API heading');
  });

  it('folds working parts of earlier steps, oldest first, and keeps broken ones and the current step’s', () => {
    const map = foldParts(parts, 7, 6);
    assert.ok(partRows(map) <= 6, JSON.stringify(map));
    const shown = map.parts.map((p) => p.id);
    assert.ok(shown.includes('etcd'), 'a broken part stays');
    assert.ok(shown.includes('web') && shown.includes('scheduler'), "the current step's parts stay");
    assert.ok(!shown.includes('hello'), 'the oldest working part folds first');
  });
});
