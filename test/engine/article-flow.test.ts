import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { DockerDriver } from '../../src/machine/docker.ts';
import { kubeChainsNow } from '../../src/machine/iptables.ts';
import { labKubelets } from '../../src/machine/kubelet.ts';
import { mountsUnder } from '../../src/machine/mounts.ts';
import { portHolders } from '../../src/machine/ports.ts';
import { realMachineTest, resetMachineAfter, until } from '../helpers/realmachine.ts';
import { cleanShellEnv, env, failingThrough, lab, labPorts, sleepMs, verifyJson } from './helpers.ts';

/**
 * Issue 9: the original article (shared/seeds/004), typed by hand the way it is written: kubelet with
 * just --pod-manifest-path=pods (so the node takes the host's name, state in /var/lib/kubelet), etcd with
 * its data in /var/lib/etcd, an apiserver with only --etcd-servers, the article's kubeconfig, the curl
 * pod with the default restartPolicy. Only the images are pinned to the ones this machine has. `lab
 * verify` must pass each step, and `lab reset` must leave nothing of it behind.
 */
const images = env.versions.images;
const node = hostname().trim().toLowerCase();
const kubeletBin = path.join(env.binDir, 'kubelet');
const kubectlBin = path.join(env.binDir, 'kubectl');
const articlePaths = ['/var/lib/kubelet', '/var/lib/dockershim', '/var/lib/etcd'];

const hello = `apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  containers:
  - image: ${images.busybox}
    name: hello
    command: ["echo", "hello world!"]
`;
const etcd = `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  containers:
  - name: etcd
    command:
    - etcd
    - --data-dir=/var/lib/etcd
    image: ${images.etcd}
    volumeMounts:
    - mountPath: /var/lib/etcd
      name: etcd-data
  hostNetwork: true
  volumes:
  - hostPath:
      path: /var/lib/etcd
      type: DirectoryOrCreate
    name: etcd-data
`;
const apiserver = `apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    command:
    - kube-apiserver
    - --etcd-servers=http://127.0.0.1:2379
    image: ${images.apiserver}
  hostNetwork: true
`;
const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: http://127.0.0.1:8080
  name: mink8s
contexts:
- context:
    cluster: mink8s
  name: mink8s
current-context: mink8s
`;
const nginx = (nodeName?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - image: ${images.nginx}
    name: nginx
${nodeName ? `  nodeName: ${nodeName}\n` : ''}`;
const serviceAccount = (automount: boolean) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: default
${automount ? '' : 'automountServiceAccountToken: false\n'}`;
const curl = (ip: string) => `apiVersion: v1
kind: Pod
metadata:
  name: curl
spec:
  containers:
  - image: ${images.curl}
    name: curl
    command: ["curl", "${ip}"]
  nodeName: ${node}
