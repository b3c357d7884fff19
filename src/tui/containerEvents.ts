import type { Step } from '../content/load.ts';
import { render, type TemplateVars } from '../core/template.ts';

/** dockershim names containers k8s_<container>_<pod>_<namespace>_<uid>_<attempt>; pod names hold no "_". */
export function podOfContainer(name: string): string | undefined {
  const parts = name.replace(/^\//, '').split('_');
  return parts[0] === 'k8s' && parts.length >= 6 ? parts[2] : undefined;
}

/** Pods whose containers the step's probes look at: their events can change the checklist at once. */
export function podsWatchedBy(step: Step, vars: TemplateVars): Set<string> {
  const pods = new Set<string>();
  for (const probe of step.meta.probes) if (probe.kind === 'container') pods.add(render(probe.pod, vars));
  return pods;
}
