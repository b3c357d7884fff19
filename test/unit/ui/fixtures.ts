import type { ProbeResult } from '../../../src/probes/types.ts';
import type { ClusterSnapshot } from '../../../src/snapshot.ts';

/** A machine before step 1: nothing runs, pods/ is empty. */
export const emptyMachine: ClusterSnapshot = {
  nodeName: 'mvk-node',
  kubelet: { running: false, withKubeconfig: false },
  podFiles: [],
  kubeconfigFile: false,
  docker: 'up',
  staticPods: {},
  apiserver: 'down',
  pods: {},
};

/** A machine where all six steps pass. */
export const finishedMachine: ClusterSnapshot = {
  nodeName: 'mvk-node',
  kubelet: { running: true, pid: 4242, withKubeconfig: true },
  podFiles: ['apiserver.yaml', 'etcd.yaml', 'hello.yaml'],
  kubeconfigFile: true,
  docker: 'up',
  staticPods: {
    hello: { state: 'exited', exitCode: 0, status: 'Exited (0) 3 seconds ago' },
    etcd: { state: 'running', status: 'Up 5 minutes' },
    'kube-apiserver': { state: 'running', status: 'Up 5 minutes' },
  },
  apiserver: 'up',
  node: { ready: true },
  serviceAccount: { automountToken: false },
  pods: { nginx: { phase: 'Running', ip: '172.17.0.4', nodeName: 'mvk-node' }, curl: { phase: 'Succeeded', nodeName: 'mvk-node' } },
};

export function result(id: string, status: ProbeResult['status'], extra: Partial<ProbeResult> = {}): ProbeResult {
  return { step: 1, id, title: `title of ${id}`, kind: 'file', status, expected: `expected of ${id}`, seen: `seen of ${id}`, durationMs: 1, ...extra };
}
