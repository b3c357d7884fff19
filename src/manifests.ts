import { yaml } from './yaml.ts';

export interface ParsedYaml {
  ok: boolean;
  value?: unknown;
  /** "line 4, column 3: ..." for the first problem. */
  error?: string;
}

/** Parses a student's YAML file and reports the first mistake with its line, as kubelet would not. */
export function parseYamlText(text: string): ParsedYaml {
  const docs = yaml().parseAllDocuments(text, { prettyErrors: true });
  if (!Array.isArray(docs)) return { ok: false, error: 'not YAML' };
  const real = docs.filter((doc) => doc.contents !== null || doc.errors.length > 0);
  for (const doc of real) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      return { ok: false, error: `${where}${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` };
    }
  }
  if (real.length === 0) return { ok: false, error: 'the file is empty' };
  if (real.length > 1) return { ok: false, error: `holds ${real.length} YAML documents; a static pod file holds one Pod` };
  return { ok: true, value: real[0]!.toJS() };
}

/** What kubelet needs at least to run a file as a static pod; returns the first thing missing. */
export function podProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'is not a YAML mapping';
  const doc = value as Record<string, any>;
  if (doc.apiVersion !== 'v1') return `apiVersion is ${JSON.stringify(doc.apiVersion)}, a Pod needs "v1"`;
  if (doc.kind !== 'Pod') return `kind is ${JSON.stringify(doc.kind)}, expected "Pod"`;
  if (!doc.metadata?.name) return 'metadata.name is missing';
  const containers = doc.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return 'spec.containers is missing or empty';
  for (const [index, container] of containers.entries()) {
    if (!container?.name) return `spec.containers[${index}].name is missing`;
    if (!container?.image) return `spec.containers[${index}].image is missing`;
  }
  return undefined;
}

/** The API server URL of a kubeconfig's current context, or why there is none. */
export function kubeconfigServer(value: unknown): { server?: string; problem?: string } {
  const doc = value as Record<string, any> | undefined;
  if (!doc || doc.kind !== 'Config') return { problem: 'kind is not "Config"' };
  const contextName = doc['current-context'];
  if (!contextName) return { problem: 'current-context is not set' };
  const context = (doc.contexts ?? []).find((c: any) => c?.name === contextName)?.context;
  if (!context) return { problem: `no context named "${contextName}"` };
  const cluster = (doc.clusters ?? []).find((c: any) => c?.name === context.cluster)?.cluster;
  if (!cluster) return { problem: `context "${contextName}" names cluster "${context.cluster}", which is not in clusters` };
  if (!cluster.server) return { problem: `cluster "${context.cluster}" has no server` };
  return { server: String(cluster.server) };
}

/** `--name=value` or `--name value` from a container's command and args. */
export function containerFlag(container: any, name: string): string | undefined {
  const argv: string[] = [...(container?.command ?? []), ...(container?.args ?? [])].map(String);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}` && i + 1 < argv.length) return argv[i + 1];
  }
  return undefined;
}
