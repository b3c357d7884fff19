import type { ProbeSpec } from '../../content/schema.ts';
import { render } from '../../template.ts';
import { snippet } from './http.ts';
import { memo, type Outcome, type ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'container' }>;

export async function containerProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const pod = render(spec.pod, ctx.vars);
  const label = spec.container === 'POD' ? `sandbox (pause) container of pod ${spec.namespace}/${pod}` : `container ${spec.container} of pod ${spec.namespace}/${pod}`;
  const parts = [spec.state === 'any' ? `${label} exists` : `${label} is ${spec.state}`];
  if (spec.logsContain) parts.push(`its logs contain "${spec.logsContain}"`);
  const expected = parts.join(', ');
  const all = await memo(ctx, `pod-containers:${spec.namespace}/${pod}`, () => ctx.docker.podContainers({ podName: pod, namespace: spec.namespace }));
  const mine = all.filter((c) => c.containerName === spec.container);
  const evidence = { containers: all.map((c) => ({ id: c.id.slice(0, 12), container: c.containerName, state: c.state, status: c.status, image: c.image })) };
  if (mine.length === 0) {
    const seen = all.length === 0 ? `no container at all for pod ${spec.namespace}/${pod}` : `pod has ${all.map((c) => `${c.containerName} (${c.state})`).join(', ')} but no ${spec.container}`;
    return { ok: false, expected, seen, evidence };
  }
  const newest = mine[0]!;
  if (spec.state === 'running' && newest.state !== 'running') {
    // A container stuck in "Created" never ran: Docker's start error is the only clue.
    const startError = newest.state === 'created' ? await ctx.docker.startError(newest.id).catch(() => '') : '';
    // Created with no error is kubelet's next attempt, caught before it starts: the previous one tells more.
    const telling = newest.state === 'created' && !startError && mine[1] ? mine[1] : newest;
    const logs = await ctx.docker.logs(telling.id, 5).catch(() => '');
    const detail = startError ? `; Docker says: ${snippet(startError, 160)}` : logs ? `; last log: ${snippet(logs.trim().split('\n').at(-1) ?? '')}` : '';
    const status = telling === newest ? newest.status : `being started again (the one before it: ${telling.status})`;
    return { ok: false, expected, seen: `newest ${spec.container} container is ${status}${detail}`, evidence: { ...evidence, lastLogs: logs, startError } };
  }
  if (spec.state === 'exited' && !mine.some((c) => c.state === 'exited')) return { ok: false, expected, seen: `${spec.container} is ${newest.status}, never exited`, evidence };
  if (spec.logsContain) {
    // A container that exits (hello) is restarted and old ones are garbage-collected; any recent one will do.
    for (const candidate of mine.slice(0, 3)) {
      const logs = await ctx.docker.logs(candidate.id);
      if (logs.includes(spec.logsContain)) return { ok: true, expected, seen: `${candidate.name.slice(0, 40)} (${candidate.status}) logged "${snippet(logs, 60)}"`, evidence };
    }
    const logs = await ctx.docker.logs(newest.id);
    return { ok: false, expected, seen: logs.trim() ? `logs say "${snippet(logs)}"` : `${spec.container} (${newest.status}) has written nothing yet`, evidence };
  }
  return { ok: true, expected, seen: `${newest.name.slice(0, 50)} is ${newest.status}`, evidence };
}
