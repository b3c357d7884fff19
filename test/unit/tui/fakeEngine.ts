import { labEnv } from '../../../src/core/context.ts';
import { emptyProgress, type Progress } from '../../../src/engine/stepProgress.ts';
import type { StepReport } from '../../../src/engine/runner.ts';
import type { ClusterSnapshot } from '../../../src/engine/snapshot.ts';
import { labSteps } from '../../../src/engine/steps.ts';
import type { WalkthroughEngine } from '../../../src/tui/engine.ts';
// labEnv() below is the lab's env on a temporary work dir (MVK_WORK_DIR), not the developer's checkout.
import '../../helpers/workdir.ts';
import type { FakeScheduler } from './fakeScheduler.ts';
import { emptyMachine } from './fixtures.ts';

/** The real step content with a machine that answers from memory: `passing` says which steps pass. */
export function fakeEngine(options: { passing?: Set<number>; progress?: Progress; snapshot?: ClusterSnapshot } = {}) {
  const passing = options.passing ?? new Set<number>();
  const saved: Progress[] = [];
  const checked: number[] = [];
  const applied: number[] = [];
  let progress = options.progress ?? emptyProgress();
  const steps = labSteps();
  const engine: WalkthroughEngine = {
    env: labEnv(),
    steps,
    async check(step): Promise<StepReport> {
      checked.push(step.number);
      const passed = passing.has(step.number);
      const results = step.meta.probes.map((probe) => ({
        step: step.number,
        id: probe.id,
        title: probe.title,
        kind: probe.kind,
        status: passed ? ('pass' as const) : ('fail' as const),
        expected: 'x',
        seen: 'y',
        hint: 'do the thing',
        durationMs: 1,
      }));
      return { step: step.number, title: step.meta.title, passed, results, durationMs: 1 };
    },
    snapshot: async () => options.snapshot ?? emptyMachine,
    async apply(stepNumber, log) {
      applied.push(stepNumber);
      log(`step ${stepNumber}: doing it`);
      for (let n = 1; n <= stepNumber; n++) passing.add(n);
    },
    loadProgress: () => progress,
    saveProgress: (next) => {
      progress = next;
      saved.push(next);
    },
    kubeletLog: () => ['I1122 kubelet line'],
  };
  return { engine, saved, checked, applied, passing };
}

/** Lets pending promise callbacks and Ink's input handling run; no wall-clock wait. */
/** The shipped steps' numbers, 1 to the last: tests say "every step" with this, not a count. */
export const STEP_NUMBERS = labSteps().map((s) => s.number);

export const settle = async (rounds = 5) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Runs the store's timers that are due now (with no debounce: the checks an event or `open` asks for)
 * and lets what they start finish. The fake clock does not move, so polls stay pending.
 */
export const flush = async (scheduler: FakeScheduler, rounds = 3) => {
  for (let i = 0; i < rounds; i++) {
    scheduler.tick(0);
    await settle();
  }
};
