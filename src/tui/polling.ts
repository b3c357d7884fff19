import type { ProbeSpec } from '../content/schema.ts';
import type { StepReport } from '../engine/runner.ts';

/**
 * Probe kinds whose answer changes only with an event the walkthrough already receives: files in pods/
 * and the kubeconfig (file watcher), kubelet's containers (Docker's event stream).
 */
const PUSHED_KINDS = new Set<ProbeSpec['kind']>(['file', 'container']);

/**
 * Whether the current step must be polled: only while a failing probe reads state that nothing pushes
 * (a process, HTTP, the API, a path on disk). Skipped probes wait on a failing one, so they follow it.
 */
export function needsPolling(report: StepReport | undefined): boolean {
  if (!report) return true;
  return report.results.some((result) => result.status === 'fail' && !PUSHED_KINDS.has(result.kind));
}
