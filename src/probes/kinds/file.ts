import path from 'node:path';
import type { ProbeSpec } from '../../content/schema.ts';
import { kubeconfigServer, parseYamlText, podProblem } from '../../manifests.ts';
import { render } from '../../template.ts';
import { checkConditions } from '../conditions.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'file' }>;

export async function fileProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const relative = render(spec.path, ctx.vars);
  const file = path.resolve(ctx.env.repoRoot, relative);
  const what = spec.parseAs === 'pod' ? 'a Pod' : spec.parseAs === 'kubeconfig' ? 'a kubeconfig' : 'YAML';
  const conditions = spec.expect.map((c) => ({ ...c, equals: typeof c.equals === 'string' ? render(c.equals, ctx.vars) : c.equals }));
  const expected = [`${relative} parses as ${what}`, ...(conditions.length ? [checkConditions({}, conditions).expected] : [])].join(', ');
  let text: string;
  try {
    text = await ctx.machine.readFile(file);
  } catch {
    return { ok: false, expected, seen: `${relative} does not exist`, evidence: { file } };
  }
  const parsed = parseYamlText(text);
  if (!parsed.ok) return { ok: false, expected, seen: `${relative} ${parsed.error}`, cause: 'the file is not valid YAML, so kubelet ignores it (it only logs the error)', hint: 'fix the line shown; YAML indents with spaces, never tabs', evidence: { file } };
  let document = parsed.value as Record<string, unknown>;
  if (spec.parseAs === 'pod') {
    const problem = podProblem(document);
    if (problem) return { ok: false, expected, seen: `${relative}: ${problem}`, evidence: { file } };
  }
  if (spec.parseAs === 'kubeconfig') {
    const { server, problem } = kubeconfigServer(document);
    if (problem) return { ok: false, expected, seen: `${relative}: ${problem}`, evidence: { file } };
    // Expose the resolved server so metadata can say `field: currentServer`.
    document = { ...document, currentServer: server };
  }
  const check = checkConditions(document, conditions);
  return { ok: check.ok, expected, seen: check.ok ? `${relative} is ${what}${conditions.length ? `; ${check.seen}` : ''}` : `${relative}: ${check.seen}`, evidence: { file } };
}
