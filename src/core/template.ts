import type { LabEnv } from './context.ts';

/**
 * Lessons, fixtures and probe specs name machine-specific values as `{{name}}` (for example
 * `{{images.busybox}}`, `{{nodeIp}}`), so the one list in labs/versions.yaml and the facts read from
 * this machine are the only sources. A placeholder must start with a letter, so Docker's and
 * kubectl's own `{{.Field}}` templates pass through untouched.
 */
const placeholder = /\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g;

export type TemplateVars = Record<string, string>;

/** Facts read from the machine (Docker, swap) that the kubelet command line depends on. */
export interface MachineFacts {
  nodeIp: string;
  cgroupDriver: string;
  swapOn: boolean;
}

/** The variables that need no step: paths, the node, the apiserver, the images of labs/versions.yaml. */
export function engineVars(env: LabEnv): TemplateVars {
  const vars: TemplateVars = {
    repo: env.repoRoot,
    bin: env.binDir,
    nodeName: env.nodeName,
    // The kubeconfig the running kubelet was given (any name), else the lesson's kubeconfig.yaml.
    kubeletKubeconfig: env.node?.footprint?.kubeconfig ?? env.kubeconfigFile,
    varDir: env.varDir,
    apiserverUrl: env.apiserverUrl,
    kubernetesVersion: env.versions.kubernetes,
  };
  for (const [role, image] of Object.entries(env.versions.images)) vars[`images.${role}`] = image;
  return vars;
}

/** Names every placeholder may use, for content validation before any machine fact is known. */
export const machinePlaceholders = ['nodeIp', 'cgroupDriver', 'kubeletExtraFlags'];

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(placeholder)].map((match) => match[1]!);
}

export class UnknownPlaceholderError extends Error {
  constructor(readonly names: string[]) {
    super(`unknown placeholder ${names.map((name) => `{{${name}}}`).join(', ')}`);
  }
}

export function render(text: string, vars: TemplateVars): string {
  const unknown = placeholdersIn(text).filter((name) => !(name in vars));
  if (unknown.length > 0) throw new UnknownPlaceholderError([...new Set(unknown)]);
  return text.replace(placeholder, (_, name: string) => vars[name]!);
}

/** Renders every string inside a parsed YAML/JSON value. */
export function renderDeep<T>(value: T, vars: TemplateVars): T {
  if (typeof value === 'string') return render(value, vars) as T;
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, vars)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderDeep(item, vars)])) as T;
  }
  return value;
}
