import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { matchEvidence } from '../../src/engine/diagnosis/index.ts';
import type { Evidence } from '../../src/engine/diagnosis/evidence.ts';
import { evidenceOf } from '../helpers/evidence.ts';
import { lintManifestText } from '../../src/engine/manifestLint.ts';
import { nodeSchedulable, podScheduled, schedulerActive } from '../../src/engine/probes/custom/scheduling.ts';
import type { ProbeContext } from '../../src/engine/probes/types.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { fakeMachine, type FakeMachineSetup } from '../helpers/fakeMachine.ts';

/** Step 7's code probes against a fake machine, and the diagnoses their evidence leads to. */
const root = mkdtempSync(path.join(tmpdir(), 'mvk-scheduling-'));
mkdirSync(path.join(root, 'pods'));
const env = labEnv({ repoRoot: root });
const api = env.apiserverUrl;
const json = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });
const ctx = (setup: FakeMachineSetup): ProbeContext => ({
  env,
  vars: templateVars(env),
  machine: fakeMachine(setup),
  step: 7,
  memo: new Map(),
});
const LEASE = `${api}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler`;
const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

const pod = (name: string, uid: string, spec: Record<string, unknown>, phase: string) => ({
  metadata: { name, namespace: 'default', uid },
  spec,
  status: { phase },
});
const event = (reason: string, uid: string, message: string) => ({
  reason,
  message,
  reportingComponent: reason === 'Scheduled' ? 'default-scheduler' : '',
  involvedObject: { kind: 'Pod', namespace: 'default', name: 'web', uid },
});
const cluster = (pods: unknown[], events: unknown[]): FakeMachineSetup => ({
  http: { [`${api}/api/v1/pods`]: json({ items: pods }), [`${api}/api/v1/events`]: json({ items: events }) },
});

describe('step 7: the scheduler probes', () => {
  it('a scheduler that renews its Lease is at work; a stale Lease with nothing on :10251 is not', async () => {
    const fresh = await schedulerActive(ctx({ http: { [LEASE]: json({ spec: { holderIdentity: 'vm_1', renewTime: ago(2) } }) } }));
    assert.equal(fresh.ok, true);
    assert.match(fresh.seen, /held by vm_1, renewed 2 s ago/);
    const stale = await schedulerActive(
      ctx({
        http: { [LEASE]: json({ spec: { holderIdentity: 'vm_1', renewTime: ago(300) } }), 'http://127.0.0.1:10251/healthz': 'refused' },
      }),
    );
    assert.equal(stale.ok, false);
    assert.match(stale.seen, /last renewed 300 s ago by vm_1, and nothing answers http:\/\/127\.0\.0\.1:10251\/healthz/);
  });

  it('with leader election off (no Lease) a healthy scheduler passes, with a note', async () => {
    const seen = await schedulerActive(
      ctx({ http: { [LEASE]: { status: 404, body: '{}' }, 'http://127.0.0.1:10251/healthz': { status: 200, body: 'ok' } } }),
    );
    assert.equal(seen.ok, true);
    assert.match(seen.note!, /--leader-elect=false/);
  });

  it('the not-ready taint keeps the node from taking pods; a soft taint does not', async () => {
    const node = (taints: unknown[]) => ctx({ http: { [`${api}/api/v1/nodes/mvk-node`]: json({ spec: { taints } }) } });
    const tainted = await nodeSchedulable(node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]));
    assert.equal(tainted.ok, false);
    assert.equal(tainted.seen, 'tainted node.kubernetes.io/not-ready:NoSchedule');
    assert.equal((await nodeSchedulable(node([{ key: 'x', value: 'y', effect: 'PreferNoSchedule' }]))).ok, true);
    assert.equal((await nodeSchedulable(node([]))).seen, 'no taints');
  });

  it('a pod the scheduler placed and that runs passes; one bound by hand (no Scheduled event) does not count', async () => {
    const web = pod('web', 'u1', { nodeName: 'mvk-node' }, 'Running');
    const nginx = pod('nginx', 'u2', { nodeName: 'mvk-node' }, 'Running');
    const placed = await podScheduled(
      ctx(cluster([web, nginx], [event('Scheduled', 'u1', 'Successfully assigned default/web to mvk-node')])),
    );
    assert.equal(placed.ok, true);
    assert.equal(placed.seen, 'default-scheduler placed default/web on mvk-node; it is Running');
    const byHand = await podScheduled(ctx(cluster([nginx], [])));
    assert.equal(byHand.ok, false);
    assert.match(byHand.seen, /no pod was created without nodeName/);
  });

  it('a pod of an earlier life (same name, other UID) does not count; a placed pod still starting is settling', async () => {
    const web = pod('web', 'new', { nodeName: 'mvk-node' }, 'Pending');
    const seen = await podScheduled(ctx(cluster([web], [event('Scheduled', 'old', 'x'), event('Scheduled', 'new', 'y')])));
    assert.equal(seen.ok, false);
    assert.equal(seen.settling, true);
  });

  it('a waiting pod carries the scheduler’s reason, which names the taint', async () => {
    const web = pod('web', 'u1', {}, 'Pending');
    const message = "0/1 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.";
    const seen = await podScheduled(ctx(cluster([web], [event('FailedScheduling', 'u1', message)])));
    assert.equal(seen.ok, false);
    assert.equal(seen.evidence?.failedScheduling, message);
    assert.match(seen.seen, /default\/web is Pending with no node: 0\/1 nodes are available/);
  });
});

