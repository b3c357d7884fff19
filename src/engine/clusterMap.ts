import type { DeclaredMapPart } from '../content/declared.ts';
import type { MapPartSpec } from '../content/schema.ts';
import { checkConditions } from './probes/conditions.ts';
import type { ClusterFacts } from './snapshot.ts';

/** How a part of the cluster map is drawn: working, broken, on its way, or not there yet. */
export type PartState = 'ok' | 'bad' | 'wait' | 'off';

/** Where a part hangs in the map's tree: the node line, kubelet, what kubelet reads, a static pod, the API. */
export type PartPlace = 'node' | 'kubelet' | 'kubeconfig' | 'pods' | 'staticPod' | 'api';

export interface MapPart {
  /** The kind's own name (kubelet, pods, node…), a static pod's role, an API object's label or pod's name. */
  id: string;
  label: string;
  state: PartState;
  /** Short live detail: "pid 123", "Ready", "172.17.0.3". */
  detail: string;
  /** The step that builds this part; the map shows a part once the student has reached its step. */
  step: number;
  place: PartPlace;
}

type Drawn = Omit<MapPart, 'step'>;

function staticPodPart(part: Extract<MapPartSpec, { kind: 'staticPod' }>, s: ClusterFacts): Drawn {
  const base = { id: part.pod, label: part.label ?? part.pod, place: 'staticPod' as const };
  const fact = s.staticPods[part.pod];
  const container = fact?.container;
  if (!container) return fact?.file ? { ...base, state: 'wait', detail: 'starting' } : { ...base, state: 'off', detail: 'no pod' };
  if (container.state === 'running') {
    if (part.health && !s.healthy[part.health]) return { ...base, state: 'wait', detail: 'not healthy yet' };
    return { ...base, state: 'ok', detail: part.running };
  }
  // A pod that runs to completion (hello's echo) succeeded with exit code 0, and kubelet restarts it.
  if (part.completes && container.exitCode === 0) return { ...base, state: 'ok', detail: 'ran, exit 0' };
  return {
    ...base,
    state: 'bad',
    detail: container.exitCode !== undefined ? `exited ${container.exitCode}` : container.status.toLowerCase(),
  };
}

function apiObjectPart(part: Extract<MapPartSpec, { kind: 'apiObject' }>, s: ClusterFacts): Drawn {
  const base = { id: part.label, label: part.label, place: 'api' as const };
  const object = s.objects[part.path];
  if (object === undefined) return { ...base, state: 'off', detail: part.missingDetail };
  return checkConditions(object, part.ok).ok
    ? { ...base, state: 'ok', detail: part.okDetail }
    : { ...base, state: 'bad', detail: part.badDetail };
}

function apiPodPart(part: Extract<MapPartSpec, { kind: 'apiPod' }>, s: ClusterFacts): Drawn {
  const base = { id: part.pod, label: part.label ?? part.pod, place: 'api' as const };
  const pod = s.pods[`${part.namespace}/${part.pod}`];
  if (!pod) return { ...base, state: 'off', detail: 'no pod' };
  if (part.done === 'Running' && pod.phase === 'Running' && pod.ip) return { ...base, state: 'ok', detail: part.doneDetail ?? pod.ip };
  if (part.done === 'Succeeded' && pod.phase === 'Succeeded') return { ...base, state: 'ok', detail: part.doneDetail ?? 'done' };
  if (pod.phase === 'Failed') return { ...base, state: 'bad', detail: 'Failed' };
  // Without a node, nothing will ever run it: say so rather than just "Pending".
  return { ...base, state: 'wait', detail: pod.nodeName ? pod.phase : `${pod.phase}, no node` };
}

function drawn(part: MapPartSpec, s: ClusterFacts): Drawn {
  switch (part.kind) {
    case 'kubelet':
      return {
        id: 'kubelet',
        label: 'kubelet',
        place: 'kubelet',
        state: s.kubelet.running ? 'ok' : 'off',
        detail: s.kubelet.running ? `pid ${s.kubelet.pid}` : 'not running',
      };
    case 'podsDir': {
      const count = s.podFiles.length;
      const files = count === 0 ? 'empty' : `${count} file${count === 1 ? '' : 's'}`;
      return { id: 'pods', label: 'pods/', place: 'pods', state: s.kubelet.running ? 'ok' : count > 0 ? 'wait' : 'off', detail: files };
    }
    case 'kubeconfig': {
      const base = { id: 'kubeconfig', label: 'kubeconfig', place: 'kubeconfig' as const };
      if (s.kubelet.withKubeconfig) return { ...base, state: 'ok', detail: '→ apiserver' };
      return { ...base, state: s.kubeconfigFile ? 'wait' : 'off', detail: s.kubeconfigFile ? 'kubelet not using it' : 'no file' };
    }
    case 'node': {
      const base = { id: 'node', label: 'node', place: 'node' as const };
      if (!s.node) return { ...base, state: 'off', detail: 'not registered' };
      return { ...base, state: s.node.ready ? 'ok' : 'wait', detail: s.node.ready ? 'Ready' : 'NotReady' };
    }
    case 'staticPod':
      return staticPodPart(part, s);
    case 'apiObject':
      return apiObjectPart(part, s);
    case 'apiPod':
      return apiPodPart(part, s);
  }
}

/** Every part the steps declare, in their order, with its live state. */
export function mapParts(declared: readonly DeclaredMapPart[], s: ClusterFacts): MapPart[] {
  return declared.map(({ spec, step }) => ({ ...drawn(spec, s), step }));
}

/** The parts a student who has reached `throughStep` sees: the map grows step by step. */
export function visibleParts(parts: readonly MapPart[], throughStep: number): MapPart[] {
  return parts.filter((part) => part.step <= throughStep);
}

/** The map as drawn in a limited number of rows: the parts shown, and per place how many working ones were folded. */
export interface FoldedMap {
  parts: MapPart[];
  folded: Partial<Record<PartPlace, number>>;
}

/** Rows a folded map's parts take: one per part (the node shares the title row), one per fold line, one "in the API" heading. */
export function partRows(map: FoldedMap): number {
  const listed = map.parts.filter((p) => p.place !== 'node');
  const api = listed.some((p) => p.place === 'api') || map.folded.api ? 1 : 0;
  return listed.length + Object.values(map.folded).filter(Boolean).length + api;
}

/**
 * The parts a student on `throughStep` sees, in at most `maxRows` rows: when they do not fit, working
 * parts of earlier steps fold into one "N more, all working" line in their place, oldest first. The
 * current step's parts and anything not working stay, so the map still shows what needs attention.
 */
export function foldParts(parts: readonly MapPart[], throughStep: number, maxRows: number): FoldedMap {
  const map: FoldedMap = { parts: visibleParts(parts, throughStep), folded: {} };
  // kubelet and pods/ are the tree's trunk: the static pods hang under pods/.
  const foldable = map.parts
    .filter((p) => p.state === 'ok' && p.step < throughStep && (p.place === 'staticPod' || p.place === 'api'))
    .sort((a, b) => a.step - b.step);
  for (const part of foldable) {
    if (partRows(map) <= maxRows) break;
    map.parts = map.parts.filter((p) => p !== part);
    map.folded[part.place] = (map.folded[part.place] ?? 0) + 1;
  }
  return map;
}
