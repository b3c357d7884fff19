import { parseJson } from '../../../machine/http.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { apiGet, isOutcome } from './apiserver.ts';

/** How recent a leader's renewal must be to count as alive: kube-scheduler renews every 2 s, its lease lasts 15 s. */
const LEASE_FRESH_MS = 30_000;
/** kube-scheduler's insecure healthz port (v1.19 `--port`), asked only when no lease is fresh. */
const SCHEDULER_HEALTHZ = 'http://127.0.0.1:10251/healthz';

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string };
}

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

interface PodItem {
  metadata: { name: string; namespace: string; uid: string };
  spec: { nodeName?: string; schedulerName?: string };
  status?: { phase?: string };
}

interface EventItem {
  reason?: string;
  message?: string;
  reportingComponent?: string;
  source?: { component?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/**
 * A kube-scheduler is at work: it holds the kube-system/kube-scheduler Lease and renews it (leader
 * election, on by default), or, with leader election off, answers /healthz on its insecure port.
 */
export async function schedulerActive(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a kube-scheduler renews the Lease kube-system/kube-scheduler (or answers /healthz on 127.0.0.1:10251)';
  const reply = await apiGet(ctx, '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler');
  if (isOutcome(reply)) return { ...reply, expected };
  const lease = reply.status === 200 ? (parseJson(reply.body) as Lease) : undefined;
  const holder = lease?.spec?.holderIdentity;
  const renewed = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN;
  const age = Date.now() - renewed;
  if (holder && age < LEASE_FRESH_MS)
    return { ok: true, expected, seen: `the Lease is held by ${holder}, renewed ${seconds(age)} ago`, evidence: { holder, age } };
  const leaseSeen = !lease
    ? 'no Lease kube-system/kube-scheduler'
    : `the Lease was last renewed ${Number.isNaN(age) ? 'never' : `${seconds(age)} ago`}${holder ? ` by ${holder}` : ''}`;
  const healthy = await ctx.machine
    .http(SCHEDULER_HEALTHZ)
    .then((r) => r.status === 200 && r.body.trim() === 'ok')
    .catch(() => false);
  if (healthy)
    return {
      ok: true,
      expected,
      seen: `${leaseSeen}, and a scheduler answers ${SCHEDULER_HEALTHZ}`,
      note: 'your scheduler holds no fresh Lease: fine with --leader-elect=false, as long as exactly one scheduler runs',
    };
  return {
    ok: false,
    expected,
    seen: `${leaseSeen}, and nothing answers ${SCHEDULER_HEALTHZ}`,
    evidence: { lease: Boolean(lease), holder, age: Number.isNaN(age) ? undefined : age },
  };
}

/** Taints that keep an ordinary pod (one with no tolerations) off a node. */
export const blockingTaints = (taints: Taint[] | undefined) =>
  (taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
export const describeTaint = (t: Taint) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;

/** The node takes ordinary pods: no NoSchedule or NoExecute taint on it (kubelet registers it with not-ready). */
export async function nodeSchedulable(ctx: ProbeContext): Promise<Outcome> {
  const expected = `node ${ctx.env.nodeName} has no NoSchedule or NoExecute taint`;
  const reply = await apiGet(ctx, `/api/v1/nodes/${ctx.env.nodeName}`);
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status === 404)
    return { ok: false, expected, seen: `no Node ${ctx.env.nodeName}`, hint: 'step 4 registers it: `lab verify 4`' };
  const node = parseJson(reply.body) as { spec?: { taints?: Taint[]; unschedulable?: boolean } };
  const taints = blockingTaints(node?.spec?.taints);
  if (taints.length === 0) return { ok: true, expected, seen: node?.spec?.taints?.length ? 'only soft taints' : 'no taints' };
  return {
    ok: false,
    expected,
    seen: `tainted ${taints.map(describeTaint).join(', ')}`,
    evidence: { taints: taints.map(describeTaint), unschedulable: node?.spec?.unschedulable === true },
  };
}

/** The reason a pod was last refused a node, from its FailedScheduling events. */
function lastFailure(events: EventItem[], pod: PodItem): string | undefined {
  return events
    .filter((e) => e.reason === 'FailedScheduling' && e.involvedObject?.uid === pod.metadata.uid)
    .map((e) => e.message ?? '')
    .at(-1);
}

/**
 * A pod created without a node was placed by a scheduler: a Scheduled event (what kube-scheduler
 * reports after its Binding) for a pod that exists now, bound to this node and started. A pod the
 * student bound by hand (step 6) has no such event.
 */
export async function podScheduled(ctx: ProbeContext): Promise<Outcome> {
  const expected = `a pod created without nodeName was bound to ${ctx.env.nodeName} by a scheduler and runs`;
  const [pods, events] = await Promise.all([apiGet(ctx, '/api/v1/pods'), apiGet(ctx, '/api/v1/events')]);
  if (isOutcome(pods)) return { ...pods, expected };
  if (isOutcome(events)) return { ...events, expected };
  const podItems = (parseJson(pods.body) as { items?: PodItem[] })?.items ?? [];
  const eventItems = (parseJson(events.body) as { items?: EventItem[] })?.items ?? [];
  const byUid = new Map(podItems.map((p) => [p.metadata.uid, p]));
  const scheduled = eventItems
    .filter((e) => e.reason === 'Scheduled' && e.involvedObject?.kind === 'Pod' && byUid.has(e.involvedObject.uid ?? ''))
    .map((e) => ({ pod: byUid.get(e.involvedObject!.uid!)!, by: e.reportingComponent || e.source?.component || 'a scheduler' }));
  const running = scheduled.find(
    ({ pod }) => pod.spec.nodeName === ctx.env.nodeName && ['Running', 'Succeeded'].includes(pod.status?.phase ?? ''),
  );
  const name = (p: PodItem) => `${p.metadata.namespace}/${p.metadata.name}`;
  if (running)
    return {
      ok: true,
      expected,
      seen: `${running.by} placed ${name(running.pod)} on ${ctx.env.nodeName}; it is ${running.pod.status?.phase}`,
    };
  if (scheduled.length > 0) {
    const { pod, by } = scheduled[0]!;
    return {
      ok: false,
      expected,
      seen: `${by} placed ${name(pod)} on ${pod.spec.nodeName}, and it is ${pod.status?.phase ?? 'without a phase'}`,
      settling: pod.spec.nodeName === ctx.env.nodeName && pod.status?.phase === 'Pending',
    };
  }
  const waiting = podItems.filter((p) => !p.spec.nodeName && p.status?.phase === 'Pending');
  if (waiting.length === 0)
    return {
      ok: false,
      expected,
      seen: 'no pod was created without nodeName since a scheduler runs',
      hint: "create the lesson's pod web, which names no node",
      evidence: { waiting: [] },
    };
  const pod = waiting[0]!;
  const failure = lastFailure(eventItems, pod);
  const scheduler = pod.spec.schedulerName && pod.spec.schedulerName !== 'default-scheduler' ? pod.spec.schedulerName : undefined;
  return {
    ok: false,
    expected,
    seen: `${name(pod)} is Pending with no node${failure ? `: ${failure}` : ' and no scheduling events'}`,
    evidence: {
      waiting: waiting.map(name),
      pod: name(pod),
      ...(failure ? { failedScheduling: failure } : {}),
      ...(scheduler ? { schedulerName: scheduler } : {}),
    },
  };
}
