import type { Step, StepProblem } from './load.ts';
import type { MapPartSpec, StaticPodSpec } from './schema.ts';

/**
 * What the steps declare about the cluster they build, gathered across steps: the engine and the
 * walkthrough read the static pods and the map's parts from here, so a new step adds its own in its
 * step.yaml and no code names them.
 */
export interface DeclaredStaticPod extends StaticPodSpec {
  role: string;
  /** The step that introduces it. */
  step: number;
}

export interface DeclaredMapPart {
  spec: MapPartSpec;
  /** The step that adds it: the map shows it once the student has reached that step. */
  step: number;
}

export function staticPodsOf(steps: readonly Step[]): Record<string, DeclaredStaticPod> {
  const pods: Record<string, DeclaredStaticPod> = {};
  for (const step of steps) {
    for (const [role, spec] of Object.entries(step.meta.staticPods)) pods[role] = { ...spec, role, step: step.number };
  }
  return pods;
}

export function mapPartsOf(steps: readonly Step[]): DeclaredMapPart[] {
  return steps.flatMap((step) => step.meta.map.map((spec) => ({ spec, step: step.number })));
}

/**
 * The first step after which the node is in the API (the step whose map adds the node): from then on
 * kubelet runs with a kubeconfig, and the API's events and nodes say something. Past the last step when
 * no step adds it.
 */
export const nodeJoinsAt = (steps: readonly Step[]): number =>
  steps.find((step) => step.meta.map.some((part) => part.kind === 'node'))?.number ?? steps.length + 1;

/** The placeholders a static pod role gives lessons, fixtures and probes. */
export const staticPodPlaceholders = (role: string) => [`pods.${role}.name`, `pods.${role}.namespace`, `pods.${role}.file`];

/**
 * Problems across steps: a static pod role declared twice, a map part naming a static pod no step
 * up to its own declares, a finale on any step but the last (or none there).
 */
export function declarationProblems(steps: readonly Step[]): StepProblem[] {
  const problems: StepProblem[] = [];
  const roles = new Map<string, number>();
  for (const step of steps) {
    for (const role of Object.keys(step.meta.staticPods)) {
      const first = roles.get(role);
      if (first !== undefined)
        problems.push({
          file: step.metaFile,
          field: `staticPods.${role}`,
          message: `the static pod "${role}" is already declared by step ${first}`,
        });
      else roles.set(role, step.number);
    }
    step.meta.map.forEach((part, index) => {
      if (part.kind === 'staticPod' && !roles.has(part.pod)) {
        problems.push({
          file: step.metaFile,
          field: `map.${index}.pod`,
          message: `"${part.pod}" is not a static pod of this step or an earlier one (declared: ${[...roles.keys()].join(', ') || 'none'})`,
        });
      }
    });
  }
  // The final screen comes after the last step, and says what the whole track built.
  steps.forEach((step, index) => {
    const last = index === steps.length - 1;
    if (step.meta.finale && !last)
      problems.push({
        file: step.metaFile,
        field: 'finale',
        message: `only the last step (${steps.at(-1)!.number}) has the final screen's finale`,
      });
    if (!step.meta.finale && last)
      problems.push({
        file: step.metaFile,
        field: 'title',
        message: "the last step needs a finale: the final screen's headline, request path, what production adds and what comes next",
      });
  });
  return problems;
}
