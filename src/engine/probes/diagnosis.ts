import type { ProbeSpec } from '../../content/schema.ts';
import type { Diagnosis, ProbeContext, ProbeResult } from './types.ts';

/**
 * The hook a diagnosis layer attaches to: called for every failed probe with the result (its
 * evidence included) and the probe's spec; it may return a named diagnosis that verify, --json and
 * the walkthrough show under the failure. None is registered yet.
 */
export type Diagnoser = (result: ProbeResult, spec: ProbeSpec, ctx: ProbeContext) => Promise<Diagnosis | undefined>;

let diagnoser: Diagnoser | undefined;

export function registerDiagnoser(next: Diagnoser | undefined): void {
  diagnoser = next;
}

export function currentDiagnoser(): Diagnoser | undefined {
  return diagnoser;
}
