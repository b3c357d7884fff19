/** The parts of the lab's cluster that listen on ports of the host. */
export type PortComponent = 'etcd' | 'apiserver' | 'kubelet';

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

/**
 * Every port the lab's components listen on, the one table: the doctor checks them free before step 1,
 * preflight refuses to start a component while something else holds one of its own, reset and the
 * diagnosis look at the addressed ones.
 */
export const LAB_PORTS: readonly LabPort[] = [
  { port: 2379, component: 'etcd', who: 'etcd (clients)', addressed: true },
  { port: 2380, component: 'etcd', who: 'etcd (peers)', addressed: false },
  { port: 6443, component: 'apiserver', who: 'kube-apiserver (secure)', addressed: false },
  { port: 8080, component: 'apiserver', who: 'kube-apiserver (insecure, loopback)', addressed: true },
  { port: 10248, component: 'kubelet', who: 'kubelet healthz', addressed: true },
  { port: 10250, component: 'kubelet', who: 'kubelet API', addressed: true },
];

/** The port numbers of one component, or of all; only the addressed ones if asked. */
export function labPorts(filter: { component?: string; addressed?: boolean } = {}): number[] {
  return LAB_PORTS.filter((p) => (filter.component === undefined || p.component === filter.component) && (filter.addressed === undefined || p.addressed === filter.addressed)).map((p) => p.port);
}

/** The component the lab reaches at a port, if the lab reaches one there. */
export const componentAt = (port: number): PortComponent | undefined => LAB_PORTS.find((p) => p.addressed && p.port === port)?.component;
