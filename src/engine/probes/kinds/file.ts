import path from 'node:path';
import type { ProbeSpec } from '../../../content/schema.ts';
import { fixFor, formatProblem, lintManifestText, type LintProblem } from '../../manifestLint.ts';
import { kubeconfigServer } from '../../manifests.ts';
import { readYaml, YAML_PROBLEM_CODES } from '../../../core/yamlFile.ts';
import { render } from '../../../core/template.ts';
import { checkConditions, renderConditions } from '../conditions.ts';
import type { Outcome, ProbeContext } from '../types.ts';

type Spec = Extract<ProbeSpec, { kind: 'file' }>;

export async function fileProbe(spec: Spec, ctx: ProbeContext): Promise<Outcome> {
  const relative = render(spec.path, ctx.vars);
  const file = path.resolve(ctx.env.repoRoot, relative);
  const what = spec.parseAs === 'pod' ? 'a Pod' : spec.parseAs === 'kubeconfig' ? 'a kubeconfig' : 'YAML';
  const conditions = renderConditions(spec.expect, ctx.vars);
  const expected = [`${relative} parses as ${what}`, ...(conditions.length ? [checkConditions({}, conditions).expected] : [])].join(', ');
  let text: string;
  try {
    text = await ctx.machine.readFile(file);
  } catch {
    return { ok: false, expected, seen: `${relative} does not exist`, evidence: { file } };
  }
  const { problems, value } = spec.parseAs === 'pod' ? lintManifestText(text, relative) : readAsYaml(text, relative);
  const errors = problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  if (first)
    return {
      ok: false,
      expected,
      seen: shownErrors(errors),
      ...causeOf(first),
      ...hintOf(first, spec.parseAs === 'pod'),
      evidence: { file },
    };
  let document = value ?? {};
  if (spec.parseAs === 'kubeconfig') {
    const { server, problem } = kubeconfigServer(document);
    if (problem) return { ok: false, expected, seen: `${relative}: ${problem}`, evidence: { file } };
    // Expose the resolved server so metadata can say `field: currentServer`.
    document = { ...document, currentServer: server };
  }
  const check = checkConditions(document, conditions);
  return {
    ok: check.ok,
    expected,
    seen: check.ok ? `${relative} is ${what}${conditions.length ? `; ${check.seen}` : ''}` : `${relative}: ${check.seen}`,
    evidence: { file },
  };
}

/** A file that is not a Pod read as YAML alone, its problems in the linter's form. */
function readAsYaml(text: string, file: string): { problems: LintProblem[]; value?: Record<string, any> } {
  const read = readYaml(text);
  const problems = read.problems.map((p): LintProblem => ({ file, ...p, severity: 'error' }));
  return { problems, ...(read.document ? { value: read.document.toJS() ?? {} } : {}) };
}

/** The first error as `lab lint` prints it, and how many more it would print. */
function shownErrors(errors: LintProblem[]): string {
  const more = errors.length - 1;
  return `${formatProblem(errors[0]!)}${more > 0 ? ` (and ${more} more: \`lab lint\` lists them all)` : ''}`;
}

/** Broken YAML is the probe's own finding; a readable file that is no Pod leaves the step's cause to say why it matters. */
const isYamlProblem = (problem: LintProblem) => (YAML_PROBLEM_CODES as readonly string[]).includes(problem.code);
const causeOf = (problem: LintProblem) =>
  isYamlProblem(problem) ? { cause: 'the file is not valid YAML, so kubelet ignores it (it only logs the error)' } : {};

/** `lab lint`'s fix; for a file that is not a Pod only the fixes that hold for any YAML (the others speak of Pods). */
const hintOf = (problem: LintProblem, isPod: boolean) =>
  isPod || problem.code === 'tab' || problem.code === 'yaml-syntax' ? { hint: fixFor(problem.code) } : {};
