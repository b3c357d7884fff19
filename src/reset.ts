import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from './context.ts';
import { removeEmptyCgroupTree } from './drivers/cgroups.ts';
import { DockerDriver, DockerDownError } from './drivers/docker.ts';
import { allKubelets, kubeletLogFile, kubeletPidFile, stopLabKubelets } from './drivers/kubelet.ts';
import { mountsUnder, unmountAllUnder } from './drivers/mounts.ts';
import { LabError } from './errors.ts';
import { backupFile, timestamp } from './actions/files.ts';
import { restoreKernelBaseline } from './kernelSettings.ts';
import { progressFile } from './progress.ts';

const DOCKERSHIM_SOCKET = '/var/run/dockershim.sock';

export interface ResetOptions {
  log: (line: string) => void;
  docker?: DockerDriver;
  /** Where kubelet 1.19 writes pod logs (hard-coded there); tests may point elsewhere. */
  podLogDir?: string;
  containerLogDir?: string;
}

/** UIDs of pods the lab's kubelet ran: kubelet keeps a directory per pod under its (lab-owned) root dir. */
export function labPodUids(env: LabEnv): Set<string> {
  const dir = path.join(env.kubeletRootDir, 'pods');
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}

/**
 * Sandboxes the lab's kubelet made: dockershim checkpoints each under its (lab-owned) root dir until
 * the sandbox is removed. A pod deleted through the API loses its kubelet pod directory at once, but
 * its exited containers and sandbox stay behind, still known by this checkpoint.
 */
export function labSandboxIds(env: LabEnv): Set<string> {
  try {
    return new Set(readdirSync(path.join(env.dockershimRootDir, 'sandbox')));
  } catch {
    return new Set();
  }
}

/** What marks a container as the lab's: its pod's UID, its sandbox's checkpoint, or a static pod name. */
export interface LabOwnership {
  uids: Set<string>;
  sandboxIds: Set<string>;
  nodeName: string;
}

export function labOwnership(env: LabEnv): LabOwnership {
  return { uids: labPodUids(env), sandboxIds: labSandboxIds(env), nodeName: env.nodeName };
}

/** A container belongs to the lab if its pod or sandbox is the lab kubelet's, or it is a static pod of the lab's node. */
export function isLabContainer(container: { podUid: string; podName: string; sandboxId: string }, owned: LabOwnership): boolean {
  return (
    owned.uids.has(container.podUid) ||
    (container.sandboxId !== '' && owned.sandboxIds.has(container.sandboxId)) ||
    container.podName.endsWith(`-${owned.nodeName}`)
  );
}

/** /var/log/pods/<namespace>_<pod>_<uid> entries of the lab's pods. */
export function labPodLogEntries(entries: string[], uids: Set<string>): string[] {
  return entries.filter((entry) => uids.has(entry.split('_').at(-1) ?? ''));
}

function removeLogs(uids: Set<string>, podLogDir: string, containerLogDir: string, log: (line: string) => void): void {
  if (uids.size === 0) return;
  let entries: string[] = [];
  try {
    entries = readdirSync(podLogDir);
  } catch {
    return;
  }
  const ours = labPodLogEntries(entries, uids).map((entry) => path.join(podLogDir, entry));
  // /var/log/containers holds symlinks into /var/log/pods; remove the ones pointing into our entries.
  try {
    for (const link of readdirSync(containerLogDir)) {
      const full = path.join(containerLogDir, link);
      try {
        if (!lstatSync(full).isSymbolicLink()) continue;
        const target = path.resolve(containerLogDir, readlinkSync(full));
        if (ours.some((dir) => target.startsWith(`${dir}/`))) rmSync(full, { force: true });
      } catch {
        // vanished meanwhile
      }
    }
  } catch {
    // no container log dir
  }
  for (const dir of ours) rmSync(dir, { recursive: true, force: true });
  if (ours.length > 0) log(`removed ${ours.length} pod log director${ours.length === 1 ? 'y' : 'ies'} from ${podLogDir}`);
}

