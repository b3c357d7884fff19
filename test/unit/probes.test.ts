import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { contentSchemas, type ProbeSpec } from '../../src/content/schema.ts';
import { labEnv } from '../../src/core/context.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { evaluate } from '../../src/engine/probes/evaluate.ts';
import type { ProbeContext } from '../../src/engine/probes/types.ts';
import { runProbe } from '../../src/engine/runner.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { fakeMachine, podContainer, processInfo, type FakeMachineSetup } from '../helpers/fakeMachine.ts';

/**
 * Every probe kind against a fake machine (issue 13): what each sees, passes and fails on, with the
 * cause and hint a student reads. The real suites (test/engine) prove the real machine answers so.
 */
function repo(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-probes-'));
  mkdirSync(path.join(root, 'pods'));
  return root;
}

const env = labEnv({ repoRoot: repo() });

function context(machine: Machine): ProbeContext {
  return { env, vars: templateVars(env), machine, step: 1, memo: new Map() };
}

function probe(fields: Record<string, unknown>): ProbeSpec {
  return contentSchemas().probeSpecSchema.parse({
    id: 'p',
    title: 'the check',
    cause: 'the metadata cause',
    hint: 'the metadata hint',
    ...fields,
  });
}

/** The evaluator's outcome, as the runner gets it. */
const outcome = (fields: Record<string, unknown>, setup: FakeMachineSetup = {}) => evaluate(probe(fields), context(fakeMachine(setup)));
/** The runner's result: cause and hint filled in, throws and timeouts turned into failures. */
const result = (fields: Record<string, unknown>, setup: FakeMachineSetup = {}) => runProbe(probe(fields), context(fakeMachine(setup)));

describe('container probe', () => {
  const etcd = { kind: 'container', pod: 'etcd-mvk-node', namespace: 'kube-system', container: 'etcd', state: 'running' };
  const sandbox = (fields = {}) => podContainer({ podName: 'etcd-mvk-node', containerName: 'POD', ...fields });
  const container = (fields = {}) => podContainer({ podName: 'etcd-mvk-node', containerName: 'etcd', ...fields });

  it('passes on a running container and names it', async () => {
    const seen = await outcome(etcd, { containers: [sandbox(), container({ status: 'Up 3 minutes' })] });
    assert.equal(seen.ok, true);
    assert.match(seen.seen, /^k8s_etcd_etcd-mvk-node.* is Up 3 minutes$/);
  });

  it('fails when the pod has no container at all, or not this one', async () => {
    assert.deepEqual(
      [(await outcome(etcd)).ok, (await outcome(etcd)).seen],
      [false, 'no container at all for pod kube-system/etcd-mvk-node'],
    );
    const onlySandbox = await outcome(etcd, { containers: [sandbox()] });
    assert.equal(onlySandbox.seen, 'pod has POD (running) but no etcd');
  });

  it("a stopped container shows its status and its last log line; one stuck in Created shows Docker's start error", async () => {
    const exited = container({ state: 'exited', status: 'Exited (1) 2 seconds ago' });
    const seen = await outcome(etcd, {
      containers: [sandbox(), exited],
      logs: { [exited.id]: 'starting\nflag provided but not defined: -data-dri' },
    });
    assert.equal(seen.ok, false);
    assert.equal(seen.seen, 'newest etcd container is Exited (1) 2 seconds ago; last log: flag provided but not defined: -data-dri');
    const created = container({ state: 'created', status: 'Created' });
    const stuck = await outcome(etcd, {
      containers: [sandbox(), created],
      startErrors: { [created.id]: 'OCI runtime create failed: mount /nope' },
    });
    assert.match(stuck.seen, /Created; Docker says: OCI runtime create failed: mount \/nope$/);
  });

  it('while kubelet replaces the pod (the old version still runs), fails as settling, with its own cause', async () => {
    const [oldSandbox, old] = [sandbox({ podUid: 'old' }), container({ podUid: 'old', state: 'running' })];
    const [newSandbox, starting] = [sandbox({ podUid: 'new' }), container({ podUid: 'new', state: 'created', status: 'Created' })];
    const seen = await outcome(etcd, { containers: [oldSandbox, old, newSandbox, starting] });
    assert.equal(seen.settling, true);
    assert.equal(seen.cause, 'the old pod holds its ports until it has stopped');
  });

  it('logsContain looks at the recent attempts; an exited state needs one that exited', async () => {
    const hello = { ...etcd, container: 'hello', state: 'any', logsContain: 'Hello from' };
    const first = podContainer({ podName: 'etcd-mvk-node', containerName: 'hello', state: 'exited', status: 'Exited (0)' });
    const second = podContainer({ podName: 'etcd-mvk-node', containerName: 'hello', state: 'running', attempt: 1 });
    assert.equal((await outcome(hello, { containers: [first, second], logs: { [first.id]: 'Hello from the pod' } })).ok, true);
    const silent = await outcome(hello, { containers: [second] });
    assert.deepEqual([silent.ok, silent.seen], [false, 'hello (Up 5 seconds) has written nothing yet']);
    const neverExited = await outcome({ ...etcd, state: 'exited' }, { containers: [container()] });
    assert.equal(neverExited.seen, 'etcd is Up 5 seconds, never exited');
  });

  it("two container probes of one run share one Docker listing (the run's memo)", async () => {
    const machine = fakeMachine({ containers: [sandbox(), container()] });
    const ctx = context(machine);
    await evaluate(probe(etcd), ctx);
    await evaluate(probe({ ...etcd, container: 'POD' }), ctx);
    assert.equal(machine.calls.filter((call) => call.startsWith('docker.podContainers')).length, 1);
  });

  it('Docker down fails the probe with what to do about Docker (exit 3 material), not a crash', async () => {
    const failed = await result(etcd, { dockerDown: true });
    assert.equal(failed.status, 'fail');
    assert.match(failed.cause!, /the Docker engine does not answer/);
    assert.match(failed.hint!, /start Docker/);
  });
});

