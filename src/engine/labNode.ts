import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { NODE_NAME, type LabEnv } from '../core/context.ts';
import { flagPath, labKubelets, type KubeletProcess } from '../machine/kubelet.ts';
import { lintPodsDir, type LintedManifest } from './manifestLint.ts';
import { nodeJoinsAt, staticPodsOf, type DeclaredStaticPod } from '../content/declared.ts';
import type { StaticPodSpec } from '../content/schema.ts';
import { labDeclarations } from './steps.ts';

/** kubelet 1.19's defaults for the flags that decide where its state lives. */
export const KUBELET_DEFAULT_ROOT_DIR = '/var/lib/kubelet';
export const KUBELET_DEFAULT_DOCKERSHIM_ROOT = '/var/lib/dockershim';

/**
 * Where a kubelet that served this repo's pods/ leaves its marks: the node name its pods are named
 * after, its root dir (a directory per pod UID) and dockershim's (a checkpoint per sandbox). The lab's
 * own kubelet uses mvk-node and /var/lib/mvk-lab; a student's may use the host name and kubelet's defaults.
 */
export interface KubeletFootprint {
  nodeName: string;
  rootDir: string;
  dockershimRootDir: string;
  /** Its --kubeconfig, resolved, when it has one. */
  kubeconfig?: string;
}

/** The node name kubelet 1.19 registers under: --hostname-override, else the host name, trimmed and lower-cased (nodeutil.GetHostname). */
export function kubeletNodeName(kubelet: Pick<KubeletProcess, 'flags'>, hostName = hostname()): string {
  const override = kubelet.flags.get('hostname-override')?.trim();
  return (override || hostName).trim().toLowerCase();
}

export function footprintOf(kubelet: KubeletProcess, hostName = hostname()): KubeletFootprint {
  const kubeconfig = flagPath(kubelet, '--kubeconfig');
  return {
    nodeName: kubeletNodeName(kubelet, hostName),
    rootDir: flagPath(kubelet, '--root-dir') ?? KUBELET_DEFAULT_ROOT_DIR,
    dockershimRootDir: flagPath(kubelet, '--experimental-dockershim-root-directory') ?? KUBELET_DEFAULT_DOCKERSHIM_ROOT,
    ...(kubeconfig ? { kubeconfig } : {}),
  };
}

/** Every footprint a kubelet of this repo has left, newest last, plus host paths its pods mounted. */
export interface FootprintRecord {
  kubelets: KubeletFootprint[];
  /** hostPath sources the lab's pods mounted (written by reset before it removes their containers). */
  hostPaths: string[];
}

export const footprintFile = (env: LabEnv) => path.join(env.stateDir, 'kubelets.json');

export function readFootprints(env: LabEnv): FootprintRecord {
  try {
    const parsed = JSON.parse(readFileSync(footprintFile(env), 'utf8')) as Partial<FootprintRecord>;
    return {
      kubelets: Array.isArray(parsed.kubelets) ? parsed.kubelets : [],
      hostPaths: Array.isArray(parsed.hostPaths) ? parsed.hostPaths : [],
    };
  } catch {
    return { kubelets: [], hostPaths: [] };
  }
}

const sameFootprint = (a: KubeletFootprint, b: KubeletFootprint) =>
  a.nodeName === b.nodeName && a.rootDir === b.rootDir && a.dockershimRootDir === b.dockershimRootDir && a.kubeconfig === b.kubeconfig;

/** Adds what was seen to the record; writes only when something is new, so a poll costs one read. */
export function rememberFootprints(env: LabEnv, seen: { kubelets?: KubeletFootprint[]; hostPaths?: string[] }): void {
  const record = readFootprints(env);
  let changed = false;
  for (const footprint of seen.kubelets ?? []) {
    const last = record.kubelets.at(-1);
    if (last && sameFootprint(last, footprint)) continue;
    record.kubelets = [...record.kubelets.filter((k) => !sameFootprint(k, footprint)), footprint];
    changed = true;
  }
  for (const hostPath of seen.hostPaths ?? []) {
    if (record.hostPaths.includes(hostPath)) continue;
    record.hostPaths.push(hostPath);
    changed = true;
  }
  if (!changed) return;
  try {
    mkdirSync(env.stateDir, { recursive: true });
    writeFileSync(footprintFile(env), `${JSON.stringify(record, null, 2)}\n`);
  } catch {
    // a read-only checkout: the node name is still learned from the running kubelet
  }
}

