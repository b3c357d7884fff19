import path from 'node:path';
import { render } from '../../../core/template.ts';
import { containerFlag } from '../../manifests.ts';
import { NODE_NAME } from '../../../core/context.ts';
import { apiObjectProbe } from '../kinds/apiObject.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { manifestFor } from '../manifestDrift.ts';

/** The newest running app container of a role's static pod, as the live env names it. */
async function runningContainerOf(ctx: ProbeContext, role: 'etcd' | 'apiserver') {
  const name = render(`{{pods.${role}.name}}-{{nodeName}}`, ctx.vars);
  const namespace = ctx.vars[`pods.${role}.namespace`]!;
  const containers = await ctx.machine.docker.podContainers({ podName: name, namespace });
  return { name, namespace, container: containers.find((c) => c.containerName !== 'POD' && c.state === 'running') };
}

/** Where the running etcd keeps its data: --data-dir inside its container, and the host directory mounted there. */
export async function etcdDataMount(ctx: ProbeContext): Promise<
  | { running: false; name: string; namespace: string }
  | {
      running: true;
      name: string;
      namespace: string;
      dataDir: string;
      hostDir?: string;
      mounts: { source: string; destination: string }[];
    }
> {
  const { name, namespace, container } = await runningContainerOf(ctx, 'etcd');
  if (!container) return { running: false, name, namespace };
  const details = await ctx.machine.docker.inspectContainer(container.id);
  // etcd's default --data-dir is "<name>.etcd" (default.etcd) under its working directory, / in the image.
  const flag = containerFlag({ command: details.argv }, 'data-dir') ?? 'default.etcd';
  const dataDir = path.posix.resolve('/', flag);
  const mount = details.mounts
    .filter((m) => dataDir === m.destination || dataDir.startsWith(`${m.destination.replace(/\/$/, '')}/`))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  const hostDir = mount ? path.join(mount.source, path.posix.relative(mount.destination, dataDir)) : undefined;
  return { running: true, name, namespace, dataDir, mounts: details.mounts, ...(hostDir ? { hostDir } : {}) };
}

/**
 * etcd keeps its data on the host: the directory its --data-dir names inside the container is a bind
 * mount (hostPath) of a host directory that holds etcd's member/ data. Any host directory will do; the
 * lesson's is /var/lib/mvk-lab/etcd (step 9 moves it to a restored one beside it), and one outside
 * the lab's directory earns a note about reset.
 */
export async function etcdDataOnHost(ctx: ProbeContext): Promise<Outcome> {
  const expected = "the directory etcd's --data-dir names is a hostPath mount holding etcd's member/ data";
  const data = await etcdDataMount(ctx);
  if (!data.running) return { ok: false, expected, seen: `no running etcd container for pod ${data.namespace}/${data.name}` };
  const { dataDir, hostDir } = data;
  const evidence = { dataDir, mounts: data.mounts };
  if (!hostDir)
    return {
      ok: false,
      expected,
      seen: `etcd writes to ${dataDir} inside its container, and no host directory is mounted there`,
      evidence,
    };
  if ((await ctx.machine.pathKind(path.join(hostDir, 'member'))) === undefined)
    return {
      ok: false,
      expected,
      seen: `${dataDir} is the host's ${hostDir}, but there is no member/ in it yet`,
      cause: 'etcd has not written its data yet, or writes it elsewhere',
      evidence,
    };
  const seen = `--data-dir=${dataDir} is the host's ${hostDir} (member/ is there)`;
  const lessons = path.join(ctx.env.varDir, 'etcd');
  // Anything under the lab's directory goes with `lab reset` (step 9's restored data dir is there too).
  if (path.resolve(hostDir) === lessons || path.resolve(hostDir).startsWith(`${ctx.env.varDir}/`))
    return { ok: true, expected, seen, evidence };
  return {
    ok: true,
    expected,
    seen,
    evidence,
    note:
      `your etcd keeps its data in ${hostDir} (the lesson uses ${lessons}): fine; \`lab reset\` removes it only if it appeared ` +
      `after the lab first ran, and otherwise prints the command to remove it`,
  };
}

/** Whether /etc/hosts names `host` (the apiserver, on the host's network, resolves node names so). */
export function hostsFileNames(host: string, hostsText: string): boolean {
  return hostsText.split('\n').some((line) =>
    line
      .replace(/#.*/, '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .some((name) => name.toLowerCase() === host.toLowerCase()),
  );
}

/**
 * How the apiserver will reach kubelet for `kubectl logs` (step 6). The lesson sets
 * --kubelet-preferred-address-types=InternalIP; without it the apiserver dials the node's host name
 * first, which works as long as that name resolves. Either way this step passes; step 6 checks the outcome.
 */
export async function apiserverKubeletRoute(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'the apiserver has a way to reach kubelet by the node address (step 6 needs it)';
  const manifest = await manifestFor(ctx, ctx.vars['pods.apiserver.namespace']!, `${ctx.vars['pods.apiserver.name']}-${ctx.env.nodeName}`);
  const container = manifest?.value?.spec?.containers?.[0];
  if (!container) return { ok: false, expected, seen: `no pod file in pods/ defines the apiserver` };
  const types = containerFlag(container, 'kubelet-preferred-address-types');
  const first = types?.split(',')[0];
  if (first === 'InternalIP') return { ok: true, expected, seen: `--kubelet-preferred-address-types=${types}` };
  let named = false;
  try {
    named = hostsFileNames(ctx.env.nodeName, await ctx.machine.readFile('/etc/hosts'));
  } catch {
    named = false;
  }
  const seen = types
    ? `--kubelet-preferred-address-types=${types}`
    : 'no --kubelet-preferred-address-types: the apiserver dials the node by its host name first';
  return {
    ok: true,
    expected,
    seen,
    note:
      `the apiserver will reach kubelet as "${ctx.env.nodeName}"; ` +
      (named
        ? 'that name is in /etc/hosts, so `kubectl logs` should work'
        : 'that name is not in /etc/hosts, so `kubectl logs` (step 6) works only if DNS knows it; ' +
          '--kubelet-preferred-address-types=InternalIP avoids the question'),
  };
}

/**
 * The Node is registered and Ready. When kubelet registered under another name than the lessons'
 * mvk-node (the article's kubelet takes the host's name), the pass carries a note: the name matters
 * again in step 6, where a pod's nodeName must be exactly it.
 */
export async function nodeReady(ctx: ProbeContext): Promise<Outcome> {
  const outcome = await apiObjectProbe(
    {
      id: 'node-ready',
      title: '',
      cause: '',
      hint: '',
      needs: [],
      kind: 'apiObject',
      path: '/api/v1/nodes/{{nodeName}}',
      expect: [{ field: 'status.conditions[type=Ready].status', equals: 'True' }],
    },
    ctx,
  );
  if (!outcome.ok || ctx.env.nodeName === NODE_NAME) return outcome;
  return {
    ...outcome,
    note:
      `your node is called "${ctx.env.nodeName}" (the lessons say ${NODE_NAME}): fine; write ${ctx.env.nodeName} wherever a ` +
      `lesson writes ${NODE_NAME}, as in step 6's nodeName`,
  };
}
