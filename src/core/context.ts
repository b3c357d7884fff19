import path from 'node:path';
import { binDir, workRoot, workStateDir } from './paths.ts';
import { registryMirror, withImageMirror } from './imageMirror.ts';
import { loadVersions, type Versions } from './versions.ts';
import type { LiveNode, StaticPodRef, StaticPodRole } from '../engine/labNode.ts';

/**
 * The node name kubelet registers under (`--hostname-override`). A fixed name keeps mirror pod names
 * (`etcd-mvk-node`) and step 6's `nodeName` identical on every machine, and tells the lab's pods apart
 * from any other kubelet's.
 */
export const NODE_NAME = 'mvk-node';

/** Host state the lab owns. Never /var/lib/kubelet or /var/lib/etcd: those may belong to a real cluster. */
export const LAB_VAR_DIR = '/var/lib/mvk-lab';

/** Everything the engine needs to know about where it runs; built once per command. */
export interface LabEnv {
  repoRoot: string;
  podsDir: string;
  kubeconfigFile: string;
  stateDir: string;
  versions: Versions;
  binDir: string;
  nodeName: string;
  varDir: string;
  kubeletRootDir: string;
  kubeletPluginDir: string;
  dockershimRootDir: string;
  etcdDataDir: string;
  /** Plain HTTP apiserver port (insecure, loopback only). */
  apiserverUrl: string;
  /** The kubelet as it runs (`withLiveNode`): what probes and diagnoses judge by; absent in the lab's plain env. */
  node?: LiveNode;
  /** Static pods by role as pods/ defines them (`withLiveNode`); absent: the lesson's names. */
  staticPods?: Record<StaticPodRole, StaticPodRef>;
}

export function labEnv(overrides: Partial<Pick<LabEnv, 'repoRoot' | 'stateDir' | 'binDir'>> = {}): LabEnv {
  // Image mirror (issue 6): the one place image names are rewritten, so manifests, kubelet flags,
  // lessons and probes all see the mirrored names.
  const versions = withImageMirror(loadVersions(), registryMirror());
  // The student's files (pods/, kubeconfig.yaml, .lab/): the checkout, or MVK_WORK_DIR (paths.ts).
  const root = overrides.repoRoot ?? workRoot();
  return {
    repoRoot: root,
    podsDir: path.join(root, 'pods'),
    kubeconfigFile: path.join(root, 'kubeconfig.yaml'),
    stateDir: overrides.stateDir ?? (overrides.repoRoot ? path.join(root, '.lab') : workStateDir()),
    versions,
    binDir: overrides.binDir ?? binDir(versions.kubernetes),
    nodeName: NODE_NAME,
    varDir: LAB_VAR_DIR,
    kubeletRootDir: path.join(LAB_VAR_DIR, 'kubelet'),
    kubeletPluginDir: path.join(LAB_VAR_DIR, 'kubelet-plugins'),
    dockershimRootDir: path.join(LAB_VAR_DIR, 'dockershim'),
    etcdDataDir: path.join(LAB_VAR_DIR, 'etcd'),
    apiserverUrl: 'http://127.0.0.1:8080',
  };
}

export function binary(env: LabEnv, name: string): string {
  return path.join(env.binDir, name);
}