function studentFiles(env: LabEnv): string[] {
  const files: string[] = [];
  try {
    for (const entry of readdirSync(env.podsDir)) if (entry !== '.gitkeep') files.push(path.join(env.podsDir, entry));
  } catch {
    // no pods/ yet
  }
  if (existsSync(env.kubeconfigFile)) files.push(env.kubeconfigFile);
  return files;
}

/**
 * Returns the machine to before step 1. Every step tolerates the previous one being half done, so an
 * interrupted reset is finished by the next. Returns what it did; an empty list means nothing to do.
 */
export async function resetLab(env: LabEnv, options: ResetOptions): Promise<string[]> {
  const done: string[] = [];
  const log = (line: string) => {
    done.push(line);
    options.log(line);
  };
  // 1. kubelet first, so nothing restarts the containers we remove.
  const stopped = await stopLabKubelets(env);
  if (stopped.length > 0) log(`stopped kubelet (pid ${stopped.join(', ')})`);
  // dockershim's socket path is fixed in 1.19; remove it only when no kubelet at all is left to own it.
  if (existsSync(DOCKERSHIM_SOCKET) && allKubelets().length === 0) {
    rmSync(DOCKERSHIM_SOCKET, { force: true });
    log(`removed ${DOCKERSHIM_SOCKET}`);
  }

  // 2. containers of the lab's pods; the pod directories under kubelet's root say which pods those are.
  const owned = labOwnership(env);
  const uids = owned.uids;
  const docker = options.docker ?? new DockerDriver();
  let dockerDown: DockerDownError | undefined;
  try {
    const containers = (await docker.podContainers()).filter((c) => isLabContainer(c, owned));
    for (const container of containers) await docker.remove(container.id);
    if (containers.length > 0) log(`removed ${containers.length} container${containers.length === 1 ? '' : 's'} of the lab's pods`);
  } catch (error) {
    if (!(error instanceof DockerDownError)) throw error;
    dockerDown = error;
  }

  // 3. logs kubelet wrote for those pods outside its root dir.
  removeLogs(uids, options.podLogDir ?? '/var/log/pods', options.containerLogDir ?? '/var/log/containers', log);

  // 4. kubelet and etcd state. Keep the pod directories while Docker is down: they are how the next
  //    reset finds the containers still to remove.
  if (!dockerDown && existsSync(env.varDir)) {
    const unmounted = await unmountAllUnder(env.varDir);
    if (unmounted.length > 0) log(`unmounted ${unmounted.length} mount${unmounted.length === 1 ? '' : 's'} under ${env.varDir}`);
    const left = mountsUnder(env.varDir);
    if (left.length > 0) {
      throw new LabError(`${left[0]} is still mounted, so ${env.varDir} is not deleted`, `unmount it by hand (\`umount -l ${left[0]}\`) and run \`lab reset\` again`);
    }
    rmSync(env.varDir, { recursive: true, force: true });
    log(`removed ${env.varDir} (kubelet state and etcd data)`);
  }

  // 4b. kubelet's kubepods cgroups, once no kubelet at all is left to use them (only empty ones go).
  if (!dockerDown && allKubelets().length === 0) {
    const cgroups = removeEmptyCgroupTree();
    if (cgroups > 0) log(`removed ${cgroups} empty kubepods cgroups`);
  }

  // 4c. kernel settings kubelet changed at start, back to the machine's own values.
  for (const line of restoreKernelBaseline(env)) log(line);

  // 5. the student's files go to a backup, never to the bin.
  const files = studentFiles(env);
  if (files.length > 0) {
    const stamp = timestamp();
    for (const file of files) backupFile(env, file, stamp);
    log(`moved ${files.map((f) => path.relative(env.repoRoot, f)).join(', ')} to .lab/backups/${stamp}/`);
  }

  // 6. the lab's own bookkeeping.
  for (const file of [kubeletLogFile(env), kubeletPidFile(env), progressFile(env)]) {
    if (existsSync(file)) {
      rmSync(file, { force: true });
      done.push(`removed ${path.relative(env.repoRoot, file)}`);
    }
  }

  if (dockerDown) {
    throw new LabError(`${dockerDown.message}, so the lab's containers could not be removed`, `${dockerDown.hint}, then run \`lab reset\` again`);
  }
  return done;
}
