import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../core/context.ts';
import { removeEmptyKubepods } from '../machine/cgroups.ts';
import { removeTree } from '../machine/files.ts';
import { DockerDriver, DockerDownError } from '../machine/docker.ts';
import {
  allKubelets,
  flagPath,
  kubeletLogFile,
  kubeletPidFile,
  labKubelets,
  stopLabKubelets,
  type KubeletProcess,
} from '../machine/kubelet.ts';
import { asShell, kubeChainsNow, removalCommands, runRemoval } from '../machine/iptables.ts';
import { realMachine, type Machine } from '../machine/machine.ts';
import { readPathBaseline } from './hostBaseline.ts';
import { footprintFile, footprintOf, readFootprints, rememberFootprints, type KubeletFootprint } from './labNode.ts';
import { mountsUnder, unmountAllUnder } from '../machine/mounts.ts';
import { LabError } from '../core/errors.ts';
import { labPorts } from './labPorts.ts';
import { foreignKubelets, isLabContainer, labContainers, labFootprints, labOwnership } from './ownership.ts';
import { backupFile, timestamp } from './actions/files.ts';
import { restoreKernelBaseline } from './kernelSettings.ts';
import { progressFile } from './stepProgress.ts';

const DOCKERSHIM_SOCKET = '/var/run/dockershim.sock';

