import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { NODE_NAME, type LabEnv } from '../core/context.ts';
import type { DockerDriver, PodContainer } from '../machine/docker.ts';
import { allKubelets, labKubelets } from '../machine/kubelet.ts';
import { readPathBaseline } from './hostBaseline.ts';
import {
  footprintOf,
  KUBELET_DEFAULT_DOCKERSHIM_ROOT,
  KUBELET_DEFAULT_ROOT_DIR,
  readFootprints,
  type KubeletFootprint,
} from './labNode.ts';

/**
 * What on this machine is the lab's, the one rule reset, preflight, the doctor and `lab status` go by:
 * a kubelet is the lab's when it serves this repo's pods/ (labKubelets, machine/kubelet.ts); a container
 * when its pod or sandbox is one of the lab's kubelets' or it is a static pod of one of the lab's node
 * names. Anything else belongs to someone else and is never touched.
 */

/** Entries of a directory, none when it cannot be read. */
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Every kubelet footprint that is the lab's: its own conventions, every kubelet seen serving this
 * repo's pods/ (running now or remembered), and kubelet's default dirs when they appeared after the lab
 * first ran. A footprint whose root dir a kubelet of someone else's uses now is never the lab's.
 */
export function labFootprints(env: LabEnv, kubelets = allKubelets()): KubeletFootprint[] {
  const ours = labKubelets(env, kubelets).map((k) => footprintOf(k));
  const baseline = readPathBaseline(env);
  const footprints: KubeletFootprint[] = [
    { nodeName: NODE_NAME, rootDir: env.kubeletRootDir, dockershimRootDir: env.dockershimRootDir },
    ...readFootprints(env).kubelets,
    ...ours,
  ];
  if (baseline && baseline.existed[KUBELET_DEFAULT_ROOT_DIR] === false && existsSync(KUBELET_DEFAULT_ROOT_DIR)) {
    footprints.push({ nodeName: '', rootDir: KUBELET_DEFAULT_ROOT_DIR, dockershimRootDir: KUBELET_DEFAULT_DOCKERSHIM_ROOT });
  }
  const foreign = foreignKubelets(env, kubelets).map((k) => footprintOf(k));
  const foreignRoots = new Set(foreign.map((f) => f.rootDir));
  const foreignNames = new Set(foreign.map((f) => f.nodeName));
  const seen = new Set<string>();
  // A node name another kubelet uses too says nothing about whose a container is.
  return footprints
    .map((f) => (foreignNames.has(f.nodeName) ? { ...f, nodeName: '' } : f))
    .filter((f) => {
      const key = `${f.nodeName}|${f.rootDir}|${f.dockershimRootDir}`;
      if (seen.has(key) || foreignRoots.has(f.rootDir)) return false;
      seen.add(key);
      return true;
    });
}

/** Kubelets that do not serve this repo's pods/: another Kubernetes on this machine, never touched. */
export function foreignKubelets(env: LabEnv, kubelets = allKubelets()) {
  const ours = new Set(labKubelets(env, kubelets).map((k) => k.pid));
  return kubelets.filter((k) => !ours.has(k.pid));
}

/** What marks a container as the lab's: its pod's UID, its sandbox's checkpoint, or a static pod of one of the lab's node names. */
export interface LabOwnership {
  uids: Set<string>;
  sandboxIds: Set<string>;
  nodeNames: Set<string>;
}

export function labOwnership(env: LabEnv, footprints = labFootprints(env)): LabOwnership {
  return {
    // kubelet keeps a directory per pod UID under its root dir; dockershim a checkpoint per sandbox until it is removed.
    uids: new Set(footprints.flatMap((f) => entries(path.join(f.rootDir, 'pods')))),
    sandboxIds: new Set(footprints.flatMap((f) => entries(path.join(f.dockershimRootDir, 'sandbox')))),
    nodeNames: new Set(footprints.map((f) => f.nodeName).filter(Boolean)),
  };
}

/** A container belongs to the lab if its pod or sandbox is a lab kubelet's, or it is a static pod of a lab node. */
export function isLabContainer(container: { podUid: string; podName: string; sandboxId: string }, owned: LabOwnership): boolean {
  return (
    owned.uids.has(container.podUid) ||
    (container.sandboxId !== '' && owned.sandboxIds.has(container.sandboxId)) ||
    [...owned.nodeNames].some((node) => container.podName.endsWith(`-${node}`))
  );
}

/** The containers of the lab's pods, by the rule above. */
export async function labContainers(env: LabEnv, docker: DockerDriver, owned = labOwnership(env)): Promise<PodContainer[]> {
  return (await docker.podContainers()).filter((c) => isLabContainer(c, owned));
}