describe('http probe', () => {
  const url = 'http://127.0.0.1:2379/health';
  const health = { kind: 'http', url, bodyContains: '"health":"true"' };

  it('passes on the status and body asked for', async () => {
    const seen = await outcome(health, { http: { [url]: { status: 200, body: '{"health":"true"}' } } });
    assert.deepEqual([seen.ok, seen.seen], [true, 'HTTP 200: {"health":"true"}']);
  });

  it('a refused connection says nothing listens there, and keeps the metadata cause and hint', async () => {
    const failed = await result(health);
    assert.equal(failed.status, 'fail');
    assert.equal(failed.seen, 'nothing listens on 127.0.0.1:2379 (connection refused)');
    assert.deepEqual([failed.cause, failed.hint], ['the metadata cause', 'the metadata hint']);
    assert.equal(failed.evidence?.reason, 'refused');
  });

  it('fails on another status, another body, or JSON that does not meet its conditions', async () => {
    assert.equal((await outcome(health, { http: { [url]: { status: 503, body: 'unhealthy' } } })).seen, 'HTTP 503: unhealthy');
    assert.equal(
      (await outcome(health, { http: { [url]: { status: 200, body: '{"health":"false"}' } } })).seen,
      'body "{"health":"false"}"',
    );
    const json = { kind: 'http', url, json: [{ field: 'health', equals: 'true' }] };
    assert.equal((await outcome(json, { http: { [url]: { status: 200, body: 'ok' } } })).seen, 'not JSON: ok');
    assert.equal((await outcome(json, { http: { [url]: { status: 200, body: '{"health":"false"}' } } })).ok, false);
  });

  it('an endpoint that never answers fails after the probe timeout, saying the machine may be slow', async () => {
    const failed = await result({ ...health, timeoutMs: 50 }, { http: { [url]: () => new Promise(() => undefined) } });
    assert.equal(failed.status, 'fail');
    assert.match(failed.cause!, /got no answer in time/);
    assert.match(failed.hint!, /MVK_TIMEOUT_SCALE/);
  });
});

describe('apiObject probe', () => {
  const node = {
    kind: 'apiObject',
    path: '/api/v1/nodes/{{nodeName}}',
    expect: [{ field: 'status.conditions[type=Ready].status', equals: 'True' }],
  };
  const url = 'http://127.0.0.1:8080/api/v1/nodes/mvk-node';
  const ready = (status: string) => ({ status: 200, body: JSON.stringify({ status: { conditions: [{ type: 'Ready', status }] } }) });

  it('passes when the object meets its conditions, and fails showing what it has', async () => {
    assert.equal((await outcome(node, { http: { [url]: ready('True') } })).ok, true);
    const notReady = await outcome(node, { http: { [url]: ready('False') } });
    assert.equal(notReady.ok, false);
    assert.match(notReady.expected, /^\/api\/v1\/nodes\/mvk-node: /);
  });

  it('a missing object is a 404; a silent apiserver points at step 3', async () => {
    assert.equal(
      (await outcome(node, { http: { [url]: { status: 404, body: '{}' } } })).seen,
      '/api/v1/nodes/mvk-node does not exist (404)',
    );
    const down = await result(node);
    assert.equal(down.seen, 'the apiserver: nothing listens on 127.0.0.1:8080 (connection refused)');
    assert.equal(down.cause, 'the apiserver is not answering on 127.0.0.1:8080 (step 3)');
    assert.equal(down.hint, 'check that step 3 still passes: `lab verify 3`');
  });
});

