import { existsSync, readdirSync } from 'node:fs';
import type { LabEnv } from './context.ts';
import type { DockerDriver, PodContainer } from './drivers/docker.ts';
import { httpGet, parseJson } from './drivers/http.ts';
import { labKubelets } from './drivers/kubelet.ts';
import { withLiveNode } from './labNode.ts';

/**
 * A cheap, read-only picture of the lab's machine: one process scan, one Docker listing and a few
 * GETs on the apiserver. The walkthrough's cluster map draws it; probes stay the judge of a step.
 */
export interface ContainerFact {
  state: 'running' | 'exited' | 'other';
  /** Exit code of the newest container when it has exited (parsed from Docker's status text). */
  exitCode?: number;
  status: string;
}

export interface PodFact {
  phase: string;
  ip?: string;
  nodeName?: string;
}

export interface ClusterSnapshot {
  /** The node's name as the live kubelet has it (the lab's mvk-node, or the student's own). */
  nodeName: string;
  kubelet: { running: boolean; pid?: number; withKubeconfig: boolean };
  podFiles: string[];
  kubeconfigFile: boolean;
  docker: 'up' | 'down';
  /** Newest app container (not the sandbox) of each static pod, by pod name without the node suffix. */
  staticPods: Partial<Record<'hello' | 'etcd' | 'kube-apiserver', ContainerFact>>;
  apiserver: 'up' | 'down';
  node?: { ready: boolean };
  serviceAccount?: { automountToken: boolean | undefined };
  pods: Partial<Record<'nginx' | 'curl', PodFact>>;
}

export function exitCodeOf(status: string): number | undefined {
  const match = /^Exited \((-?\d+)\)/.exec(status);
  return match ? Number(match[1]) : undefined;
}

export function containerFact(container: PodContainer): ContainerFact {
  const state = container.state === 'running' ? 'running' : container.state === 'exited' ? 'exited' : 'other';
  const exitCode = state === 'exited' ? exitCodeOf(container.status) : undefined;
  return { state, status: container.status, ...(exitCode !== undefined ? { exitCode } : {}) };
}

function listPodFiles(env: LabEnv): string[] {
  try {
    return readdirSync(env.podsDir).filter((name) => !name.startsWith('.')).sort();
  } catch {
    return [];
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const reply = await httpGet(url, 2000);
    return { status: reply.status, body: parseJson(reply.body) };
  } catch {
    return undefined;
  }
}

async function staticPodFacts(env: LabEnv, docker: DockerDriver): Promise<{ docker: 'up' | 'down'; staticPods: ClusterSnapshot['staticPods'] }> {
  const staticPods: ClusterSnapshot['staticPods'] = {};
  let containers: PodContainer[];
  try {
    containers = await docker.podContainers();
  } catch {
    return { docker: 'down', staticPods };
  }
  const roles = { hello: 'hello', etcd: 'etcd', 'kube-apiserver': 'apiserver' } as const;
  for (const [pod, role] of Object.entries(roles) as [keyof typeof roles, (typeof roles)[keyof typeof roles]][]) {
    // The student may name the pod otherwise; pods/ says how (withLiveNode).
    const name = env.staticPods?.[role]?.name ?? pod;
    // podContainers() lists newest first, so the first match is the current attempt.
    const newest = containers.find((c) => c.podName === `${name}-${env.nodeName}` && c.containerName !== 'POD');
    if (newest) staticPods[pod] = containerFact(newest);
  }
  return { docker: 'up', staticPods };
}

interface ApiPod {
  metadata?: { name?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

async function apiFacts(env: LabEnv): Promise<Pick<ClusterSnapshot, 'apiserver' | 'node' | 'serviceAccount' | 'pods'>> {
  const health = await getJson(`${env.apiserverUrl}/healthz`);
  if (!health || health.status !== 200) return { apiserver: 'down', pods: {} };
  const [node, account, pods] = await Promise.all([
    getJson(`${env.apiserverUrl}/api/v1/nodes/${env.nodeName}`),
    getJson(`${env.apiserverUrl}/api/v1/namespaces/default/serviceaccounts/default`),
    getJson(`${env.apiserverUrl}/api/v1/namespaces/default/pods`),
  ]);
  const result: Pick<ClusterSnapshot, 'apiserver' | 'node' | 'serviceAccount' | 'pods'> = { apiserver: 'up', pods: {} };
  if (node?.status === 200) {
    const conditions = (node.body as { status?: { conditions?: { type: string; status: string }[] } })?.status?.conditions ?? [];
    result.node = { ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True') };
  }
  if (account?.status === 200) {
    result.serviceAccount = { automountToken: (account.body as { automountServiceAccountToken?: boolean })?.automountServiceAccountToken };
  }
  for (const item of (pods?.body as { items?: ApiPod[] } | undefined)?.items ?? []) {
    const name = item.metadata?.name;
    if (name !== 'nginx' && name !== 'curl') continue;
    result.pods[name] = { phase: item.status?.phase ?? 'Unknown', ...(item.status?.podIP ? { ip: item.status.podIP } : {}), ...(item.spec?.nodeName ? { nodeName: item.spec.nodeName } : {}) };
  }
  return result;
}

export async function clusterSnapshot(labEnv: LabEnv, docker: DockerDriver): Promise<ClusterSnapshot> {
  const kubelets = labKubelets(labEnv);
  const kubelet = kubelets[0];
  const env = withLiveNode(labEnv, kubelets);
  const [containers, api] = await Promise.all([staticPodFacts(env, docker), apiFacts(env)]);
  return {
    nodeName: env.nodeName,
    kubelet: { running: Boolean(kubelet), ...(kubelet ? { pid: kubelet.pid } : {}), withKubeconfig: Boolean(kubelet?.flags.has('kubeconfig')) },
    podFiles: listPodFiles(env),
    kubeconfigFile: existsSync(env.kubeconfigFile),
    ...containers,
    ...api,
  };
}
