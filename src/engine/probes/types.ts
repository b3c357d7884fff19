import type { ProbeSpec } from '../../content/schema.ts';
import type { LabEnv } from '../../core/context.ts';
import type { Machine } from '../../machine/machine.ts';
import type { TemplateVars } from '../../core/template.ts';

export type ProbeStatus = 'pass' | 'fail' | 'skip';

/** What a diagnosis layer (issue 5) adds to a failed probe: a named, explained failure. */
export interface Diagnosis {
  id: string;
  explanation: string;
  fix: string;
  lessonRef?: string;
}

export interface ProbeResult {
  step: number;
  id: string;
  title: string;
  kind: ProbeSpec['kind'];
  status: ProbeStatus;
  expected: string;
  seen: string;
  /** For failures: the most likely cause and what to do. */
  cause?: string;
  hint?: string;
  durationMs: number;
  /** Raw facts the probe saw (container ids, HTTP status, exit codes): input for a diagnosis. */
  evidence?: Record<string, unknown>;
  diagnosis?: Diagnosis;
  /**
   * On a pass: the student chose differently from the lesson and the outcome holds, but the choice
   * matters later ("your etcd keeps its data in /var/lib/etcd: fine; `lab reset` …").
   */
  note?: string;
  /** The failure is kubelet catching up with a change the student made; it should pass by itself. */
  settling?: boolean;
}

/** What a probe evaluator reports; the runner turns it into a ProbeResult. */
export interface Outcome {
  ok: boolean;
  expected: string;
  seen: string;
  /** Replaces the metadata's cause when the evaluator knows better (e.g. "nothing listens on :2379"). */
  cause?: string;
  hint?: string;
  evidence?: Record<string, unknown>;
  /** Shown on a pass only; see ProbeResult.note. */
  note?: string;
  /** A failure that is kubelet catching up with a change (a pod being replaced), not a mistake: no diagnosis. */
  settling?: boolean;
}

export interface ProbeContext {
  env: LabEnv;
  vars: TemplateVars;
  machine: Machine;
  step: number;
  /** Per-run memo so probes of one run share one Docker listing or API read. */
  memo: Map<string, Promise<unknown>>;
}

/** The memo key of this run's lint of pods/ (the runner lints once; drift checks and diagnoses reuse it). */
export const PODS_LINT = 'diagnosis:lint';

export function memo<T>(ctx: ProbeContext, key: string, compute: () => Promise<T>): Promise<T> {
  let value = ctx.memo.get(key) as Promise<T> | undefined;
  if (!value) {
    value = compute();
    ctx.memo.set(key, value);
  }
  return value;
}

export type CodeProbe = (ctx: ProbeContext) => Promise<Outcome>;