export interface ResetOptions {
  log: (line: string) => void;
  docker?: DockerDriver;
  /** Where kubelet 1.19 writes pod logs (hard-coded there); tests may point elsewhere. */
  podLogDir?: string;
  containerLogDir?: string;
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
  for (const dir of ours) removeTree(dir);
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

/** Host directories a lab container had bind-mounted from outside kubelet's and Docker's own state: its hostPath volumes. */
async function hostPathsOf(docker: DockerDriver, ids: string[], footprints: KubeletFootprint[]): Promise<string[]> {
  const internal = [...footprints.flatMap((f) => [f.rootDir, f.dockershimRootDir]), '/var/lib/docker', '/dev', '/proc', '/sys'];
  const found = new Set<string>();
  for (const id of ids) {
    const details = await docker.inspectContainer(id).catch(() => undefined);
    for (const mount of details?.mounts ?? []) {
      if (!internal.some((dir) => mount.source === dir || mount.source.startsWith(`${dir}/`))) found.add(mount.source);
    }
  }
  return [...found];
}

/** Directories no reset ever removes or unmounts under, whatever a pod mounted. */
const NEVER_TOUCHED = new Set([
  '/',
  '/etc',
  '/var',
  '/var/lib',
  '/var/run',
  '/run',
  '/usr',
  '/home',
  '/root',
  '/tmp',
  '/opt',
  '/srv',
  '/mnt',
  '/boot',
  '/dev',
  '/proc',
  '/sys',
]);

/** `target` is `dir` or inside it. */
const isUnder = (target: string, dir: string) => target === dir || target.startsWith(`${dir}/`);

/**
 * Whether reset may consider removing a path at all: never the system's own directories nor
 * /var/lib/mvk-lab (removed whole, with its own checks), and never what another kubelet uses.
 */
export function pathClaim(env: LabEnv, target: string, foreignRoots: Set<string>): 'never' | 'foreign' | 'ours' {
  if (NEVER_TOUCHED.has(target) || isUnder(target, env.varDir)) return 'never';
  return [...foreignRoots].some((root) => isUnder(target, root) || root.startsWith(`${target}/`)) ? 'foreign' : 'ours';
}

/**
 * Whether a path of the lab's goes, by the path baseline: only when it appeared after the lab first ran
 * (`existed` false) and nothing is mounted under it; the line says what was done, or why not and how.
 */
export function removalVerdict(
  target: string,
  why: string,
  existed: boolean | undefined,
  mounted: () => boolean,
): { remove: boolean; line: string } {
  if (existed === false) {
    if (mounted())
      return { remove: false, line: `left ${target}: still mounted; remove it with \`umount -R ${target} && rm -rf ${target}\`` };
    return { remove: true, line: `removed ${target} (${why}; it appeared after the lab first ran)` };
  }
  if (existed) return { remove: false, line: `left ${target} (${why}): it was there before the lab first ran` };
  return {
    remove: false,
    line:
      `left ${target} (${why}): the lab has no record of whether it was there before; if you made it only for this lab, remove ` +
      `it with \`rm -rf ${target}\``,
  };
}

/**
 * A path outside /var/lib/mvk-lab that the lab's kubelet or its pods used: removed only when it
 * appeared after the lab first ran (the path baseline) and no other kubelet uses it; otherwise kept,
 * with the reason and the command to remove it by hand.
 */
async function removeOwnedPath(
  env: LabEnv,
  target: string,
  why: string,
  foreignRoots: Set<string>,
  log: (line: string) => void,
  options: { unmount: boolean },
): Promise<void> {
  target = path.resolve(target);
  const claim = pathClaim(env, target, foreignRoots);
  if (claim === 'never' || !existsSync(target)) return;
  if (claim === 'foreign') {
    log(`left ${target}: another kubelet on this machine uses it`);
    return;
  }
  // kubelet's own mounts in its dirs (the rshared bind of its root dir, pod volumes) go in any case: they hold no data.
  if (options.unmount) {
    const unmounted = await unmountAllUnder(target);
    if (unmounted.length > 0) log(`unmounted ${unmounted.length} mount${unmounted.length === 1 ? '' : 's'} under ${target}`);
  }
  const verdict = removalVerdict(target, why, readPathBaseline(env)?.existed[target], () => mountsUnder(target).length > 0);
  if (verdict.remove) removeTree(target);
  log(verdict.line);
}

/**
 * KUBE- chains that appeared after the lab first ran go (no kubelet is left to need them); without a
 * baseline they are listed with the commands instead, as they may be another cluster's.
 */
async function removeKubeletChains(env: LabEnv, log: (line: string) => void): Promise<void> {
  const rules = kubeChainsNow();
  if (!rules || rules.chains.length === 0) return;
  const before = readPathBaseline(env)?.kubeChains;
  if (!before) {
    log(
      `left iptables chains ${rules.chains.join(', ')}: the lab has no record of whether they were there before; kubelet adds ` +
        'them unless --make-iptables-util-chains=false. If no Kubernetes should run here, remove them with: ' +
        removalCommands(rules, rules.chains).map(asShell).join('; '),
    );
    return;
  }
  const added = rules.chains.filter((chain) => !before.includes(chain));
  if (added.length === 0) return;
  const failed = await runRemoval(removalCommands(rules, added));
  if (failed.length === 0) log(`removed iptables chains kubelet added (${added.join(', ')})`);
  else log(`left iptables chains of kubelet's: ${failed.length} command(s) failed; run them by hand: ${failed.map(asShell).join('; ')}`);
}

/**
 * What would stop `lab apply 1` now: the lab's ports taken, a kubelet serving this repo, containers of
 * the lab's pods. Empty means the machine is ready for step 1.
 */
export async function inTheWay(env: LabEnv, machine: Machine, footprints: KubeletFootprint[]): Promise<string[]> {
  const blockers: string[] = [];
  for (const kubelet of labKubelets(env, machine.processes())) blockers.push(`kubelet pid ${kubelet.pid} still serves ${env.podsDir}`);
  // The footprints seen before reset began: their node names still mark a static pod as the lab's.
  const owned = labOwnership(env, footprints);
  for (const c of await machine.docker.podContainers().catch(() => []))
    if (isLabContainer(c, owned)) blockers.push(`container ${c.name.slice(0, 60)} (${c.status})`);
  for (const holder of machine.portHolders(labPorts({ addressed: true })))
    blockers.push(`${holder.address}:${holder.port} is held by ${holder.name ?? 'a process'}${holder.pid ? ` (pid ${holder.pid})` : ''}`);
  return blockers;
}

/** Waits up to `ms` for `check` to come back empty (a removed container's ports close a moment later). */
async function settle(check: () => Promise<string[]>, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = await check();
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}

export class ResetIncompleteError extends LabError {
  constructor(readonly blockers: string[]) {
    super(
      `reset is not complete: ${blockers.length} thing${blockers.length === 1 ? '' : 's'} would still stop step 1 (${blockers.slice(0, 3).join('; ')}` +
        `${blockers.length > 3 ? '; …' : ''})`,
      'stop what is listed (the lab never stops processes it did not start), then run `lab reset` again',
    );
  }
}

/**
 * A kubelet the lab did not start that keeps its state under the lab's directory (another copy of the
 * lab, run from another work directory) runs pods as the lab's node: reset would take its containers
 * and race it deleting the directory. Nothing is touched; the student is told whose kubelet it is.
 */
function refuseSharedVarDir(env: LabEnv, foreign: { kubelet: KubeletProcess; footprint: KubeletFootprint }[]): void {
  const sharing = foreign.find(
    ({ footprint }) => isUnder(footprint.rootDir, env.varDir) || isUnder(footprint.dockershimRootDir, env.varDir),
  );
  if (!sharing) return;
  const pods = flagPath(sharing.kubelet, 'pod-manifest-path');
  throw new LabError(
    `kubelet pid ${sharing.kubelet.pid} keeps its state in ${sharing.footprint.rootDir}, under the lab's ${env.varDir}, but serves ` +
      `${pods ?? 'no --pod-manifest-path'}, not this lab's ${env.podsDir}; reset touched nothing`,
    pods
      ? `if it is another copy of the lab, reset that one first (\`MVK_WORK_DIR=${path.dirname(pods)} lab reset\`); otherwise stop that kubelet, then run \`lab reset\` again`
      : 'stop that kubelet, then run `lab reset` again',
  );
}

/**
 * Returns the machine to before step 1. Every step tolerates the previous one being half done, so an
 * interrupted reset is finished by the next. Returns what it did; an empty list means nothing to do.
 * Throws ResetIncompleteError when, after its work, something would still stop `lab apply 1`.
 */
export async function resetLab(env: LabEnv, options: ResetOptions): Promise<string[]> {
  const done: string[] = [];
  const log = (line: string) => {
    done.push(line);
    options.log(line);
  };
  const docker = options.docker ?? new DockerDriver();
  // 0. Before anything stops: whose kubelets and pods these are. A kubelet sharing the lab's directory stops reset before it writes anything.
  const foreign = foreignKubelets(env).map((kubelet) => ({ kubelet, footprint: footprintOf(kubelet) }));
  refuseSharedVarDir(env, foreign);
  const foreignRoots = new Set(foreign.map(({ footprint }) => footprint.rootDir));
  const footprints = labFootprints(env);
  // Written down before kubelet stops, so a reset interrupted after that still knows whose pods these are.
  rememberFootprints(env, { kubelets: labKubelets(env).map((k) => footprintOf(k)) });

  // 1. kubelet first, so nothing restarts the containers we remove.
  const stopped = await stopLabKubelets(env);
  if (stopped.length > 0) log(`stopped kubelet (pid ${stopped.join(', ')})`);
  // dockershim's socket path is fixed in 1.19; remove it only when no kubelet at all is left to own it.
  if (existsSync(DOCKERSHIM_SOCKET) && allKubelets().length === 0) {
    rmSync(DOCKERSHIM_SOCKET, { force: true });
    log(`removed ${DOCKERSHIM_SOCKET}`);
  }

  // 2. containers of the lab's pods, under any node name its kubelets used; their hostPath volumes noted first.
  const owned = labOwnership(env, footprints);
  const uids = owned.uids;
  let dockerDown: DockerDownError | undefined;
  let hostPaths: string[] = [];
  try {
    const containers = await labContainers(env, docker, owned);
    hostPaths = await hostPathsOf(
      docker,
      containers.map((c) => c.id),
      footprints,
    );
    rememberFootprints(env, { hostPaths });
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
      throw new LabError(
        `${left[0]} is still mounted, so ${env.varDir} is not deleted`,
        `unmount it by hand (\`umount -l ${left[0]}\`) and run \`lab reset\` again`,
      );
    }
    removeTree(env.varDir);
    log(`removed ${env.varDir} (kubelet state and etcd data)`);
  }

