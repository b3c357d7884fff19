/**
 * The seed's flow, driven with the real tools only (docker, kubelet, kubectl, HTTP): no lab code.
 * This is the reference the lab is held to: every outcome the lesson promises is asserted here.
 * Everything lives in a temporary directory and a node name of its own, and is removed at the end.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { binDir } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { realEnvSkip } from '../helpers/realenv.ts';
import { bridgeAddress } from './bridgeAddress.ts';

const versions = loadVersions();
const bin = (name: string) => path.join(binDir(versions.kubernetes), name);
const node = 'mvk-smoke';
const staticPods = ['hello', 'etcd', 'kube-apiserver'].map((p) => `${p}-${node}`);
const missing = realEnvSkip();

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function httpText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return response.text();
}

describe('seed flow on the real test bed (no lab code)', { skip: missing, timeout: 600_000 }, () => {
  // Under /var/lib like a real kubelet's state (kubelet makes its root dir a shared mount), never /var/lib/mvk-lab.
  if (!missing) mkdirSync('/var/lib/mvk-smoke', { recursive: true });
  const dir = missing ? '' : mkdtempSync('/var/lib/mvk-smoke/run-');
  const pods = path.join(dir, 'pods');
  const kubeletRoot = path.join(dir, 'kubelet');
  const kubeconfig = path.join(dir, 'kubeconfig.yaml');
  const kubeletLog = path.join(dir, 'kubelet.log');
  // kubectl with no configuration of its own: a developer's ~/.kube/config must not change the answer.
  const kubectlEnv = { HOME: path.join(dir, 'home'), KUBECONFIG: '', PATH: process.env.PATH };
  let kubelet: ChildProcess | undefined;
  let bridgeIp = '';
  let cgroupDriver = '';

  const kubectl = (args: string[], input?: string) =>
    execa(bin('kubectl'), args, { env: kubectlEnv, extendEnv: false, input, reject: false, timeout: 30_000 });

  // Pods created through the API (nginx, curl) are known by their UIDs, so another flow's pods of the
  // same name are never mistaken for ours.
  const apiPodUids = new Set<string>();
  const rememberUid = async (pod: string) => apiPodUids.add((await kubectl(['get', 'pod', pod, '-o', 'jsonpath={.metadata.uid}'])).stdout);

  // docker ANDs repeated label filters, so ask once per pod.
  const labContainers = async () => {
    const ids = new Set<string>();
    const filters = [
      ...staticPods.map((p) => `label=io.kubernetes.pod.name=${p}`),
      ...[...apiPodUids].map((u) => `label=io.kubernetes.pod.uid=${u}`),
    ];
    for (const filter of filters) {
      const r = await execa('docker', ['ps', '-aq', '--filter', filter]);
      r.stdout
        .split('\n')
        .filter(Boolean)
        .forEach((id) => ids.add(id));
    }
    return [...ids];
  };

  const startKubelet = (extra: string[] = []) => {
    const out = openSync(kubeletLog, 'a');
    kubelet = spawn(
      bin('kubelet'),
      [
        `--pod-manifest-path=${pods}`,
        `--pod-infra-container-image=${versions.images.pause}`,
        `--hostname-override=${node}`,
        `--root-dir=${kubeletRoot}`,
        `--volume-plugin-dir=${path.join(dir, 'kubelet-plugins')}`,
        `--experimental-dockershim-root-directory=${path.join(dir, 'dockershim')}`,
        `--cgroup-driver=${cgroupDriver}`,
        '--read-only-port=0',
        '--make-iptables-util-chains=false',
        `--address=${bridgeIp}`,
        `--node-ip=${bridgeIp}`,
        ...extra,
      ],
      // Detached, as a student's kubelet in its own terminal would be: not in the test runner's process group.
      { stdio: ['ignore', out, out], detached: true },
    );
  };

  const stopKubelet = async () => {
    if (!kubelet || kubelet.exitCode !== null) return;
    const exited = new Promise((resolve) => kubelet!.once('exit', resolve));
    kubelet.kill('SIGTERM');
    await exited;
  };

  before(async () => {
    mkdirSync(pods, { recursive: true });
    mkdirSync(kubectlEnv.HOME, { recursive: true });
    // The IPAM gateway, else the bridge interface's own address (Docker does not always list the gateway).
    bridgeIp = await bridgeAddress();
    assert.match(bridgeIp, /^\d+\.\d+\.\d+\.\d+$/, "the host has an IPv4 address on Docker's bridge");
    cgroupDriver = (await execa('docker', ['info', '--format', '{{.CgroupDriver}}'])).stdout.trim();
    const busy = await execa('sh', ['-c', 'ss -Hltn "( sport = :8080 or sport = :2379 or sport = :10250 or sport = :10248 )"'], {
      reject: false,
    });
    assert.equal(busy.stdout.trim(), '', `ports the flow needs are busy:\n${busy.stdout}`);
    assert.deepEqual(await labContainers(), [], 'containers from an earlier run are still there');
  });

  after(async () => {
    if (!dir) return;
    await stopKubelet();
    const ids = await labContainers();
    if (ids.length) await execa('docker', ['rm', '-f', ...ids], { reject: false });
    // kubelet mounts pod volumes under its root dir; unmount before deleting.
    await execa('sh', ['-c', `grep -o " ${kubeletRoot}[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l`], { reject: false });
    for (const pod of staticPods)
      await execa('sh', ['-c', `rm -rf /var/log/pods/*_${pod}_* /var/log/containers/${pod}_*`], { reject: false });
    for (const uid of apiPodUids) {
      const script =
        `for f in /var/log/containers/*; do case "$(readlink "$f")" in *_${uid}/*) rm -f "$f";; esac; done; rm -rf ` +
        `/var/log/pods/*_${uid}`;
      await execa('sh', ['-c', script], { reject: false });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('1: kubelet runs a static pod from the pods directory; its container logs hello world!', async () => {
    startKubelet();
    writeFileSync(
      path.join(pods, 'hello.yaml'),
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: ${versions.images.busybox}` +
        `\n    command: ["echo", "hello world!"]\n`,
    );
    const id = await waitFor('the hello container', async () => {
      const r = await execa('docker', [
        'ps',
        '-aq',
        '--filter',
        `label=io.kubernetes.pod.name=hello-${node}`,
        '--filter',
        'label=io.kubernetes.container.name=hello',
      ]);
      return r.stdout.split('\n')[0] || undefined;
    });
    const logs = await waitFor(
      'hello world! in the logs',
      async () => {
        const r = await execa('docker', ['logs', id]);
        return r.stdout.includes('hello world!') ? r.stdout : undefined;
      },
      30_000,
    );
    assert.match(logs, /hello world!/);
    const sandbox = await execa('docker', [
      'ps',
      '-q',
      '--filter',
      `label=io.kubernetes.pod.name=hello-${node}`,
      '--filter',
      'label=io.kubernetes.docker.type=podsandbox',
    ]);
    assert.notEqual(sandbox.stdout.trim(), '', 'the pause (sandbox) container should be running');
    const image = await execa('docker', ['inspect', '--format', '{{.Config.Image}}', sandbox.stdout.trim()]);
    assert.equal(image.stdout.trim(), versions.images.pause);
  });

  it('2: etcd as a static pod answers :2379/version', async () => {
    writeFileSync(
      path.join(pods, 'etcd.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: ${versions.images.etcd}
    command: [etcd, --data-dir=/var/lib/etcd, --listen-client-urls=http://127.0.0.1:2379, --advertise-client-urls=http://127.0.0.1:2379]
    volumeMounts:
    - {name: etcd-data, mountPath: /var/lib/etcd}
  volumes:
  - name: etcd-data
    hostPath: {path: ${path.join(dir, 'etcd')}, type: DirectoryOrCreate}
`,
    );
    const body = await waitFor(
      'etcd /version',
      async () => JSON.parse(await httpText('http://127.0.0.1:2379/version')) as { etcdserver: string },
    );
    assert.match(body.etcdserver, /^3\.4\./);
    const health = JSON.parse(await httpText('http://127.0.0.1:2379/health')) as { health: string };
    assert.equal(health.health, 'true');
    await waitFor(
      'etcd member directory in the hostPath',
      async () => (existsSync(path.join(dir, 'etcd', 'member', 'wal')) ? true : undefined),
      10_000,
    );
  });

  it('3: kube-apiserver serves the insecure port; kubectl works with no kubeconfig', async () => {
    writeFileSync(
      path.join(pods, 'apiserver.yaml'),
      `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: kube-apiserver
    image: ${versions.images.apiserver}
    command: [kube-apiserver, --etcd-servers=http://127.0.0.1:2379, --insecure-bind-address=127.0.0.1, --insecure-port=8080, --bind-address=127.0.0.1, --kubelet-preferred-address-types=InternalIP]
`,
    );
    const healthz = await waitFor(
      'apiserver /healthz ok',
      async () => ((await httpText('http://127.0.0.1:8080/healthz')) === 'ok' ? 'ok' : undefined),
      180_000,
    );
    assert.equal(healthz, 'ok');
    const list = JSON.parse(await httpText('http://127.0.0.1:8080/api/v1/pods')) as { kind: string };
    assert.equal(list.kind, 'PodList');
    const listing = await kubectl(['get', 'pods']);
    assert.equal(listing.exitCode, 0, listing.stderr);
    assert.match(listing.stderr + listing.stdout, /No resources found in default namespace/);
    const nodes = await kubectl(['get', 'nodes']);
    assert.match(nodes.stderr + nodes.stdout, /No resources found/, 'without --kubeconfig kubelet does not register a node');
  });

  it('4: with a kubeconfig, kubelet registers a Ready node and mirror pods appear', async () => {
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: mvk\n  cluster:\n    server: http://127.0.0.1:8080\ncontexts:\n- name: ' +
        'mvk\n  context:\n    cluster: mvk\ncurrent-context: mvk\n',
    );
    await stopKubelet();
    startKubelet([`--kubeconfig=${kubeconfig}`]);
    const ready = await waitFor('node Ready', async () => {
      const r = await kubectl(['get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === 'True' ? r.stdout : undefined;
    });
    assert.equal(ready, 'True');
    const address = await kubectl(['get', 'node', node, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']);
    assert.equal(address.stdout, bridgeIp);
    for (const mirror of [`etcd-${node}`, `kube-apiserver-${node}`]) {
      const phase = await waitFor(`mirror pod ${mirror}`, async () => {
        const r = await kubectl(['-n', 'kube-system', 'get', 'pod', mirror, '-o', 'jsonpath={.status.phase}']);
        return r.stdout === 'Running' ? r.stdout : undefined;
      });
      assert.equal(phase, 'Running');
    }
  });

  it('5: ServiceAccount admission: two errors, then a pod is accepted and stays Pending', async () => {
    const nginx =
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\nspec:\n  containers:\n  - name: nginx\n    image: ${versions.images.nginx}` +
      `\n`;
    const first = await kubectl(['apply', '-f', '-'], nginx);
    assert.notEqual(first.exitCode, 0);
    assert.match(first.stderr, /error looking up service account default\/default: serviceaccount "default" not found/);

    const account = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: default\n';
    assert.equal((await kubectl(['apply', '-f', '-'], account)).exitCode, 0);
    const second = await kubectl(['apply', '-f', '-'], nginx);
    assert.notEqual(second.exitCode, 0);
    assert.match(second.stderr, /No API token found for service account "default"/);

    const applied = await kubectl(['apply', '-f', '-'], `${account}automountServiceAccountToken: false\n`);
    assert.equal(applied.exitCode, 0, applied.stderr);
    const third = await kubectl(['apply', '-f', '-'], nginx);
    assert.equal(third.exitCode, 0, third.stderr);
    assert.match(third.stdout, /pod\/nginx created/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const pending = await kubectl(['get', 'pod', 'nginx', '-o', 'jsonpath={.status.phase}/{.spec.nodeName}']);
    assert.equal(pending.stdout, 'Pending/', 'with no scheduler the pod waits with no node');
  });

  it('6: a pod pinned with nodeName runs nginx; a curl pod reaches it', async () => {
    assert.equal((await kubectl(['delete', 'pod', 'nginx', '--wait=false'])).exitCode, 0);
    await waitFor('nginx deleted', async () => ((await kubectl(['get', 'pod', 'nginx'])).exitCode !== 0 ? true : undefined), 60_000);
    const pinned =
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: nginx\nspec:\n  nodeName: ${node}\n  containers:\n  - name: nginx\n    ` +
      `image: ${versions.images.nginx}\n`;
    assert.equal((await kubectl(['apply', '-f', '-'], pinned)).exitCode, 0);
    await rememberUid('nginx');
    const ip = await waitFor('nginx Running with a pod IP', async () => {
      const r = await kubectl(['get', 'pod', 'nginx', '-o', 'jsonpath={.status.phase} {.status.podIP}']);
      const [phase, podIp] = r.stdout.split(' ');
      return phase === 'Running' && podIp ? podIp : undefined;
    });
    const page = await waitFor('nginx answering', async () => httpText(`http://${ip}/`), 30_000);
    assert.match(page, /Welcome to nginx!/);

    const curl =
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: curl\nspec:\n  nodeName: ${node}\n  restartPolicy: Never\n  containers:\n  ` +
      `- name: curl\n    image: ${versions.images.curl}\n    command: ["curl", "-s", "http://${ip}/"]\n`;
    assert.equal((await kubectl(['apply', '-f', '-'], curl)).exitCode, 0);
    await rememberUid('curl');
    const done = await waitFor('curl pod Succeeded', async () => {
      const r = await kubectl(['get', 'pod', 'curl', '-o', 'jsonpath={.status.phase}']);
      return r.stdout === 'Succeeded' ? r.stdout : undefined;
    });
    assert.equal(done, 'Succeeded');
    const logs = await kubectl(['logs', 'curl']);
    assert.equal(logs.exitCode, 0, `kubectl logs goes through the apiserver to kubelet on ${bridgeIp}:10250: ${logs.stderr}`);
    assert.match(logs.stdout, /Welcome to nginx!/);
  });
});
