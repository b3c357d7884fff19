import type { ClusterSnapshot } from '../snapshot.ts';

/** How a part of the cluster map is drawn: working, broken, on its way, or not there yet. */
export type PartState = 'ok' | 'bad' | 'wait' | 'off';

export type PartId = 'kubelet' | 'pods' | 'hello' | 'etcd' | 'apiserver' | 'kubeconfig' | 'node' | 'serviceAccount' | 'nginx' | 'curl';

export interface MapPart {
  id: PartId;
  label: string;
  state: PartState;
  /** Short live detail: "pid 123", "Ready", "172.17.0.3". */
  detail: string;
  /** The step that builds this part; the map shows a part once the student has reached its step. */
  step: number;
}

function kubeletPart(s: ClusterSnapshot): MapPart {
  return { id: 'kubelet', label: 'kubelet', step: 1, state: s.kubelet.running ? 'ok' : 'off', detail: s.kubelet.running ? `pid ${s.kubelet.pid}` : 'not running' };
}

function podsPart(s: ClusterSnapshot): MapPart {
  const count = s.podFiles.length;
  const files = count === 0 ? 'empty' : `${count} file${count === 1 ? '' : 's'}`;
  return { id: 'pods', label: 'pods/', step: 1, state: s.kubelet.running ? 'ok' : s.podFiles.length > 0 ? 'wait' : 'off', detail: files };
}

function staticPodPart(s: ClusterSnapshot, id: 'hello' | 'etcd' | 'apiserver', step: number, file: string): MapPart {
  const fact = s.staticPods[id === 'apiserver' ? 'kube-apiserver' : id];
  const label = id;
  const hasFile = s.podFiles.includes(file);
  if (!fact) return { id, label, step, state: hasFile ? 'wait' : 'off', detail: hasFile ? 'starting' : 'no pod' };
  if (fact.state === 'running') {
    if (id === 'apiserver' && s.apiserver !== 'up') return { id, label, step, state: 'wait', detail: 'not healthy yet' };
    return { id, label, step, state: 'ok', detail: id === 'hello' ? 'running' : id === 'etcd' ? ':2379' : ':8080' };
  }
  // hello's echo exits at once: an exit code 0 is success, and kubelet restarts it.
  if (id === 'hello' && fact.exitCode === 0) return { id, label, step, state: 'ok', detail: 'ran, exit 0' };
  return { id, label, step, state: 'bad', detail: fact.exitCode !== undefined ? `exited ${fact.exitCode}` : fact.status.toLowerCase() };
}

function kubeconfigPart(s: ClusterSnapshot): MapPart {
  if (s.kubelet.withKubeconfig) return { id: 'kubeconfig', label: 'kubeconfig', step: 4, state: 'ok', detail: '→ apiserver' };
  return { id: 'kubeconfig', label: 'kubeconfig', step: 4, state: s.kubeconfigFile ? 'wait' : 'off', detail: s.kubeconfigFile ? 'kubelet not using it' : 'no file' };
}

function nodePart(s: ClusterSnapshot): MapPart {
  if (!s.node) return { id: 'node', label: 'node', step: 4, state: 'off', detail: 'not registered' };
  return { id: 'node', label: 'node', step: 4, state: s.node.ready ? 'ok' : 'wait', detail: s.node.ready ? 'Ready' : 'NotReady' };
}

function serviceAccountPart(s: ClusterSnapshot): MapPart {
  const sa = s.serviceAccount;
  if (!sa) return { id: 'serviceAccount', label: 'sa default', step: 5, state: 'off', detail: 'missing' };
  return sa.automountToken === false
    ? { id: 'serviceAccount', label: 'sa default', step: 5, state: 'ok', detail: 'no token' }
    : { id: 'serviceAccount', label: 'sa default', step: 5, state: 'bad', detail: 'wants a token' };
}

function nginxPart(s: ClusterSnapshot): MapPart {
  const pod = s.pods.nginx;
  if (!pod) return { id: 'nginx', label: 'nginx', step: 6, state: 'off', detail: 'no pod' };
  if (pod.phase === 'Running' && pod.ip) return { id: 'nginx', label: 'nginx', step: 6, state: 'ok', detail: pod.ip };
  if (pod.phase === 'Failed') return { id: 'nginx', label: 'nginx', step: 6, state: 'bad', detail: 'Failed' };
  return { id: 'nginx', label: 'nginx', step: 6, state: 'wait', detail: pod.nodeName ? pod.phase : `${pod.phase}, no node` };
}

function curlPart(s: ClusterSnapshot): MapPart {
  const pod = s.pods.curl;
  if (!pod) return { id: 'curl', label: 'curl', step: 6, state: 'off', detail: 'no pod' };
  if (pod.phase === 'Succeeded') return { id: 'curl', label: 'curl', step: 6, state: 'ok', detail: 'fetched the page' };
  if (pod.phase === 'Failed') return { id: 'curl', label: 'curl', step: 6, state: 'bad', detail: 'Failed' };
  return { id: 'curl', label: 'curl', step: 6, state: 'wait', detail: pod.phase };
}

/** Every part of the map, in drawing order, with its live state. */
export function mapParts(s: ClusterSnapshot): MapPart[] {
  return [
    kubeletPart(s),
    podsPart(s),
    staticPodPart(s, 'hello', 1, 'hello.yaml'),
    staticPodPart(s, 'etcd', 2, 'etcd.yaml'),
    staticPodPart(s, 'apiserver', 3, 'apiserver.yaml'),
    kubeconfigPart(s),
    nodePart(s),
    serviceAccountPart(s),
    nginxPart(s),
    curlPart(s),
  ];
}

/** The parts a student who has reached `throughStep` sees: the map grows step by step. */
export function visibleParts(s: ClusterSnapshot, throughStep: number): MapPart[] {
  return mapParts(s).filter((part) => part.step <= throughStep);
}
