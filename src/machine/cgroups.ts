import { existsSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Child cgroups (directories) of a cgroup directory. */
function children(dir: string): string[] {
  try {
    return readdirSync(dir)
      .map((name) => path.join(dir, name))
      .filter((child) => {
        try {
          return statSync(child).isDirectory();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

/** Whether any process is left anywhere in a cgroup tree (cgroup.procs of it or any descendant). */
function populated(dir: string): boolean {
  try {
    if (readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() !== '') return true;
  } catch {
    // not a cgroup (or gone): nothing runs in it
  }
  return children(dir).some(populated);
}

/**
 * The tops of the trees kubelet makes for pods: `kubepods` with the cgroupfs driver, `kubepods.slice`
 * with the systemd driver. On cgroup v1 there is one per hierarchy (/sys/fs/cgroup/memory/kubepods…);
 * on v2 a single tree at the root (/sys/fs/cgroup/kubepods.slice).
 */
export function kubepodsTrees(root = CGROUP_ROOT): string[] {
  const hierarchies = existsSync(path.join(root, 'cgroup.controllers')) ? [root] : children(root);
  const trees: string[] = [];
  for (const hierarchy of hierarchies) {
    for (const name of ['kubepods', 'kubepods.slice']) {
      const tree = path.join(hierarchy, name);
      if (existsSync(tree)) trees.push(tree);
    }
  }
  return trees;
}

const systemdIsInit = () => {
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd';
  } catch {
    return false;
  }
};

/**
 * Removes kubelet's pod cgroups once nothing runs in them, deepest first. With the systemd driver they
 * are systemd units (kubepods.slice and the QoS and pod slices under it): systemd is asked to stop the
 * empty slice, which removes the units and their cgroups; a bare rmdir would leave systemd believing
 * in units that no longer exist. The kernel refuses rmdir on a cgroup that still has processes, and a
 * populated tree is never stopped, so nothing that runs can be affected. Returns how many trees went.
 */
export async function removeEmptyKubepods(root = CGROUP_ROOT): Promise<number> {
  let removed = 0;
  const rmTree = (dir: string) => {
    for (const child of children(dir)) rmTree(child);
    try {
      rmdirSync(dir);
    } catch {
      // busy (still has processes) or already gone
    }
  };
  for (const tree of kubepodsTrees(root)) {
    if (populated(tree)) continue;
    if (tree.endsWith('.slice') && root === CGROUP_ROOT && systemdIsInit()) {
      await execa('systemctl', ['stop', path.basename(tree)], { reject: false, timeout: 30_000 });
    }
    rmTree(tree);
    if (!existsSync(tree)) removed++;
  }
  return removed;
}
