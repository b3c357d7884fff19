import type { ProbeSpec } from '../../../content/schema.ts';
import { render } from '../../../core/template.ts';
import { snippet } from './http.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'kubectl' }>;

export async function kubectlProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const args = spec.args.map((arg) => render(arg, ctx.vars));
  const expected = `\`kubectl ${args.join(' ')}\` (no kubeconfig) succeeds${spec.outputContains ? ` and prints "${spec.outputContains}"` : ''}`;
  const result = await ctx.machine.kubectl(ctx.env, args, { timeoutMs: spec.timeoutMs ?? 10_000 });
  const output = `${result.stdout}\n${result.stderr}`.trim();
  const evidence = { exitCode: result.exitCode, output: snippet(output, 400) };
  if (result.exitCode !== 0) return { ok: false, expected, seen: `exit ${result.exitCode}: ${snippet(output)}`, evidence };
  if (spec.outputContains && !output.includes(spec.outputContains))
    return { ok: false, expected, seen: `printed "${snippet(output)}"`, evidence };
  return { ok: true, expected, seen: snippet(output) || 'exit 0', evidence };
}