/** How the lab knows the node's name: from the running kubelet, from the last one it saw, or its own default. */
export type NodeNameSource = 'kubelet' | 'record' | 'lab';

export interface LiveNode {
  name: string;
  source: NodeNameSource;
  footprint?: KubeletFootprint;
}

/**
 * The node as it runs now. A kubelet serving this repo's pods/ decides the name (and is remembered,
 * so the name is still known while it is stopped for a restart); with none ever seen, the lab's own
 * `mvk-node`.
 */
export function liveNode(env: LabEnv, kubelets = labKubelets(env)): LiveNode {
  const running = kubelets[0];
  if (running) {
    const footprint = footprintOf(running);
    rememberFootprints(env, { kubelets: [footprint] });
    return { name: footprint.nodeName, source: 'kubelet', footprint };
  }
  const last = readFootprints(env).kubelets.at(-1);
  if (last) return { name: last.nodeName, source: 'record', footprint: last };
  return { name: NODE_NAME, source: 'lab' };
}

/** A static pod's role as the steps declare it (`staticPods` in step.yaml): hello, etcd, apiserver, … */
export type StaticPodRole = string;

let declared: Record<StaticPodRole, DeclaredStaticPod> | undefined;

let joins: number | undefined;

/** The step of the lab from which kubelet is registered with the API (read once). */
export const labNodeJoinsAt = (): number => (joins ??= nodeJoinsAt(labDeclarations()));

/** The static pods the lab's steps introduce, by role, with the lessons' names (read once). */
export function labStaticPods(): Record<StaticPodRole, DeclaredStaticPod> {
  return (declared ??= staticPodsOf(labDeclarations()));
}

export interface StaticPodRef {
  name: string;
  namespace: string;
  /** The file in pods/ that defines it, relative to the repo (the lesson's name when there is none). */
  file: string;
}

/** The program a container runs: its command's first word, else its image's name. */
export const programOf = (container: any) =>
  path.basename(String(container?.command?.[0] ?? container?.image ?? '').replace(/[:@].*$/, ''));

/**
 * Which file in pods/ defines each role's pod, and under which name and namespace: the lesson's pod
 * name in any namespace first, else the pod whose first container runs the role's program (a student
 * may call etcd `etcd-server`, or leave out `namespace: kube-system`).
 */
export function staticPodRefs(
  env: LabEnv,
  manifests: LintedManifest[] = lintPodsDir(env.podsDir, env.repoRoot).manifests,
): Record<StaticPodRole, StaticPodRef> {
  const refs: Record<StaticPodRole, StaticPodRef> = {};
  const pods = manifests.filter((m) => m.podName);
  for (const [role, lesson] of Object.entries(labStaticPods())) {
    const found =
      pods.find((m) => m.podName === lesson.name) ??
      (lesson.program ? pods.find((m) => programOf(m.value?.spec?.containers?.[0]) === lesson.program) : undefined);
    refs[role] = found
      ? { name: found.podName!, namespace: found.namespace ?? 'default', file: found.file }
      : lessonStaticPodRef(env, role, lesson);
  }
  return refs;
}

/** Where the lesson puts a role's pod: its name and namespace, in pods/<role>.yaml. */
export function lessonStaticPodRef(env: LabEnv, role: StaticPodRole, lesson: StaticPodSpec): StaticPodRef {
  // The role in kebab case, as lessons name files: controllerManager -> pods/controller-manager.yaml.
  const base = role.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  return { name: lesson.name, namespace: lesson.namespace, file: path.relative(env.repoRoot, path.join(env.podsDir, `${base}.yaml`)) };
}

/** The environment as the machine runs it: node name from the live kubelet, static pods as the files in pods/ name them. */
export function withLiveNode(env: LabEnv, kubelets?: KubeletProcess[], manifests?: LintedManifest[]): LabEnv & { node: LiveNode } {
  const node = liveNode(env, kubelets);
  return { ...env, nodeName: node.name, node, staticPods: staticPodRefs(env, manifests) };
}
