import type { ProbeSpec } from '../../../content/schema.ts';
import { render } from '../../../core/template.ts';
import { snippet } from './http.ts';
import { staticPodDrift } from '../manifestDrift.ts';
import { currentPodUid } from '../../../machine/docker.ts';
import { memo, type Outcome, type ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'container' }>;

export async function containerProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const pod = render(spec.pod, ctx.vars);
  const namespace = render(spec.namespace, ctx.vars);
  const label =
    spec.container === 'POD'
      ? `sandbox (pause) container of pod ${namespace}/${pod}`
      : `container ${spec.container} of pod ${namespace}/${pod}`;
  const parts = [spec.state === 'any' ? `${label} exists` : `${label} is ${spec.state}`];
  if (spec.logsContain) parts.push(`its logs contain "${spec.logsContain}"`);
  const expected = parts.join(', ');
  const all = await memo(ctx, `pod-containers:${namespace}/${pod}`, () =>
    ctx.machine.docker.podContainers({ podName: pod, namespace: namespace }),
  );
  const mine = all.filter((c) => c.containerName === spec.container);
  const evidence = {
    containers: all.map((c) => ({ id: c.id.slice(0, 12), container: c.containerName, state: c.state, status: c.status, image: c.image })),
  };
  if (mine.length === 0) {
    const seen =
      all.length === 0
        ? `no container at all for pod ${namespace}/${pod}`
        : `pod has ${all.map((c) => `${c.containerName} (${c.state})`).join(', ')} but no ${spec.container}`;
    return { ok: false, expected, seen, evidence };
  }
  const newest = mine[0]!;
  const current = currentPodUid(all);
  if (spec.container !== 'POD' && current && current !== newest.podUid) {
    // kubelet already replaced the pod (a new sandbox, a new UID), and the new version has no such container yet.
    return {
      ok: false,
      expected,
      seen: `the current version of the pod has no ${spec.container} container yet (the previous version's is ${newest.status})`,
      evidence,
    };
  }
  // A file just edited: until kubelet has replaced the pod, what runs is the previous version.
  const drift = await staticPodDrift(ctx, newest);
  if (drift) {
    return {
      ok: false,
      expected,
      seen: `kubelet is still running the previous version of ${drift.file} (${drift.difference})`,
      cause: `kubelet replaces a static pod some seconds after its file changes`,
      hint: 'wait a few seconds and check again; if it stays so, kubelet may not read the new file (`lab lint`)',
      evidence,
      settling: true,
    };
  }
  // The previous version of the pod still stops (its UID differs) while the new one starts: its ports may be taken for a moment.
  const replaced = all.find((c) => c.podUid !== newest.podUid && c.containerName !== 'POD' && c.state === 'running');
  if (newest.state !== 'running' && replaced) {
    return {
      ok: false,
      expected,
      seen: `kubelet is replacing pod ${namespace}/${pod}: the previous version (${replaced.status}) still runs while the new one starts`,
      cause: 'the old pod holds its ports until it has stopped',
      hint: 'wait a few seconds and check again',
      evidence,
      settling: true,
    };
  }
  if (spec.state === 'running' && newest.state !== 'running') {
    // A container stuck in "Created" never ran: Docker's start error is the only clue.
    const startError = newest.state === 'created' ? await ctx.machine.docker.startError(newest.id).catch(() => '') : '';
    // Created with no error is kubelet's next attempt, caught before it starts: the previous one tells more.
    const telling = newest.state === 'created' && !startError && mine[1] ? mine[1] : newest;
    const logs = await ctx.machine.docker.logs(telling.id, 5).catch(() => '');
    const detail = startError
      ? `; Docker says: ${snippet(startError, 160)}`
      : logs
        ? `; last log: ${snippet(logs.trim().split('\n').at(-1) ?? '')}`
        : '';
    const status = telling === newest ? newest.status : `being started again (the one before it: ${telling.status})`;
    return {
      ok: false,
      expected,
      seen: `newest ${spec.container} container is ${status}${detail}`,
      evidence: { ...evidence, lastLogs: logs, startError },
    };
  }
  if (spec.state === 'exited' && !mine.some((c) => c.state === 'exited'))
    return { ok: false, expected, seen: `${spec.container} is ${newest.status}, never exited`, evidence };
  if (spec.logsContain) {
    // A container that exits (hello) is restarted and old ones are garbage-collected; any recent one will do.
    for (const candidate of mine.slice(0, 3)) {
      const logs = await ctx.machine.docker.logs(candidate.id);
      if (logs.includes(spec.logsContain))
        return { ok: true, expected, seen: `${candidate.name.slice(0, 40)} (${candidate.status}) logged "${snippet(logs, 60)}"`, evidence };
    }
    const logs = await ctx.machine.docker.logs(newest.id);
    return {
      ok: false,
      expected,
      seen: logs.trim() ? `logs say "${snippet(logs)}"` : `${spec.container} (${newest.status}) has written nothing yet`,
      evidence,
    };
  }
  return { ok: true, expected, seen: `${newest.name.slice(0, 50)} is ${newest.status}`, evidence };
}
