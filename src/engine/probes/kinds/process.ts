import type { ProbeSpec } from '../../../content/schema.ts';
import { allKubelets, flagPath, labKubelets, staticPodDir } from '../../../machine/kubelet.ts';
import { render } from '../../../core/template.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'process' }>;

export async function processProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const want = spec.equalsPath ? render(spec.equalsPath, ctx.vars) : undefined;
  const expected = want ? `kubelet running with ${spec.flag}=${want}` : `kubelet running with ${spec.flag}`;
  const processes = ctx.machine.processes();
  const ours = labKubelets(ctx.env, processes);
  if (ours.length === 0) {
    const others = allKubelets(processes);
    const seen =
      others.length === 0
        ? 'no kubelet process is running'
        : `kubelet runs, but not for this repo (pid ${others[0]!.pid}, --pod-manifest-path=${others[0]!.flags.get('pod-manifest-path') ?? 'not set'}` +
          `)`;
    return { ok: false, expected, seen, evidence: { kubelets: others.map((k) => ({ pid: k.pid, argv: k.argv })) } };
  }
  const kubelet = ours[0]!;
  const evidence = { pid: kubelet.pid, argv: kubelet.argv, count: ours.length };
  if (ours.length > 1) {
    return {
      ok: false,
      expected,
      seen: `${ours.length} kubelets serve this repo's pods/ (pids ${ours.map((k) => k.pid).join(', ')})`,
      cause: 'two kubelets fight over the same pods and ports',
      hint: 'stop all but one (Ctrl-C in their terminals, or `lab reset`)',
      evidence,
    };
  }
  // The static pod directory may also come from staticPodPath in a --config file.
  const value =
    spec.flag === '--pod-manifest-path'
      ? staticPodDir(kubelet)
      : spec.equalsPath
        ? flagPath(kubelet, spec.flag)
        : kubelet.flags.get(spec.flag.replace(/^--/, ''));
  if (value === undefined) return { ok: false, expected, seen: `kubelet (pid ${kubelet.pid}) runs without ${spec.flag}`, evidence };
  if (want && value !== want) return { ok: false, expected, seen: `kubelet (pid ${kubelet.pid}) has ${spec.flag}=${value}`, evidence };
  return { ok: true, expected, seen: `pid ${kubelet.pid} has ${spec.flag}=${value}`, evidence };
}
