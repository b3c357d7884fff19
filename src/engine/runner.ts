import type { ProbeSpec } from '../content/schema.ts';
import type { Step } from '../content/load.ts';
import type { LabEnv } from '../core/context.ts';
import { labKubelets } from '../machine/kubelet.ts';
import { realMachine, type Machine } from '../machine/machine.ts';
import { LabError } from '../core/errors.ts';
import { currentDiagnoser } from './probes/diagnosis.ts';
import { evaluate } from './probes/evaluate.ts';
import { PODS_LINT, type Outcome, type ProbeContext, type ProbeResult } from './probes/types.ts';
import { render } from '../core/template.ts';
import { templateVars } from './templateVars.ts';
import { withLiveNode } from './labNode.ts';
import { lintPodsDir } from './manifestLint.ts';
import { scaled } from '../core/timeouts.ts';

export interface StepReport {
  step: number;
  title: string;
  passed: boolean;
  results: ProbeResult[];
  durationMs: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 8000;

class ProbeTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Probes judge the cluster as it runs: the node name (and kubeconfig) come from the live kubelet. */
export function probeContext(env: LabEnv, step: number, machine: Machine = realMachine()): ProbeContext {
  // pods/ is linted once per run: for the static pods' names here, then for drift checks and diagnoses.
  const lint = lintPodsDir(env.podsDir, env.repoRoot);
  const live = env.node ? env : withLiveNode(env, labKubelets(env, machine.processes()), lint.manifests);
  return { env: live, vars: templateVars(live), machine, step, memo: new Map([[PODS_LINT, Promise.resolve(lint)]]) };
}

/** Texts may name the node (`the Node {{nodeName}} is Ready`); one that cannot render stays as written. */
function renderSafe(text: string, ctx: ProbeContext): string {
  try {
    return render(text, ctx.vars);
  } catch {
    return text;
  }
}

const titleOf = (spec: ProbeSpec, ctx: ProbeContext) => renderSafe(spec.title, ctx);

/** Turns an evaluator's throw into a failed outcome: a probe never crashes a verify run. */
function outcomeOfError(error: unknown): Outcome {
  if (error instanceof LabError)
    return { ok: false, expected: 'the probe can run', seen: error.message, cause: error.message, hint: error.hint };
  if (error instanceof ProbeTimeout) {
    return {
      ok: false,
      expected: 'an answer',
      seen: error.message,
      cause: `this check got no answer in time (${error.message}): the machine may be busy or slow, not the cluster wrong`,
      hint: 'run it again; on a slow machine (an emulated VM, a small board) set MVK_TIMEOUT_SCALE=4 to wait four times longer',
    };
  }
  return { ok: false, expected: 'the probe can run', seen: (error as Error).message ?? String(error) };
}

export async function runProbe(spec: ProbeSpec, ctx: ProbeContext): Promise<ProbeResult> {
  const started = performance.now();
  let outcome: Outcome;
  let timedOut = false;
  try {
    outcome = await withTimeout(evaluate(spec, ctx), scaled(spec.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS));
  } catch (error) {
    timedOut = error instanceof ProbeTimeout;
    outcome = outcomeOfError(error);
  }
  const result: ProbeResult = {
    step: ctx.step,
    id: spec.id,
    title: titleOf(spec, ctx),
    kind: spec.kind,
    status: outcome.ok ? 'pass' : 'fail',
    expected: outcome.expected,
    seen: outcome.seen,
    durationMs: Math.round(performance.now() - started),
    ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
    ...(outcome.ok && outcome.note ? { note: outcome.note } : {}),
  };
  if (!outcome.ok) {
    result.cause = outcome.cause ?? renderSafe(spec.cause, ctx);
    result.hint = outcome.hint ?? renderSafe(spec.hint, ctx);
    if (outcome.settling) result.settling = true;
    const diagnose = currentDiagnoser();
    // A pod being replaced fails for a moment on purpose; diagnosing that moment would blame the student.
    // Nor is a check that timed out evidence of a mistake: a diagnosis there would guess (seen on a TCG VM).
    if (diagnose && !outcome.settling && !timedOut) result.diagnosis = await diagnose(result, spec, ctx).catch(() => undefined);
  }
  return result;
}

/** Runs a step's probes in order; a probe whose `needs` failed is skipped, so failures stay specific. */
export async function runStep(env: LabEnv, step: Step, machine: Machine = realMachine()): Promise<StepReport> {
  const started = performance.now();
  const ctx = probeContext(env, step.number, machine);
  const results: ProbeResult[] = [];
  const status = new Map<string, string>();
  for (const spec of step.meta.probes) {
    const blocked = spec.needs.find((need) => status.get(need) !== 'pass');
    if (blocked) {
      const blocker = results.find((r) => r.id === blocked)!;
      results.push({
        step: step.number,
        id: spec.id,
        title: titleOf(spec, ctx),
        kind: spec.kind,
        status: 'skip',
        expected: '',
        seen: `not checked: "${blocker.title}" did not pass`,
        durationMs: 0,
      });
      status.set(spec.id, 'skip');
      continue;
    }
    const result = await runProbe(spec, ctx);
    results.push(result);
    status.set(spec.id, result.status);
  }
  return {
    step: step.number,
    title: step.meta.title,
    passed: results.every((r) => r.status === 'pass'),
    results,
    durationMs: Math.round(performance.now() - started),
  };
}
