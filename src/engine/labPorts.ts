import type { DeclaredStaticPod } from '../content/declared.ts';
import { labStaticPods } from './labNode.ts';

/** The parts of the lab's cluster that listen on ports of the host: kubelet, or a static pod's role. */
export type PortComponent = string;

export interface LabPort {
  port: number;
  component: PortComponent;
  /** What listens there, as the doctor names it. */
  who: string;
  /**
   * Where the lab reaches the component (the lessons' flags): reset waits for these to close, and a
   * diagnosis names whoever holds them. The others are the components' defaults, which only need to be free.
   */
  addressed: boolean;
}

/** kubelet's own, which the engine starts in every step that runs it; the static pods declare theirs. */
const KUBELET_PORTS: readonly LabPort[] = [
  { port: 10248, component: 'kubelet', who: 'kubelet healthz', addressed: true },
  { port: 10250, component: 'kubelet', who: 'kubelet API', addressed: true },
];

let table: readonly LabPort[] | undefined;

/**
 * Every port the lab's components listen on, the one table: the static pods' as their steps declare
 * them (`ports:` in step.yaml), then kubelet's. The doctor checks them free before step 1, preflight
 * refuses to start a component while something else holds one of its own, reset and the diagnosis look
 * at the addressed ones.
 */
export function labPortTable(): readonly LabPort[] {
  return (table ??= portTableOf(Object.values(labStaticPods())));
}

/** The port table of these static pods (any steps', not only the lab's own), then kubelet's. */
export function portTableOf(staticPods: readonly DeclaredStaticPod[]): LabPort[] {
  return [
    ...staticPods.flatMap((pod) => pod.ports.map(({ port, who, addressed }) => ({ port, component: pod.role, who, addressed }))),
    ...KUBELET_PORTS,
  ];
}

/** The port numbers of one component, or of all; only the addressed ones if asked. */
export function labPorts(filter: { component?: string; addressed?: boolean } = {}): number[] {
  return labPortTable()
    .filter(
      (p) =>
        (filter.component === undefined || p.component === filter.component) &&
        (filter.addressed === undefined || p.addressed === filter.addressed),
    )
    .map((p) => p.port);
}

/** The component the lab reaches at a port, if the lab reaches one there. */
export const componentAt = (port: number): PortComponent | undefined =>
  labPortTable().find((p) => p.addressed && p.port === port)?.component;
