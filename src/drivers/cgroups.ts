import { readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';

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

/**
 * Removes the `kubepods` cgroup trees kubelet made (with the cgroupfs driver) in every hierarchy,
 * deepest first. The kernel refuses rmdir on a cgroup that still has processes, so nothing that runs
 * can be affected; such a cgroup is simply left. Returns how many cgroups were removed.
 */
export function removeEmptyCgroupTree(name = 'kubepods', root = CGROUP_ROOT): number {
  let removed = 0;
  const remove = (dir: string) => {
    for (const child of children(dir)) remove(child);
    try {
      rmdirSync(dir);
      removed++;
    } catch {
      // busy (still has processes) or already gone
    }
  };
  for (const hierarchy of children(root)) {
    const tree = path.join(hierarchy, name);
    try {
      statSync(tree);
    } catch {
      continue;
    }
    remove(tree);
  }
  return removed;
}
