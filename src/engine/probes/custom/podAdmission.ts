import { parseJson } from '../../../machine/http.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { apiGet, dryRunCreate, isOutcome, statusMessage } from './apiserver.ts';

/** A server-side dry run of a pod create: proves the ServiceAccount admission plugin lets pods in. */
export async function dryRunPod(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a dry-run pod create in namespace default is admitted (HTTP 201)';
  const reply = await dryRunCreate(ctx);
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status === 201) return { ok: true, expected, seen: 'admitted (HTTP 201)', evidence: { status: reply.status } };
  const message = statusMessage(reply.body);
  const evidence = { status: reply.status, message };
  if (message.includes('serviceaccount "default" not found')) {
    return {
      ok: false,
      expected,
      seen: `rejected: ${message}`,
      cause: 'the ServiceAccount default/default does not exist; kube-controller-manager would create it, and it does not run here',
      hint: 'create it with automountServiceAccountToken: false (lesson 5)',
      evidence,
    };
  }
  if (message.includes('No API token found')) {
    return {
      ok: false,
      expected,
      seen: `rejected: ${message}`,
      cause: 'the ServiceAccount exists but pods would mount its token, and no controller creates token secrets here',
      hint: 'set automountServiceAccountToken: false on the ServiceAccount',
      evidence,
    };
  }
  return { ok: false, expected, seen: `HTTP ${reply.status}: ${message}`, evidence };
}

interface PodItem {
  metadata: { name: string };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

/** Without kube-scheduler, nothing sets spec.nodeName: a pod that does not name a node waits forever. */
export async function unpinnedPending(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a pod without spec.nodeName is left Pending with no node (no scheduler runs)';
  const list = await apiGet(ctx, '/api/v1/namespaces/default/pods');
  if (isOutcome(list)) return { ...list, expected };
  const items = ((parseJson(list.body) as { items?: PodItem[] })?.items ?? []).filter((pod) => !pod.spec.nodeName);
  const scheduled = items.filter((pod) => pod.status?.phase !== 'Pending');
  if (scheduled.length > 0)
    return { ok: false, expected, seen: `${scheduled[0]!.metadata.name} has no node yet is ${scheduled[0]!.status?.phase}` };
  if (items.length > 0) return { ok: true, expected, seen: `${items.map((pod) => pod.metadata.name).join(', ')} Pending, no node` };
  // Nothing unpinned exists right now (step 6 replaces nginx); the dry run shows what a create would give.
  const reply = await dryRunCreate(ctx);
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status !== 201)
    return {
      ok: false,
      expected,
      seen: `a pod cannot be created yet: ${statusMessage(reply.body)}`,
      cause: 'pods are not admitted yet',
      hint: 'make the dry-run probe above pass first',
    };
  const pod = parseJson(reply.body) as PodItem;
  const ok = !pod.spec.nodeName && pod.status?.phase === 'Pending';
  return { ok, expected, seen: `a new pod gets phase ${pod.status?.phase ?? 'unset'}, node ${pod.spec.nodeName || 'none'} (dry run)` };
}
