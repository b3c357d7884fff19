import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { kubepodsTrees, removeEmptyKubepods } from '../../src/machine/cgroups.ts';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/**
 * A fake cgroup tree: directories, and a cgroup.procs file where a process runs. (A real empty cgroup
 * has an empty cgroup.procs and can still be removed with rmdir; a plain directory with a file cannot.)
 */
function cgroup(relative: string, procs?: string): void {
  mkdirSync(path.join(root, relative), { recursive: true });
  if (procs) writeFileSync(path.join(root, relative, 'cgroup.procs'), procs);
}

describe("kubelet's pod cgroups on reset", () => {
  it('finds the single kubepods.slice tree of cgroup v2 (systemd driver) at the root', () => {
    root = mkdtempSync(path.join(tmpdir(), 'mvk-cg-'));
    writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu memory pids');
    cgroup('kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice');
    cgroup('system.slice/docker.service', '42\n');
    assert.deepEqual(kubepodsTrees(root), [path.join(root, 'kubepods.slice')]);
  });

  it('finds one tree per hierarchy on cgroup v1, for either driver', () => {
    root = mkdtempSync(path.join(tmpdir(), 'mvk-cg-'));
    cgroup('memory/kubepods/burstable');
    cgroup('cpu,cpuacct/kubepods.slice');
    assert.deepEqual(
      kubepodsTrees(root)
        .map((t) => path.relative(root, t))
        .sort(),
      ['cpu,cpuacct/kubepods.slice', 'memory/kubepods'],
    );
  });

  it('removes an empty tree and leaves one in which a process still runs', async () => {
    root = mkdtempSync(path.join(tmpdir(), 'mvk-cg-'));
    cgroup('memory/kubepods/besteffort/pod1');
    cgroup('pids/kubepods/besteffort/pod2', '4242\n');
    assert.equal(await removeEmptyKubepods(root), 1);
    assert.equal(existsSync(path.join(root, 'memory/kubepods')), false);
    assert.equal(existsSync(path.join(root, 'pids/kubepods/besteffort/pod2')), true);
  });
});
