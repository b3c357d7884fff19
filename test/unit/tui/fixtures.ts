import type { ProbeResult } from '../../../src/engine/probes/types.ts';
import { mapParts } from '../../../src/engine/clusterMap.ts';
import { mapPartsOf } from '../../../src/content/declared.ts';
import type { ClusterFacts, ClusterSnapshot } from '../../../src/engine/snapshot.ts';
import { labSteps } from '../../../src/engine/steps.ts';

/** The map parts the lab's own steps declare: the fixtures are drawn as the walkthrough would draw them. */
const declared = mapPartsOf(labSteps());

/** The snapshot the engine makes of these facts: the facts and the map drawn from them. */
export const snapshotOf = (facts: ClusterFacts): ClusterSnapshot => ({ ...facts, parts: mapParts(declared, facts) });

/** A machine before step 1: nothing runs, pods/ is empty. */
export const emptyFacts: ClusterFacts = {
  nodeName: 'mvk-node',
  kubelet: { running: false, withKubeconfig: false },
  podFiles: [],
  kubeconfigFile: false,
  docker: 'up',
  staticPods: {},
  healthy: {},
  apiserver: 'down',
  objects: {},
  pods: {},
};
export const emptyMachine = snapshotOf(emptyFacts);

/** A machine where all six steps pass. */
export const finishedFacts: ClusterFacts = {
  nodeName: 'mvk-node',
  kubelet: { running: true, pid: 4242, withKubeconfig: true },
  podFiles: ['apiserver.yaml', 'etcd.yaml', 'hello.yaml'],
  kubeconfigFile: true,
  docker: 'up',
  staticPods: {
    hello: { file: true, container: { state: 'exited', exitCode: 0, status: 'Exited (0) 3 seconds ago' } },
    etcd: { file: true, container: { state: 'running', status: 'Up 5 minutes' } },
    apiserver: { file: true, container: { state: 'running', status: 'Up 5 minutes' } },
  },
  healthy: { 'http://127.0.0.1:8080/healthz': true },
  apiserver: 'up',
  node: { ready: true },
  objects: { '/api/v1/namespaces/default/serviceaccounts/default': { metadata: { name: 'default' }, automountServiceAccountToken: false } },
  pods: {
    'default/nginx': { phase: 'Running', ip: '172.17.0.4', nodeName: 'mvk-node' },
    'default/curl': { phase: 'Succeeded', nodeName: 'mvk-node' },
  },
};
export const finishedMachine = snapshotOf(finishedFacts);

export function result(id: string, status: ProbeResult['status'], extra: Partial<ProbeResult> = {}): ProbeResult {
  return {
    step: 1,
    id,
    title: `title of ${id}`,
    kind: 'file',
    status,
    expected: `expected of ${id}`,
    seen: `seen of ${id}`,
    durationMs: 1,
    ...extra,
  };
}