describe('kubectl probe', () => {
  const nodes = { kind: 'kubectl', args: ['get', 'nodes'], outputContains: 'mvk-node' };

  it('passes when kubectl succeeds and prints what is asked', async () => {
    const seen = await outcome(nodes, { kubectl: () => ({ exitCode: 0, stdout: 'NAME       STATUS\nmvk-node   Ready', stderr: '' }) });
    assert.deepEqual([seen.ok, seen.seen], [true, 'NAME STATUS mvk-node Ready']);
  });

  it("fails with kubectl's exit code and words, or what it printed instead", async () => {
    assert.equal((await outcome(nodes)).seen, 'exit 1: The connection to the server localhost:8080 was refused');
    const other = await outcome(nodes, { kubectl: () => ({ exitCode: 0, stdout: 'No resources found', stderr: '' }) });
    assert.equal(other.seen, 'printed "No resources found"');
  });
});

describe('process probe', () => {
  const podsFlag = { kind: 'process', process: 'kubelet', flag: '--pod-manifest-path', equalsPath: '{{repo}}/pods' };
  const ours = (pid: number, ...flags: string[]) => processInfo(pid, ['/opt/bin/kubelet', `--pod-manifest-path=${env.podsDir}`, ...flags]);

  it("passes on the lab's kubelet with the flag's value, resolved against its working directory", async () => {
    const seen = await outcome(podsFlag, {
      processes: [processInfo(1, ['/sbin/init']), processInfo(42, ['kubelet', '--pod-manifest-path=pods'], env.repoRoot)],
    });
    assert.deepEqual([seen.ok, seen.seen], [true, `pid 42 has --pod-manifest-path=${env.podsDir}`]);
  });

  it('tells no kubelet from a kubelet that serves another directory', async () => {
    assert.equal((await outcome(podsFlag)).seen, 'no kubelet process is running');
    const other = await outcome(podsFlag, { processes: [processInfo(7, ['kubelet', '--pod-manifest-path=/etc/kubernetes/manifests'])] });
    assert.equal(other.seen, 'kubelet runs, but not for this repo (pid 7, --pod-manifest-path=/etc/kubernetes/manifests)');
  });

  it('two kubelets on one pods/ fail with their own cause and hint', async () => {
    const two = await result(podsFlag, { processes: [ours(41), ours(42)] });
    assert.equal(two.seen, "2 kubelets serve this repo's pods/ (pids 41, 42)");
    assert.equal(two.cause, 'two kubelets fight over the same pods and ports');
    assert.match(two.hint!, /stop all but one/);
  });

  it('a flag missing or with another value', async () => {
    const driver = { kind: 'process', process: 'kubelet', flag: '--cgroup-driver' };
    assert.equal((await outcome(driver, { processes: [ours(42)] })).seen, 'kubelet (pid 42) runs without --cgroup-driver');
    const kubeconfig = { kind: 'process', process: 'kubelet', flag: '--kubeconfig', equalsPath: '{{repo}}/kubeconfig.yaml' };
    assert.equal(
      (await outcome(kubeconfig, { processes: [ours(42, '--kubeconfig=/root/k.yaml')] })).seen,
      'kubelet (pid 42) has --kubeconfig=/root/k.yaml',
    );
  });
});

