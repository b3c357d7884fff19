import { loadSteps, type Step } from './content/load.ts';
import { UsageError } from './errors.ts';
import { codeProbes } from './probes/custom/index.ts';
import { codeActions } from './actions/code.ts';

const basePlaceholders = ['repo', 'bin', 'nodeName', 'varDir', 'apiserverUrl', 'kubernetesVersion', 'nginxIp', 'images.pause', 'images.busybox', 'images.etcd', 'images.apiserver', 'images.nginx', 'images.curl'];

/** The lab's steps, validated against the probes and actions this engine has. */
export function labSteps(): Step[] {
  return loadSteps({ codeProbes: Object.keys(codeProbes), codeActions: Object.keys(codeActions), knownPlaceholders: basePlaceholders });
}

export function stepByNumber(steps: Step[], input: string | number): Step {
  const text = String(input).trim();
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  const step = steps.find((s) => s.number === number);
  if (!step) {
    throw new UsageError(`there is no step "${text}"`, `valid steps are ${steps.map((s) => s.number).join(', ')} (${steps.map((s) => `${s.number}: ${s.meta.title}`).join('; ')})`);
  }
  return step;
}