  // 4a. the same outside /var/lib/mvk-lab, for a kubelet or pods the student set up their own way.
  if (!dockerDown) {
    for (const footprint of footprints) {
      await removeOwnedPath(env, footprint.rootDir, "kubelet's root dir", foreignRoots, log, { unmount: true });
      await removeOwnedPath(env, footprint.dockershimRootDir, "dockershim's state", foreignRoots, log, { unmount: true });
    }
    for (const hostPath of new Set([...readFootprints(env).hostPaths, ...hostPaths]))
      await removeOwnedPath(env, hostPath, "a hostPath volume of the lab's pods", foreignRoots, log, { unmount: false });
  }

  // 4b. kubelet's kubepods cgroups (systemd slices with the systemd driver), once no kubelet at all is
  // left to use them; only empty trees go.
  if (!dockerDown && allKubelets().length === 0) {
    const trees = await removeEmptyKubepods();
    if (trees > 0) log(`removed kubelet's pod cgroups (${trees} kubepods tree${trees === 1 ? '' : 's'})`);
  }

  // 4c. kubelet's own iptables chains (a kubelet without --make-iptables-util-chains=false), once no kubelet is left.
  if (allKubelets().length === 0) await removeKubeletChains(env, log);

  // 4d. kernel settings kubelet changed at start, back to the machine's own values.
  for (const line of restoreKernelBaseline(env)) log(line);

  // 5. the student's files go to a backup, never to the bin.
  const files = studentFiles(env);
  if (files.length > 0) {
    const stamp = timestamp();
    for (const file of files) backupFile(env, file, stamp);
    log(`moved ${files.map((f) => path.relative(env.repoRoot, f)).join(', ')} to .lab/backups/${stamp}/`);
  }

  // 6. the lab's own bookkeeping (the path baseline stays: it describes the machine before the lab).
  for (const file of [kubeletLogFile(env), kubeletPidFile(env), progressFile(env), footprintFile(env)]) {
    if (existsSync(file)) {
      rmSync(file, { force: true });
      done.push(`removed ${path.relative(env.repoRoot, file)}`);
    }
  }

  if (dockerDown) {
    throw new LabError(
      `${dockerDown.message}, so the lab's containers could not be removed`,
      `${dockerDown.hint}, then run \`lab reset\` again`,
      { exitCode: dockerDown.exitCode },
    );
  }
  // 7. the truth: would `lab apply 1` find the machine free?
  const machine = realMachine(docker);
  const blockers = await settle(() => inTheWay(env, machine, footprints), 10_000);
  if (blockers.length > 0) {
    for (const blocker of blockers) options.log(`still in the way: ${blocker}`);
    throw new ResetIncompleteError(blockers);
  }
  return done;
}
