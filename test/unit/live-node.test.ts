import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { parseFlags, staticPodDir, type KubeletProcess } from '../../src/machine/kubelet.ts';
import { footprintOf, kubeletNodeName, liveNode, readFootprints, staticPodRefs } from '../../src/engine/labNode.ts';
import { lintManifestText } from '../../src/engine/manifestLint.ts';
import { driftOf } from '../../src/engine/probes/manifestDrift.ts';
import { hostsFileNames } from '../../src/engine/probes/custom/staticPods.ts';
import { templateVars } from '../../src/engine/templateVars.ts';

const root = mkdtempSync(path.join(tmpdir(), 'mvk-live-node-'));
after(() => rmSync(root, { recursive: true, force: true }));
const env = labEnv({ repoRoot: root });
const kubelet = (argv: string[], cwd = root): KubeletProcess => ({ pid: 4242, argv: ['kubelet', ...argv], flags: parseFlags(argv), cwd });

describe('the node as the running kubelet has it (issue 9)', () => {
  it('takes --hostname-override, else the host name the way kubelet 1.19 does (trimmed, lower-case)', () => {
    assert.equal(kubeletNodeName(kubelet(['--hostname-override=mvk-node']), 'VM'), 'mvk-node');
    assert.equal(kubeletNodeName(kubelet(['--pod-manifest-path=pods']), ' MinK8s \n'), 'mink8s');
    assert.equal(kubeletNodeName(kubelet(['--hostname-override', 'Node-A']), 'vm'), 'node-a');
  });

  it("knows kubelet's default dirs and resolves relative flags against its working directory", () => {
    const article = footprintOf(kubelet(['--pod-manifest-path=pods', '--kubeconfig=kubeconfig.yaml']), 'vm');
    assert.deepEqual(article, {
      nodeName: 'vm',
      rootDir: '/var/lib/kubelet',
      dockershimRootDir: '/var/lib/dockershim',
      kubeconfig: path.join(root, 'kubeconfig.yaml'),
    });
    const lab = footprintOf(
      kubelet(['--root-dir=/var/lib/mvk-lab/kubelet', '--experimental-dockershim-root-directory=/var/lib/mvk-lab/dockershim']),
      'vm',
    );
    assert.equal(lab.rootDir, '/var/lib/mvk-lab/kubelet');
    assert.equal(lab.dockershimRootDir, '/var/lib/mvk-lab/dockershim');
  });

  it('finds the static pod directory in a --config file too', () => {
    const config = path.join(root, 'conf', 'kubelet.yaml');
    mkdirSync(path.dirname(config), { recursive: true });
    writeFileSync(config, 'kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nstaticPodPath: ../pods\n');
    assert.equal(staticPodDir(kubelet([`--config=${config}`])), env.podsDir);
    assert.equal(staticPodDir(kubelet(['--pod-manifest-path=pods/'])), env.podsDir);
    assert.equal(staticPodDir(kubelet(['--config=/nonexistent.yaml'])), undefined);
  });

  it('remembers the last kubelet, so the name is known while it is stopped for a restart', () => {
    assert.deepEqual(liveNode(env, []), { name: 'mvk-node', source: 'lab' });
    const seen = liveNode(env, [kubelet(['--pod-manifest-path=pods', '--hostname-override=vm'])]);
    assert.equal(seen.name, 'vm');
    assert.equal(seen.source, 'kubelet');
    const stopped = liveNode(env, []);
    assert.equal(stopped.name, 'vm');
    assert.equal(stopped.source, 'record');
    // Seeing the same kubelet again adds nothing.
    liveNode(env, [kubelet(['--pod-manifest-path=pods', '--hostname-override=vm'])]);
    assert.equal(readFootprints(env).kubelets.length, 1);
  });

  it('names static pods as pods/ defines them: by the lesson name, else by the program they run', () => {
    const etcd = lintManifestText(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: etcd-server}\nspec:\n  containers:\n  - {name: main, image: ' +
        '"quay.io/coreos/etcd:v3.4.13", command: [etcd]}\n',
      'pods/db.yaml',
    );
    const api = lintManifestText(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\nspec:\n  containers:\n  - {name: ' +
        'kube-apiserver, image: x, command: [kube-apiserver]}\n',
      'pods/api.yaml',
    );
    const refs = staticPodRefs(env, [etcd, api]);
    assert.deepEqual(refs.etcd, { name: 'etcd-server', namespace: 'default', file: 'pods/db.yaml' });
    assert.deepEqual(refs.apiserver, { name: 'kube-apiserver', namespace: 'kube-system', file: 'pods/api.yaml' });
    assert.deepEqual(refs.hello, { name: 'hello', namespace: 'default', file: 'pods/hello.yaml' });
    const vars = templateVars({ ...env, staticPods: refs });
    assert.equal(vars['pods.etcd.name'], 'etcd-server');
    assert.equal(templateVars(env)['pods.etcd.namespace'], 'kube-system');
  });
});

describe('what runs versus what the file says (issue 9)', () => {
  const running = {
    imageId: 'sha256:aaa',
    argv: ['etcd', '--data-dir=/var/lib/etcd'],
    mounts: [{ source: '/var/lib/etcd', destination: '/var/lib/etcd' }],
  };
  const spec = {
    name: 'etcd',
    image: 'etcd:3.4',
    command: ['etcd', '--data-dir=/var/lib/etcd'],
    volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
  };
  it('matches the running container against its manifest', () => {
    assert.equal(driftOf(spec, { data: '/var/lib/etcd' }, running, 'sha256:aaa'), undefined);
    assert.match(driftOf(spec, { data: '/var/lib/etcd' }, running, 'sha256:bbb')!, /image etcd:3.4/);
    assert.match(
      driftOf({ ...spec, command: ['etcd', '--data-dir=/data'] }, { data: '/var/lib/etcd' }, running, undefined)!,
      /the file says `etcd --data-dir=\/data`/,
    );
    assert.match(driftOf(spec, { data: '/srv/etcd' }, running, undefined)!, /mounted from \/var\/lib\/etcd, the file says \/srv\/etcd/);
    // Only args given: the image's entrypoint comes first.
    assert.equal(driftOf({ name: 'x', image: 'x', args: ['--data-dir=/var/lib/etcd'] }, {}, running, undefined), undefined);
  });

  it('reads /etc/hosts the way a resolver does', () => {
    assert.equal(hostsFileNames('vm', '127.0.0.1 localhost\n10.0.0.5 VM vm.local # me\n'), true);
    assert.equal(hostsFileNames('mvk-node', '127.0.0.1 localhost\n# 10.0.0.5 mvk-node\n'), false);
  });
});

describe("a pod's current version (issue 9)", () => {
  it('is the newest running sandbox, only when strictly newer than any other version', async () => {
    const { currentPodUid } = await import('../../src/machine/docker.ts');
    const box = (podUid: string, created: number, state = 'running') => ({ containerName: 'POD', podUid, created, state });
    assert.equal(currentPodUid([box('new', 20), box('old', 10, 'exited')]), 'new');
    // Made in the same second: Docker cannot say which is newer.
    assert.equal(currentPodUid([box('new', 20), box('old', 20)]), undefined);
    assert.equal(currentPodUid([box('old', 10, 'exited')]), undefined);
  });
});
