import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { labEnv, NODE_NAME } from '../../src/core/context.ts';
import { allKubelets } from '../../src/machine/kubelet.ts';
import { inTheWay, pathClaim, removalVerdict } from '../../src/engine/reset.ts';
import { isLabContainer, labFootprints, labOwnership } from '../../src/engine/ownership.ts';
import { fakeMachine, podContainer, processInfo } from '../helpers/fakeMachine.ts';

/**
 * `lab reset`'s decisions against a fake machine: whose kubelets and containers are the lab's (never
 * another Kubernetes'), and what would still stop `lab apply 1` after it. test/engine/reset.test.ts
 * proves the whole reset on the real machine.
 */
function scene() {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-reset-'));
  mkdirSync(path.join(root, 'pods'));
  const env = labEnv({ repoRoot: root });
  // A student's kubelet with its own dirs and name: pods/ of this repo makes it the lab's.
  const kubeletRoot = path.join(root, 'student-kubelet');
  const dockershimRoot = path.join(root, 'student-dockershim');
  mkdirSync(path.join(kubeletRoot, 'pods', 'uid-student'), { recursive: true });
  mkdirSync(path.join(dockershimRoot, 'sandbox', 'sandbox-student'), { recursive: true });
  const student = processInfo(42, [
    'kubelet',
    `--pod-manifest-path=${env.podsDir}`,
    '--hostname-override=student-node',
    `--root-dir=${kubeletRoot}`,
    `--experimental-dockershim-root-directory=${dockershimRoot}`,
  ]);
  // Another Kubernetes on this machine (kubeadm's kubelet), which reset never touches.
  const kubeadm = processInfo(7, [
    '/usr/bin/kubelet',
    '--pod-manifest-path=/etc/kubernetes/manifests',
    '--hostname-override=prod-node',
    '--root-dir=/var/lib/kubelet',
  ]);
  return { env, kubeletRoot, dockershimRoot, student, kubeadm };
}

describe("reset's decisions", () => {
  it("the lab's footprints: its own conventions and every kubelet serving this repo's pods/, never another kubelet's root dir", () => {
    const { env, kubeletRoot, student, kubeadm } = scene();
    const footprints = labFootprints(env, allKubelets([student, kubeadm]));
    assert.deepEqual(
      footprints.map((f) => [f.nodeName, f.rootDir]),
      [
        [NODE_NAME, env.kubeletRootDir],
        ['student-node', kubeletRoot],
      ],
    );
  });

  it("a node name another kubelet uses too marks nothing as the lab's", () => {
    const { env, kubeadm } = scene();
    const sameName = processInfo(8, [...kubeadm.argv.slice(0, -2), `--hostname-override=${NODE_NAME}`, '--root-dir=/srv/kubelet']);
    const [own] = labFootprints(env, allKubelets([sameName]));
    assert.equal(own!.nodeName, '');
  });

  it("a container is the lab's by its pod UID, its sandbox or a static pod of a lab node name", () => {
    const { env, student, kubeadm } = scene();
    const owned = labOwnership(env, labFootprints(env, allKubelets([student, kubeadm])));
    const lab = (fields: Parameters<typeof podContainer>[0]) => isLabContainer(podContainer(fields), owned);
    assert.equal(lab({ podName: 'nginx', containerName: 'nginx', podUid: 'uid-student' }), true);
    assert.equal(lab({ podName: 'nginx', containerName: 'POD', podUid: 'gone', sandboxId: 'sandbox-student' }), true);
    assert.equal(lab({ podName: 'etcd-student-node', containerName: 'etcd', podUid: 'x' }), true);
    assert.equal(lab({ podName: 'etcd-prod-node', containerName: 'etcd', podUid: 'y', sandboxId: 'z' }), false);
  });

  it('after the work, names what would still stop `lab apply 1`: our kubelet, our containers, the lab ports held', async () => {
    const { env, student, kubeadm } = scene();
    const etcd = podContainer({ podName: 'etcd-student-node', containerName: 'etcd', podUid: 'uid-student', status: 'Up 2 minutes' });
    const theirs = podContainer({ podName: 'etcd-prod-node', containerName: 'etcd', podUid: 'prod', sandboxId: 'prod' });
    const machine = fakeMachine({
      processes: [student, kubeadm],
      containers: [etcd, theirs],
      listeners: [
        { port: 8080, address: '127.0.0.1', pid: 99, name: 'kube-apiserver' },
        { port: 9090, address: '0.0.0.0', pid: 100, name: 'prometheus' },
      ],
    });
    const footprints = labFootprints(env, allKubelets(machine.processes()));
    assert.deepEqual(await inTheWay(env, machine, footprints), [
      `kubelet pid 42 still serves ${env.podsDir}`,
      `container ${etcd.name.slice(0, 60)} (Up 2 minutes)`,
      '127.0.0.1:8080 is held by kube-apiserver (pid 99)',
    ]);
  });

  it('a machine with only another Kubernetes on it is ready for step 1; Docker down hides no blocker it can see', async () => {
    const { env, kubeadm } = scene();
    const theirs = podContainer({ podName: 'etcd-prod-node', containerName: 'etcd', podUid: 'prod', sandboxId: 'prod' });
    const footprints = labFootprints(env, allKubelets([kubeadm]));
    assert.deepEqual(await inTheWay(env, fakeMachine({ processes: [kubeadm], containers: [theirs] }), footprints), []);
    const down = fakeMachine({ dockerDown: true, listeners: [{ port: 2379, address: '127.0.0.1' }] });
    assert.deepEqual(await inTheWay(env, down, footprints), ['127.0.0.1:2379 is held by a process']);
  });

  it("never considers the system's directories or /var/lib/mvk-lab (removed whole) as paths to remove, nor another kubelet's", () => {
    const { env } = scene();
    const foreign = new Set(['/var/lib/kubelet']);
    assert.deepEqual(
      ['/', '/var/lib', '/etc', env.varDir, `${env.varDir}/etcd`].map((p) => pathClaim(env, p, foreign)),
      ['never', 'never', 'never', 'never', 'never'],
    );
    // Inside another kubelet's root, or a parent of it: removing either would break that kubelet.
    assert.deepEqual(
      ['/var/lib/kubelet', '/var/lib/kubelet/pods', '/var/lib/kubelet-parent'].map((p) => pathClaim(env, p, foreign)),
      ['foreign', 'foreign', 'ours'],
    );
    assert.equal(pathClaim(env, '/var/lib/etcd', new Set(['/var/lib/etcd/member'])), 'foreign');
  });

  it('removes a path of the lab only when it appeared after the lab first ran and nothing is mounted under it', () => {
    const mounted = () => true;
    const free = () => false;
    assert.deepEqual(removalVerdict('/srv/etcd', 'a hostPath volume', false, free), {
      remove: true,
      line: 'removed /srv/etcd (a hostPath volume; it appeared after the lab first ran)',
    });
    assert.deepEqual(removalVerdict('/srv/etcd', 'a hostPath volume', false, mounted), {
      remove: false,
      line: 'left /srv/etcd: still mounted; remove it with `umount -R /srv/etcd && rm -rf /srv/etcd`',
    });
    assert.deepEqual(removalVerdict('/srv/etcd', 'a hostPath volume', true, free), {
      remove: false,
      line: 'left /srv/etcd (a hostPath volume): it was there before the lab first ran',
    });
    const unknown = removalVerdict('/srv/etcd', 'a hostPath volume', undefined, free);
    assert.equal(unknown.remove, false);
    assert.match(unknown.line, /no record of whether it was there before; .* `rm -rf \/srv\/etcd`$/);
  });
});