`;

/** `./kubectl …` in the student's directory, no kubeconfig: the insecure port, as the article relies on. */
async function kubectl(args: string[], input?: string) {
  const result = await execa(kubectlBin, args, {
    cwd: env.repoRoot,
    env: cleanShellEnv(),
    extendEnv: false,
    input,
    reject: false,
    all: true,
    timeout: 60_000,
  });
  return { code: result.exitCode ?? -1, output: result.all ?? '' };
}

/** `./kubelet …` in a second terminal, as the article starts it (a Ctrl-C stops the previous one). */
async function startKubelet(args: string[], logFile: string): Promise<void> {
  for (const running of labKubelets(env)) process.kill(running.pid, 'SIGINT');
  await until(() => labKubelets(env).length === 0, 30_000, 'the previous kubelet to stop');
  // A stopped kubelet's ports close a moment after its main thread.
  await until(() => portHolders([10248, 10250]).length === 0, 30_000, "kubelet's ports to close");
  const out = openSync(logFile, 'a');
  const child = spawn(kubeletBin, args, { cwd: env.repoRoot, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  await until(() => labKubelets(env).length > 0, 10_000, `kubelet ${args.join(' ')} to start (log: ${logFile})`);
}

/** `lab verify n --json` until the step passes, as a student re-runs it while kubelet catches up. */
async function verifyPasses(step: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await verifyJson(step);
    if (run.code === 0) return run.results;
    if (Date.now() > deadline)
      assert.fail(
        `lab verify ${step} did not pass:\n${JSON.stringify(
          run.results.filter((r) => r.status !== 'pass'),
          null,
          2,
        )}`,
      );
    await sleepMs(2000);
  }
}

describe("the original article's cluster, built by hand its own way (issue 9)", { timeout: 1_200_000 }, () => {
  resetMachineAfter();

  realMachineTest('lab verify passes every step, and lab reset leaves none of it behind', async (t) => {
    // As a student does before starting: the lab's first look records what the machine had (baseline).
    const first = await lab('verify', '1');
    assert.equal(first.code, 1, 'nothing runs yet');
    const baseline = JSON.parse(readFileSync(path.join(env.stateDir, 'path-baseline.json'), 'utf8')) as {
      existed: Record<string, boolean>;
      kubeChains?: string[];
    };
    t.diagnostic(`path baseline: ${JSON.stringify(baseline.existed)}`);

    mkdirSync(path.join(env.repoRoot, 'pods'), { recursive: true });
    const log = path.join(env.stateDir, 'article-kubelet.log');
    const pause = `--pod-infra-container-image=${images.pause}`;
    await startKubelet(['--pod-manifest-path=pods', pause], log);
    writeFileSync(path.join(env.repoRoot, 'pods/hello.yaml'), hello);
    const step1 = await verifyPasses(1);
    assert.match(
      step1.find((r) => r.id === 'hello-sandbox')!.seen,
      new RegExp(`hello-${node}`),
      'the pod is named after the host, as kubelet names it',
    );

    writeFileSync(path.join(env.repoRoot, 'pods/etcd.yaml'), etcd);
    const step2 = (await verifyPasses(2)) as { id: string; status: string; seen: string; note?: string }[];
    const data = step2.find((r) => r.id === 'etcd-data')!;
    assert.match(data.seen, /host's \/var\/lib\/etcd/);
    assert.match(data.note ?? '', /\/var\/lib\/etcd.*lab reset/, 'a different data dir earns a note, not a failure');

    writeFileSync(path.join(env.repoRoot, 'pods/apiserver.yaml'), apiserver);
    const step3 = (await verifyPasses(3)) as { id: string; note?: string }[];
    assert.match(step3.find((r) => r.id === 'apiserver-kubelet-address')!.note ?? '', new RegExp(`"${node}"`));

    writeFileSync(path.join(env.repoRoot, 'kubeconfig.yaml'), kubeconfig);
    await startKubelet(['--pod-manifest-path=pods', pause, '--kubeconfig=kubeconfig.yaml'], log);
    const step4 = (await verifyPasses(4)) as { id: string; note?: string }[];
    if (node !== 'mvk-node')
      assert.match(step4.find((r) => r.id === 'node-ready')!.note ?? '', new RegExp(`your node is called "${node}"`));
    const pods = await kubectl(['get', 'pods', '-A']);
    assert.match(pods.output, new RegExp(`etcd-${node}\\s+1/1\\s+Running`));

    // The two admission errors, then the ServiceAccount that ends them.
    writeFileSync(path.join(env.repoRoot, 'nginx.yaml'), nginx());
    assert.match((await kubectl(['apply', '-f', 'nginx.yaml'])).output, /serviceaccount "default" not found/);
    assert.equal((await kubectl(['apply', '-f', '-'], serviceAccount(true))).code, 0);
    assert.match((await kubectl(['apply', '-f', 'nginx.yaml'])).output, /No API token found/);
    assert.equal((await kubectl(['apply', '-f', '-'], serviceAccount(false))).code, 0);
    assert.equal((await kubectl(['apply', '-f', 'nginx.yaml'])).code, 0);
    await verifyPasses(5);

    assert.equal((await kubectl(['delete', 'pod', 'nginx'])).code, 0);
    writeFileSync(path.join(env.repoRoot, 'nginx.yaml'), nginx(node));
    assert.equal((await kubectl(['apply', '-f', 'nginx.yaml'])).code, 0);
    let ip = '';
    const deadline = Date.now() + 120_000;
    while (!ip && Date.now() < deadline) {
      ip = (await kubectl(['get', 'pod', 'nginx', '-o', 'jsonpath={.status.podIP}'])).output.trim();
      if (!ip) await sleepMs(1000);
    }
    assert.ok(ip, 'nginx got a pod IP');
    assert.equal((await kubectl(['apply', '-f', '-'], curl(ip))).code, 0);
    // The apiserver here has no --kubelet-preferred-address-types: it dials kubelet by the node's host
    // name, which works where /etc/hosts (or DNS) knows it, as on the article's machine.
    const step6 = (await verifyPasses(6)) as { id: string; note?: string }[];
    assert.match(step6.find((r) => r.id === 'curl-completed')!.note ?? '', /restartPolicy Always \(a pod's default\)/);
    assert.match((await kubectl(['logs', 'curl'])).output, /Welcome to nginx!/);
    // The article ends at step 6; the lab's later steps are not its to pass.
    assert.deepEqual(await failingThrough(6), []);

    // Reset: everything the hand-built cluster made goes, or is listed with the command to remove it.
    const reset = await lab('reset', '--yes');
    t.diagnostic(reset.stdout);
    assert.equal(reset.code, 0, `${reset.stdout}\n${reset.stderr}`);
    assert.equal(labKubelets(env).length, 0, 'no kubelet serves pods/');
    const podNames = new Set([`hello-${node}`, `etcd-${node}`, `kube-apiserver-${node}`, 'nginx', 'curl']);
    const left = (await new DockerDriver().podContainers()).filter((c) => podNames.has(c.podName));
    assert.deepEqual(
      left.map((c) => c.name),
      [],
      'no container of the hand-built cluster is left',
    );
    assert.deepEqual(portHolders(labPorts), [], 'no port of the hand-built cluster is held');
    for (const dir of articlePaths) {
      assert.deepEqual(mountsUnder(dir), [], `nothing is mounted under ${dir}`);
      if (baseline.existed[dir] === false)
        assert.equal(existsSync(dir), false, `${dir} appeared with the article's kubelet, so reset removed it`);
      else if (existsSync(dir)) assert.match(reset.stdout, new RegExp(`left ${dir}`), `${dir} is listed as left, with the reason`);
    }
    // The article's kubelet added its iptables chains (no --make-iptables-util-chains=false); they go too.
    assert.ok(baseline.kubeChains, 'iptables could be read when the baseline was taken');
    assert.deepEqual(
      kubeChainsNow()?.chains.filter((chain) => !baseline.kubeChains!.includes(chain)),
      [],
      "no iptables chain of the article's kubelet is left",
    );
    assert.match(reset.stdout, /reset done/);

    // And the lab's own way works on the machine reset left.
    const apply = await lab('apply', '6');
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
  });
});
