/** The API server URL of a kubeconfig's current context, or why there is none. */
export function kubeconfigServer(value: unknown): { server?: string; problem?: string } {
  const doc = value as Record<string, any> | undefined;
  if (doc?.kind !== 'Config') return { problem: 'kind is not "Config"' };
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
