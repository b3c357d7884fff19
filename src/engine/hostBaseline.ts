import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../core/context.ts';
import { kubeChainsNow } from '../machine/iptables.ts';
import { allKubelets } from '../machine/kubelet.ts';
import { recordKernelBaseline } from './kernelSettings.ts';
import { KUBELET_DEFAULT_DOCKERSHIM_ROOT, KUBELET_DEFAULT_ROOT_DIR } from './labNode.ts';
import { lintPodsDir } from './manifestLint.ts';

/**
 * Host paths (and iptables chains) a hand-built cluster commonly writes to outside the lab's own /var/lib/mvk-lab: kubelet's
 * and dockershim's default state, the article's etcd data dir, kubeadm-style config, the apiserver's
 * default cert dir. Whether each existed before the lab's first kubelet decides whether `lab reset`
 * may remove it: only what appeared afterwards, and was used by the lab's kubelet or its pods, is the lab's.
 */
export const WELL_KNOWN_PATHS = [
  KUBELET_DEFAULT_ROOT_DIR,
  KUBELET_DEFAULT_DOCKERSHIM_ROOT,
  '/var/lib/etcd',
  '/etc/kubernetes',
  '/var/run/kubernetes',
];

export const pathBaselineFile = (env: LabEnv) => path.join(env.stateDir, 'path-baseline.json');

export interface PathBaseline {
  recordedAt: string;
  /** Path -> whether it existed then. */
  existed: Record<string, boolean>;
  /** iptables chains named KUBE-* that existed then ("table/chain"); absent when iptables could not be read. */
  kubeChains?: string[];
}

/** hostPath sources the files in pods/ ask for now (a student may have written them before starting kubelet). */
function manifestHostPaths(env: LabEnv): string[] {
  const paths: string[] = [];
  for (const manifest of lintPodsDir(env.podsDir, env.repoRoot).manifests) {
    for (const volume of manifest.value?.spec?.volumes ?? [])
      if (typeof volume?.hostPath?.path === 'string') paths.push(path.resolve(volume.hostPath.path));
  }
  return paths;
}

/** Notes, once and while no kubelet runs, which of those paths exist. Kept across resets: it describes the machine before the lab. */
export function recordPathBaseline(env: LabEnv): void {
  const file = pathBaselineFile(env);
  if (existsSync(file) || allKubelets().length > 0) return;
  const existed: Record<string, boolean> = {};
  for (const candidate of [...WELL_KNOWN_PATHS, ...manifestHostPaths(env)]) existed[candidate] = existsSync(candidate);
  const kubeChains = kubeChainsNow()?.chains;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ recordedAt: new Date().toISOString(), existed, ...(kubeChains ? { kubeChains } : {}) } satisfies PathBaseline, null, 2)}` +
        `\n`,
    );
  } catch {
    // a read-only checkout: reset then removes no path outside /var/lib/mvk-lab, and lists them instead
  }
}

export function readPathBaseline(env: LabEnv): PathBaseline | undefined {
  try {
    return JSON.parse(readFileSync(pathBaselineFile(env), 'utf8')) as PathBaseline;
  } catch {
    return undefined;
  }
}

/**
 * What the machine was like before the lab's first kubelet (kernel settings kubelet changes, Kubernetes
 * paths that existed): recorded wherever a kubelet may be about to start, by the lab or by the student.
 */
export function recordMachineBaseline(env: LabEnv): void {
  recordKernelBaseline(env);
  recordPathBaseline(env);
}