/** Evidence of a failed step 7 probe, as gatherEvidence would record it. */
function evidence(overrides: Partial<Evidence>): Evidence {
  return evidenceOf({
    step: 7,
    probe: { id: 'pod-scheduled', kind: 'code', title: 't', seen: 's', expected: 'e' },
    focus: { component: 'scheduler', pod: { namespace: 'kube-system', name: 'kube-scheduler' } },
    manifests: [lintManifestText(SCHEDULER, 'pods/scheduler.yaml')],
    ...overrides,
  });
}
const SCHEDULER = `apiVersion: v1
kind: Pod
metadata: {name: kube-scheduler, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
  - name: kube-scheduler
    image: registry.k8s.io/kube-scheduler:v1.19.16
    command: [kube-scheduler, --master=http://127.0.0.1:8080, --address=127.0.0.1, --port=10251, --secure-port=0]
`;
const withScheduler = (text: string) => ({ manifests: [lintManifestText(text, 'pods/scheduler.yaml')] });

describe('step 7: diagnoses', () => {
  it('the lesson’s scheduler with a healthy probe matches nothing', () => {
    assert.equal(matchEvidence(evidence({}))?.id, undefined);
  });

  it('a scheduler without hostNetwork cannot reach the apiserver on the host’s loopback', () => {
    const seen = matchEvidence(evidence(withScheduler(SCHEDULER.replace('  hostNetwork: true\n', ''))));
    assert.equal(seen?.id, 'scheduler-not-host-network');
    assert.match(seen!.explanation, /kube-scheduler gets a network namespace of its own/);
  });

  it('a wrong --master, or none and no kubeconfig, is named with the address to use', () => {
    const wrong = matchEvidence(evidence(withScheduler(SCHEDULER.replace('127.0.0.1:8080', '127.0.0.1:6443'))));
    assert.equal(wrong?.id, 'control-plane-wrong-apiserver');
    assert.match(wrong!.explanation, /--master=http:\/\/127\.0\.0\.1:6443/);
    assert.match(wrong!.fix, /--master=http:\/\/127\.0\.0\.1:8080/);
    const none = matchEvidence(evidence(withScheduler(SCHEDULER.replace(' --master=http://127.0.0.1:8080,', ''))));
    assert.equal(none?.id, 'control-plane-wrong-apiserver');
    assert.match(none!.explanation, /in-cluster configuration/);
  });

  it('the not-ready taint, from the node probe or from the scheduler’s event, says whose job it is and how to lift it', () => {
    const fromNode = matchEvidence(
      evidence({
        probe: {
          id: 'node-schedulable',
          kind: 'code',
          title: 't',
          seen: 's',
          expected: 'e',
          data: { taints: ['node.kubernetes.io/not-ready:NoSchedule'] },
        },
        focus: { component: 'kubelet' },
      }),
    );
    assert.equal(fromNode?.id, 'node-tainted');
    assert.match(fromNode!.explanation, /node lifecycle controller/);
    assert.match(fromNode!.fix, /taint node mvk-node node\.kubernetes\.io\/not-ready:NoSchedule-/);
    const message = "0/1 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that the pod didn't tolerate.";
    const fromEvent = matchEvidence(
      evidence({ probe: { id: 'pod-scheduled', kind: 'code', title: 't', seen: 's', expected: 'e', data: { failedScheduling: message } } }),
    );
    assert.equal(fromEvent?.id, 'node-tainted');
    assert.match(fromEvent!.fix, /node\.kubernetes\.io\/not-ready:NoSchedule-/);
  });

  it('a pod that asks for another scheduler, or that no node fits, is explained from its own evidence', () => {
    const data = (d: Record<string, unknown>) =>
      evidence({ probe: { id: 'pod-scheduled', kind: 'code', title: 't', seen: 's', expected: 'e', data: d } });
    const other = matchEvidence(data({ pod: 'default/web', schedulerName: 'my-scheduler' }));
    assert.equal(other?.id, 'pod-other-scheduler');
    assert.match(other!.explanation, /no scheduler called "my-scheduler" runs/);
    const full = matchEvidence(data({ pod: 'default/web', failedScheduling: '0/1 nodes are available: 1 Insufficient cpu.' }));
    assert.equal(full?.id, 'pod-unschedulable');
    assert.match(full!.fix, /describe pod web/);
  });
});
