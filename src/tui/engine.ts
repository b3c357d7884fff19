import { applyThrough } from '../engine/apply.ts';
import { mapPartsOf } from '../content/declared.ts';
import type { Step } from '../content/load.ts';
import type { LabEnv } from '../core/context.ts';
import { DockerDriver } from '../machine/docker.ts';
import { realMachine } from '../machine/machine.ts';
import { kubeletLogTail } from '../machine/kubelet.ts';
import type { LayerProgress } from '../engine/images/layerProgress.ts';
import { loadProgress, saveProgress, type Progress } from '../engine/stepProgress.ts';
import { runStep, type StepReport } from '../engine/runner.ts';
import { clusterSnapshot, type ClusterSnapshot } from '../engine/snapshot.ts';
import { realMachinePrep } from './machinePrep.ts';
import type { MachinePrep } from './machineCheck.ts';

/** Everything the walkthrough asks of the lab engine; tests hand in a fake. */
export interface WalkthroughEngine {
  env: LabEnv;
  steps: Step[];
  check(step: Step): Promise<StepReport>;
  snapshot(): Promise<ClusterSnapshot>;
  /** `onPull` gets per-layer progress of the images apply pulls first. */
  apply(stepNumber: number, log: (line: string) => void, onPull?: (event: LayerProgress) => void): Promise<void>;
  loadProgress(): Progress;
  saveProgress(progress: Progress): void;
  kubeletLog(lines: number): string[];
  /** The first screen's machine check and fetches; without it the walkthrough opens on the welcome screen. */
  prep?: MachinePrep;
}

export function labEngine(env: LabEnv, steps: Step[]): WalkthroughEngine {
  const mapParts = mapPartsOf(steps);
  // A fresh driver per run: DockerDriver remembers "Docker is down", and the walkthrough outlives that.
  return {
    env,
    steps,
    check: (step) => runStep(env, step, realMachine(new DockerDriver())),
    snapshot: () => clusterSnapshot(env, realMachine(new DockerDriver()), mapParts),
    apply: (stepNumber, log, onPull) => applyThrough(env, steps, stepNumber, { log, onPullProgress: onPull }),
    loadProgress: () => loadProgress(env),
    saveProgress: (progress) => saveProgress(env, progress),
    kubeletLog: (lines) => kubeletLogTail(env, lines),
    prep: realMachinePrep(env),
  };
}
