import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { mapParts, type MapPart } from './clusterMap.ts';
import type { DeclaredMapPart } from '../content/declared.ts';
import type { MapPartSpec } from '../content/schema.ts';
import type { LabEnv } from '../core/context.ts';
import { exitCodeOf, type ContainerFact } from '../machine/containerFact.ts';
import type { PodContainer } from '../machine/docker.ts';
import { parseJson } from '../machine/http.ts';
import { labKubelets } from '../machine/kubelet.ts';
import type { Docker, Machine } from '../machine/machine.ts';
import { withLiveNode } from './labNode.ts';

/**
 * A cheap, read-only picture of the lab's machine: one process scan, one Docker listing and a few
 * GETs on the apiserver. The walkthrough's cluster map draws it; probes stay the judge of a step.
 */
export interface PodFact {
  phase: string;
  ip?: string;
  nodeName?: string;
}

/** What the map knows of a static pod the steps declare. */
export interface StaticPodFact {
  /** Its newest app container (not the sandbox), when Docker has one. */
  container?: ContainerFact;
  /** pods/ has the file that defines it. */
  file: boolean;
}

/** What was read from the machine, for the parts the steps declare (content/declared.ts). */
export interface ClusterFacts {
  /** The node's name as the live kubelet has it (the lab's mvk-node, or the student's own). */
  nodeName: string;
  kubelet: { running: boolean; pid?: number; withKubeconfig: boolean };
  podFiles: string[];
  kubeconfigFile: boolean;
  docker: 'up' | 'down';
  /** By role. */
  staticPods: Record<string, StaticPodFact>;
  /** The declared health URLs, each true when it answered 200. */
  healthy: Record<string, boolean>;
  apiserver: 'up' | 'down';
  node?: { ready: boolean };
  /** The declared API objects that exist, by path. */
  objects: Record<string, unknown>;
  /** The declared pods the API has, by `namespace/name`. */
  pods: Record<string, PodFact>;
}

/** The facts and the map drawn from them: what the walkthrough shows. */
export interface ClusterSnapshot extends ClusterFacts {
  parts: MapPart[];
}

export function containerFact(container: PodContainer): ContainerFact {
  const state = container.state === 'running' ? 'running' : container.state === 'exited' ? 'exited' : 'other';
  const exitCode = state === 'exited' ? exitCodeOf(container.status) : undefined;
  return { state, status: container.status, ...(exitCode !== undefined ? { exitCode } : {}) };
}

