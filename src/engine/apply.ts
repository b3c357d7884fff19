import { setTimeout as sleep } from 'node:timers/promises';
import { codeActions } from './actions/code.ts';
import type { CodeActionName } from './actions/names.ts';
import { renderFixture } from './actions/files.ts';
import { writeStaticPodFile } from './actions/staticPodFile.ts';
import { kubectlApply } from './actions/kubectlApply.ts';
import { ensureKubelet } from './actions/kubelet.ts';
import type { ApplyAction } from '../content/schema.ts';
import type { Step } from '../content/load.ts';
import type { LabEnv } from '../core/context.ts';
import { DockerDriver } from '../machine/docker.ts';
import { realMachine, type Machine } from '../machine/machine.ts';
import { LabError } from '../core/errors.ts';
import { ensureImages } from './images/pull.ts';
import type { LayerProgress } from './images/layerProgress.ts';
import { requireBinaries, requireComponentPortsFree, requireImages, requireRoot } from './requirements.ts';
import { loadProgress, recordResult, saveProgress } from './stepProgress.ts';
import { runStep, type StepReport } from './runner.ts';
import { templateVars } from './templateVars.ts';
import { withLiveNode } from './labNode.ts';
import type { ImageRole } from '../core/versions.ts';
import type { TemplateVars } from '../core/template.ts';

export interface ApplyOptions {
  log: (line: string) => void;
  /** Multiplies each step's applyTimeoutSeconds (slow machines, benchmarks). */
  timeoutScale?: number;
  /** Per-layer progress of image pulls (issue 6); the CLI prints it, the UI may draw it. */
  onPullProgress?: (event: LayerProgress) => void;
}

/** What earlier steps' `lab apply` wrote to a file: replacing one of these loses nothing of the student's. */
function earlierReferences(steps: Step[], before: number, to: string, vars: TemplateVars): string[] {
  return steps
    .filter((s) => s.number < before)
    .flatMap((s) => s.meta.apply)
    .flatMap((a) => ('write' in a && a.write.to === to ? [renderFixture(a.write.fixture, vars)] : []));
}

async function doAction(
  env: LabEnv,
  docker: DockerDriver,
  action: ApplyAction,
  earlier: (to: string, vars: TemplateVars) => string[],
  log: (line: string) => void,
): Promise<void> {
  if ('kubelet' in action) return ensureKubelet(env, docker, action.kubelet, log);
  // Pods are pinned to the node as it runs: the lab's mvk-node, or the name a student's own kubelet registered.
  const live = withLiveNode(env);
  if ('write' in action) {
    const vars = templateVars(live);
    const { to, fixture } = action.write;
    await writeStaticPodFile(live, docker, to, renderFixture(fixture, vars), log, earlier(to, vars));
  } else if ('kubectlApply' in action) await kubectlApply(live, renderFixture(action.kubectlApply, templateVars(live)), log);
  else await codeActions[action.code as CodeActionName](live, log);
}

function describeFailures(report: StepReport): string {
  return report.results
    .filter((r) => r.status === 'fail')
    .map((r) => `${r.id}: ${r.seen}`)
    .join('; ');
}

/** Polls a step's probes until all pass, printing a line whenever the picture changes. */
export async function waitForStep(
  env: LabEnv,
  step: Step,
  machine: Machine,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<StepReport> {
  const deadline = Date.now() + timeoutMs;
  let lastLine = '';
  for (;;) {
    const report = await runStep(env, step, machine);
    if (report.passed) return report;
    const passing = report.results.filter((r) => r.status === 'pass').length;
    const waitingOn = report.results.find((r) => r.status === 'fail');
    const line = `  waiting: ${passing}/${report.results.length} checks pass; ${waitingOn ? `${waitingOn.title} (${waitingOn.seen})` : ''}`;
    if (line !== lastLine) log(line);
    lastLine = line;
    if (Date.now() > deadline) {
      const failing = report.results.find((r) => r.status === 'fail');
      throw new LabError(
        `step ${step.number} did not pass within ${Math.round(timeoutMs / 1000)}s: ${describeFailures(report)}`,
        // Issue 5: a diagnosis's fix is more specific than the probe's generic hint.
        `${failing?.diagnosis?.fix ?? failing?.hint ?? `run \`lab verify ${step.number}\``}; kubelet's log is .lab/kubelet.log`,
      );
    }
    await sleep(500);
  }
}

/** Does step `target` for the student, and every earlier step that does not pass yet. */
export async function applyThrough(env: LabEnv, steps: Step[], target: number, options: ApplyOptions): Promise<void> {
  const { log } = options;
  requireRoot('lab apply');
  const docker = new DockerDriver();
  await docker.ensureUp();
  const machine = realMachine(docker);
  for (const step of steps.filter((s) => s.number <= target)) {
    const before = await runStep(env, step, machine);
    if (before.passed) {
      log(`step ${step.number} (${step.meta.title}) already passes`);
      saveProgress(env, recordResult(loadProgress(env), step.number, true, steps.length));
      continue;
    }
    log(`step ${step.number}: ${step.meta.title}`);
    const binaries = new Set(step.meta.binaries);
    if (step.meta.apply.some((a) => 'kubectlApply' in a || 'code' in a)) binaries.add('kubectl');
    requireBinaries(env, [...binaries]);
    const images = new Set<ImageRole>(step.meta.images);
    if (step.meta.apply.some((a) => 'kubelet' in a)) images.add('pause');
    // Issue 6: pull missing images with visible progress before kubelet needs them, then require them.
    await ensureImages(env, docker, [...images], { log, onProgress: options.onPullProgress, automatic: true });
    await requireImages(env, docker, [...images]);
    // The static pods this step starts listen on the host: nothing else may hold their ports.
    for (const [role, pod] of Object.entries(step.meta.staticPods))
      if (pod.ports.length > 0) await requireComponentPortsFree(env, docker, role);
    const earlier = (to: string, vars: TemplateVars) => earlierReferences(steps, step.number, to, vars);
    for (const action of step.meta.apply) await doAction(env, docker, action, earlier, log);
    const started = Date.now();
    await waitForStep(env, step, machine, step.meta.applyTimeoutSeconds * 1000 * (options.timeoutScale ?? 1), log);
    log(`step ${step.number} passes (${((Date.now() - started) / 1000).toFixed(1)}s after its changes)`);
    saveProgress(env, recordResult(loadProgress(env), step.number, true, steps.length));
  }
}
