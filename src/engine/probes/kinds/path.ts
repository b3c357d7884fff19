import type { ProbeSpec } from '../../../content/schema.ts';
import { render } from '../../../core/template.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'path' }>;

export async function pathProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const target = render(spec.path, ctx.vars);
  const expected = `${target} is a ${spec.type}`;
  const kind = await ctx.machine.pathKind(target);
  if (kind === undefined) return { ok: false, expected, seen: `${target} does not exist` };
  const ok = kind === spec.type;
  return { ok, expected, seen: ok ? `${target} exists` : `${target} exists but is not a ${spec.type}` };
}