function listPodFiles(env: LabEnv): string[] {
  try {
    return readdirSync(env.podsDir)
      .filter((name) => !name.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
}

type GetJson = (url: string) => Promise<{ status: number; body: unknown } | undefined>;

/**
 * GETs through the machine, a JSON body or nothing when the server does not answer; each URL once per
 * snapshot (the apiserver's /healthz is both the API's gate and its map part's health).
 */
function jsonGetter(machine: Machine): GetJson {
  const asked = new Map<string, ReturnType<GetJson>>();
  const get: GetJson = async (url) => {
    try {
      const reply = await machine.http(url, { timeoutMs: 2000 });
      return { status: reply.status, body: parseJson(reply.body) };
    } catch {
      return undefined;
    }
  };
  return (url) => {
    if (!asked.has(url)) asked.set(url, get(url));
    return asked.get(url)!;
  };
}

async function staticPodFacts(env: LabEnv, docker: Docker, roles: string[]): Promise<Pick<ClusterFacts, 'docker' | 'staticPods'>> {
  const staticPods: ClusterFacts['staticPods'] = {};
  let containers: PodContainer[] | undefined;
  try {
    containers = await docker.podContainers();
  } catch {
    containers = undefined;
  }
  for (const role of roles) {
    // The student may name the pod otherwise; pods/ says how (withLiveNode).
    const ref = env.staticPods?.[role];
    if (!ref) continue;
    // podContainers() lists newest first, so the first match is the current attempt.
    const newest = containers?.find((c) => c.podName === `${ref.name}-${env.nodeName}` && c.containerName !== 'POD');
    staticPods[role] = { file: existsSync(path.resolve(env.repoRoot, ref.file)), ...(newest ? { container: containerFact(newest) } : {}) };
  }
  return { docker: containers ? 'up' : 'down', staticPods };
}

interface ApiPod {
  spec?: { nodeName?: string };
  status?: { phase?: string; podIP?: string };
}

async function apiFacts(
  env: LabEnv,
  getJson: GetJson,
  specs: MapPartSpec[],
): Promise<Pick<ClusterFacts, 'apiserver' | 'node' | 'objects' | 'pods'>> {
  const health = await getJson(`${env.apiserverUrl}/healthz`);
  if (health?.status !== 200) return { apiserver: 'down', objects: {}, pods: {} };
  const result: Pick<ClusterFacts, 'apiserver' | 'node' | 'objects' | 'pods'> = { apiserver: 'up', objects: {}, pods: {} };
  await Promise.all(
    specs.map(async (spec) => {
      if (spec.kind === 'node') {
        const node = await getJson(`${env.apiserverUrl}/api/v1/nodes/${env.nodeName}`);
        if (node?.status !== 200) return;
        const conditions = (node.body as { status?: { conditions?: { type: string; status: string }[] } })?.status?.conditions ?? [];
        result.node = { ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True') };
      } else if (spec.kind === 'apiObject') {
        const object = await getJson(`${env.apiserverUrl}${spec.path}`);
        if (object?.status === 200) result.objects[spec.path] = object.body;
      } else if (spec.kind === 'apiPod') {
        const pod = await getJson(`${env.apiserverUrl}/api/v1/namespaces/${spec.namespace}/pods/${spec.pod}`);
        if (pod?.status !== 200) return;
        const { spec: podSpec, status } = pod.body as ApiPod;
        result.pods[`${spec.namespace}/${spec.pod}`] = {
          phase: status?.phase ?? 'Unknown',
          ...(status?.podIP ? { ip: status.podIP } : {}),
          ...(podSpec?.nodeName ? { nodeName: podSpec.nodeName } : {}),
        };
      }
    }),
  );
  return result;
}

/** The declared health URLs, each asked once. */
async function healthFacts(getJson: GetJson, specs: MapPartSpec[]): Promise<ClusterFacts['healthy']> {
  const urls = [...new Set(specs.flatMap((spec) => (spec.kind === 'staticPod' && spec.health ? [spec.health] : [])))];
  const answers = await Promise.all(urls.map(async (url) => [url, (await getJson(url))?.status === 200] as const));
  return Object.fromEntries(answers);
}

/** Reads the machine for the parts `declared` names, and draws the map from what it found. */
export async function clusterSnapshot(labEnv: LabEnv, machine: Machine, declared: readonly DeclaredMapPart[]): Promise<ClusterSnapshot> {
  const kubelets = labKubelets(labEnv, machine.processes());
  const kubelet = kubelets[0];
  const env = withLiveNode(labEnv, kubelets);
  const getJson = jsonGetter(machine);
  const specs = declared.map((part) => part.spec);
  const roles = specs.flatMap((spec) => (spec.kind === 'staticPod' ? [spec.pod] : []));
  const [containers, api, healthy] = await Promise.all([
    staticPodFacts(env, machine.docker, roles),
    apiFacts(env, getJson, specs),
    healthFacts(getJson, specs),
  ]);
  const facts: ClusterFacts = {
    nodeName: env.nodeName,
    kubelet: {
      running: Boolean(kubelet),
      ...(kubelet ? { pid: kubelet.pid } : {}),
      withKubeconfig: Boolean(kubelet?.flags.has('kubeconfig')),
    },
    podFiles: listPodFiles(env),
    kubeconfigFile: existsSync(env.kubeconfigFile),
    ...containers,
    healthy,
    ...api,
  };
  return { ...facts, parts: mapParts(declared, facts) };
}