describe('file probe', () => {
  const pod = { kind: 'file', path: 'pods/etcd.yaml', parseAs: 'pod', expect: [{ field: 'metadata.name', equals: 'etcd' }] };
  const file = path.join(env.repoRoot, 'pods/etcd.yaml');
  const etcdPod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\nspec:\n  containers:\n  - name: etcd\n    image: etcd\n';

  it("reads the student's file through the machine and checks it", async () => {
    assert.equal((await outcome(pod, { files: { [file]: etcdPod } })).ok, true);
    assert.equal((await outcome(pod)).seen, 'pods/etcd.yaml does not exist');
    const other = await outcome(pod, { files: { [file]: etcdPod.replace('name: etcd\nspec', 'name: db\nspec') } });
    assert.equal(other.ok, false);
  });

  it('YAML that does not parse says why kubelet ignores it', async () => {
    const broken = await outcome(pod, { files: { [file]: 'kind: Pod\n\tmetadata: {}\n' } });
    assert.equal(broken.cause, 'the file is not valid YAML, so kubelet ignores it (it only logs the error)');
  });
});

describe('path probe', () => {
  const dir = { kind: 'path', path: '/var/lib/mvk-lab/etcd', type: 'directory' };

  it('passes on the kind asked for, and tells a missing path from one of another kind', async () => {
    assert.equal((await outcome(dir, { dirs: ['/var/lib/mvk-lab/etcd'] })).ok, true);
    assert.equal((await outcome(dir)).seen, '/var/lib/mvk-lab/etcd does not exist');
    assert.equal(
      (await outcome(dir, { files: { '/var/lib/mvk-lab/etcd': '' } })).seen,
      '/var/lib/mvk-lab/etcd exists but is not a directory',
    );
  });
});

describe('code probes', () => {
  const code = (module: string) => ({ kind: 'code', module });

  it("etcd-data-on-host: the data dir's host mount must hold member/", async () => {
    const etcd = podContainer({ podName: 'etcd-mvk-node', containerName: 'etcd' });
    const details = {
      [etcd.id]: {
        imageId: 'sha',
        argv: ['etcd', '--data-dir=/var/lib/etcd'],
        mounts: [{ source: '/var/lib/mvk-lab/etcd', destination: '/var/lib/etcd' }],
      },
    };
    const setup = { containers: [etcd], details };
    const empty = await outcome(code('etcd-data-on-host'), setup);
    assert.deepEqual([empty.ok, empty.cause], [false, 'etcd has not written its data yet, or writes it elsewhere']);
    const written = await outcome(code('etcd-data-on-host'), { ...setup, dirs: ['/var/lib/mvk-lab/etcd/member'] });
    assert.deepEqual([written.ok, written.note], [true, undefined]);
    const unmounted = await outcome(code('etcd-data-on-host'), {
      containers: [etcd],
      details: { [etcd.id]: { ...details[etcd.id]!, mounts: [] } },
    });
    assert.equal(unmounted.seen, 'etcd writes to /var/lib/etcd inside its container, and no host directory is mounted there');
  });

  it("nginx-serves: asks the apiserver for the pod's IP, then nginx there", async () => {
    const pod = 'http://127.0.0.1:8080/api/v1/namespaces/default/pods/nginx';
    const page = { status: 200, body: '<h1>Welcome to nginx!</h1>' };
    assert.equal(
      (
        await outcome(code('nginx-serves'), {
          http: { [pod]: { status: 200, body: '{"status":{"podIP":"172.17.0.5"}}' }, 'http://172.17.0.5/': page },
        })
      ).ok,
      true,
    );
    assert.equal((await outcome(code('nginx-serves'), { http: { [pod]: { status: 404, body: '{}' } } })).seen, 'there is no pod nginx');
    const unreachable = await outcome(code('nginx-serves'), {
      http: { [pod]: { status: 200, body: '{"status":{"podIP":"172.17.0.5"}}' } },
    });
    assert.equal(unreachable.seen, 'nothing listens on 172.17.0.5 (connection refused)');
  });

  it('dry-run-pod: one server-side dry run per run, admitted on 201', async () => {
    const url = 'http://127.0.0.1:8080/api/v1/namespaces/default/pods?dryRun=All';
    const machine = fakeMachine({ http: { [url]: { status: 201, body: '{}' } } });
    const ctx = context(machine);
    assert.equal((await evaluate(probe(code('dry-run-pod')), ctx)).ok, true);
    await evaluate(probe(code('dry-run-pod')), ctx);
    assert.deepEqual(machine.calls, [`POST ${url}`]);
  });

  it('an unknown module is an error the runner reports as a failed check', async () => {
    const failed = await runProbe({ ...probe(code('dry-run-pod')), module: 'no-such-probe' } as ProbeSpec, context(fakeMachine()));
    assert.deepEqual([failed.status, failed.seen], ['fail', 'no code probe named no-such-probe']);
  });
});
