import type { LabEnv } from '../core/context.ts';
import { engineVars, type MachineFacts, type TemplateVars } from '../core/template.ts';
import { labStaticPods, lessonStaticPodRef } from './labNode.ts';

/**
 * Everything content may name, with this machine's values: the engine's own variables, the static
 * pods the steps declare, as pods/ names them (withLiveNode) or as the lessons do, and the machine facts
 * the kubelet command line depends on.
 */
export function templateVars(env: LabEnv, machine?: MachineFacts): TemplateVars {
  const vars = engineVars(env);
  // The static pods the steps declare, as pods/ names them (withLiveNode), else as the lessons do.
  for (const [role, lesson] of Object.entries(labStaticPods())) {
    const ref = env.staticPods?.[role] ?? lessonStaticPodRef(env, role, lesson);
    vars[`pods.${role}.name`] = ref.name;
    vars[`pods.${role}.namespace`] = ref.namespace;
    vars[`pods.${role}.file`] = ref.file;
  }
  if (machine) {
    vars.nodeIp = machine.nodeIp;
    vars.cgroupDriver = machine.cgroupDriver;
    vars.kubeletExtraFlags = machine.swapOn ? ' --fail-swap-on=false' : '';
  }
  return vars;
}
