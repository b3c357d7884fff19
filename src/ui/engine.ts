import { applyThrough } from '../apply.ts';
import type { Step } from '../content/load.ts';
import type { LabEnv } from '../context.ts';
import { DockerDriver } from '../drivers/docker.ts';
import { kubeletLogTail } from '../drivers/kubelet.ts';
import { loadProgress, saveProgress, type Progress } from '../progress.ts';
import { runStep, type StepReport } from '../runner.ts';
import { clusterSnapshot, type ClusterSnapshot } from '../snapshot.ts';

/** Everything the walkthrough asks of the lab engine; tests hand in a fake. */
export interface WalkthroughEngine {
  env: LabEnv;
  steps: Step[];
  check(step: Step): Promise<StepReport>;
  snapshot(): Promise<ClusterSnapshot>;
  apply(stepNumber: number, log: (line: string) => void): Promise<void>;
  loadProgress(): Progress;
  saveProgress(progress: Progress): void;
  kubeletLog(lines: number): string[];
}

export function labEngine(env: LabEnv, steps: Step[]): WalkthroughEngine {
  // A fresh driver per run: DockerDriver remembers "Docker is down", and the walkthrough outlives that.
  return {
    env,
    steps,
    check: (step) => runStep(env, step, new DockerDriver()),
    snapshot: () => clusterSnapshot(env, new DockerDriver()),
    apply: (stepNumber, log) => applyThrough(env, steps, stepNumber, { log }),
    loadProgress: () => loadProgress(env),
    saveProgress: (progress) => saveProgress(env, progress),
    kubeletLog: (lines) => kubeletLogTail(env, lines),
  };
}
