import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROBE_COMPONENTS, type ProbeComponent, type ProbeSpec } from '../../content/schema.ts';
import type { LabEnv } from '../../core/context.ts';
import { exitCodeOf, type ContainerFact } from '../../machine/containerFact.ts';
import { currentPodUid, DOCKER_SOCKET } from '../../machine/docker.ts';
import { parseJson } from '../../machine/http.ts';
import { kubeletLogFile, kubeletPidFile, labKubelets, withoutGoroutineDumps } from '../../machine/kubelet.ts';
import type { Machine } from '../../machine/machine.ts';
import { tailLines } from '../../machine/tail.ts';
import { stderrTarget } from '../../machine/proc.ts';
import { EvidenceUnavailableError } from '../../core/errors.ts';
import { kubeconfigServer } from '../manifests.ts';
import { componentAt, labPorts } from '../labPorts.ts';
import { lintPodsDir, type DuplicatePod, type LintedManifest } from '../manifestLint.ts';
import { labNodeJoinsAt, labStaticPods } from '../labNode.ts';
import { render } from '../../core/template.ts';
import { yaml } from '../../core/yaml.ts';
import { memo, PODS_LINT, type ProbeContext, type ProbeResult } from '../probes/types.ts';

/** The parts of the cluster a probe can be about; each maps to a static pod and ports. */
export type Component = ProbeComponent;

/** The static pods that are parts of the cluster the diagnoses know: roles in step.yaml that are probe components. */
const STATIC_COMPONENTS = PROBE_COMPONENTS.filter((c) => !['kubelet', 'serviceaccount', 'pod'].includes(c));

/**
 * The process name (/proc/<pid>/comm) that should hold a component's port: kubelet, or the static pod's
 * program, cut as the kernel cuts comm to 15 characters (kube-controller-manager is `kube-controller`).
 */
export const componentProcess = (component: string): string | undefined =>
  (component === 'kubelet' ? 'kubelet' : labStaticPods()[component]?.program)?.slice(0, 15);

/** A static component's pod as pods/ names it (the template's {{pods.<role>.*}}), else as its step declares it. */
function staticPodOf(component: string, vars: Record<string, string>): { namespace: string; name: string } | undefined {
  if (vars[`pods.${component}.name`]) return { namespace: vars[`pods.${component}.namespace`]!, name: vars[`pods.${component}.name`]! };
  const lesson = labStaticPods()[component];
  return lesson ? { namespace: lesson.namespace, name: lesson.name } : undefined;
}

/** A container of the focused pod: its state, and which of the pod's containers it is. */
export interface PodContainerFact extends ContainerFact {
  name: string;
  container: string;
  image: string;
  /** Created a moment ago and not started yet, with no start error: kubelet is between two attempts. */
  starting?: boolean;
}

/**
 * Everything a matcher may look at, as plain data: gathered live by `gatherEvidence`, or recorded
 * (JSON) for the unit tests. Matchers never touch the machine themselves.
 */
export interface Evidence {
  step: number;
  nodeName: string;
  probe: { id: string; kind: string; title: string; seen: string; expected: string; data?: Record<string, unknown> };
  /** What the failing probe is about. */
  focus: { component?: Component; pod?: { namespace: string; name: string }; file?: string; logsContain?: string };
  /** Every file in pods/, linted, and pods defined in two files. */
  manifests: LintedManifest[];
  duplicates: DuplicatePod[];
  kubeconfig?: { file: string; server?: string; problem?: string };
  kubelet: { running: boolean; pid?: number; flags: Record<string, string>; others?: number };
  /** Tail of the running kubelet's log (or of the lab's log when none runs); absent when it logs to a terminal. */
  kubeletLog?: { source: string; lines: string[] };
  docker: { up: boolean; socket: string; error?: string };
  /** Containers of the focused pod, newest first. */
  containers: PodContainerFact[];
  /** Last log lines of the newest container of the focused pod that is not running (and Docker's start error if it never ran). */
  containerLogs?: { container: string; text: string; startError?: string };
  /** Last log lines of the newest app container when it runs: fresher than an older one that crashed. */
  runningLogs?: { container: string; text: string };
  ports: { port: number; address: string; pid?: number; name?: string }[];
  images: Record<string, boolean>;
  /** The lab's own pinned images by role (labs/versions.yaml), for fixes that name one. */
  labImages: Record<string, string>;
  /** Recent apiserver events for the focused pod (from step 4 on, when the apiserver answers). */
  events?: string[];
  /** Names of the registered Nodes (from step 4 on, when the apiserver answers): a matcher that calls a node missing checks here. */
  nodes?: string[];
  /** The focused pod's restartPolicy (its file in pods/, else its API object), Always when unset. */
  restartPolicy?: string;
  /** Sources that could not be read (see EvidenceUnavailableError). */
  missing: string[];
}

export const KUBELET_DEFAULT_PAUSE = 'k8s.gcr.io/pause:3.2';

/** The static pod a mirror/container name refers to: `etcd-mvk-node` is the manifest's `etcd`. */
export function staticName(podName: string, nodeName: string): string {
  return podName.endsWith(`-${nodeName}`) ? podName.slice(0, -nodeName.length - 1) : podName;
}

function componentOfPod(name: string, vars: Record<string, string> = {}): Component {
  return (
    STATIC_COMPONENTS.find((component) => name === labStaticPods()[component]?.name || name === vars[`pods.${component}.name`]) ?? 'pod'
  );
}

/** Works out what a probe is about from its spec alone (content stays free of diagnosis hints). */
export function focusOf(spec: ProbeSpec, env: LabEnv, vars: Record<string, string>): Evidence['focus'] {
  const safe = (text: string) => {
    try {
      return render(text, vars);
    } catch {
      return text;
    }
  };
  switch (spec.kind) {
    case 'process':
      return { component: 'kubelet' };
    case 'container': {
      const name = staticName(safe(spec.pod), env.nodeName);
      return {
        component: componentOfPod(name, vars),
        pod: { namespace: safe(spec.namespace), name },
        ...(spec.logsContain ? { logsContain: spec.logsContain } : {}),
      };
    }
    case 'http':
    case 'kubectl': {
      const url = spec.kind === 'http' ? safe(spec.url) : env.apiserverUrl;
      const component = (componentAt(Number(new URL(url).port)) ?? 'pod') as Component;
      const pod = component === 'kubelet' || component === 'pod' ? undefined : staticPodOf(component, vars);
      return { component, ...(pod ? { pod } : {}) };
    }
    case 'file': {
      // Paths may come rendered absolute ({{kubeletKubeconfig}}); evidence names files relative to the repo.
      const absolute = path.resolve(env.repoRoot, safe(spec.path));
      const file = path.relative(env.repoRoot, absolute);
      if (absolute === env.kubeconfigFile || absolute === env.node?.footprint?.kubeconfig) return { component: 'kubelet', file };
      return { file };
    }
    case 'path':
      return safe(spec.path).startsWith(env.etcdDataDir) ? { component: 'etcd', pod: staticPodOf('etcd', {})! } : {};
    case 'apiObject': {
      const apiPath = safe(spec.path);
      if (apiPath.includes('/serviceaccounts/')) return { component: 'serviceaccount' };
      if (apiPath.startsWith('/api/v1/nodes/')) return { component: 'kubelet' };
      const match = /\/namespaces\/([^/]+)\/pods\/([^/]+)/.exec(apiPath);
      if (match) {
        const name = staticName(match[2]!, env.nodeName);
        return { component: componentOfPod(name, vars), pod: { namespace: match[1]!, name } };
      }
      return {};
    }
    case 'code': {
      if (!spec.about) return {};
      const { component, pod, namespace } = spec.about;
      return { component, ...(pod ? { pod: { namespace: safe(namespace), name: safe(pod) } } : {}) };
    }
  }
}

/** A probe about a file in pods/ is also about the pod that file defines (pods/etcd.yaml -> etcd). */
export function withManifestPod(focus: Evidence['focus'], manifests: LintedManifest[]): Evidence['focus'] {
  if (!focus.file || focus.pod) return focus;
  const manifest = manifests.find((m) => m.file === focus.file);
  if (!manifest?.podName) return focus;
  const pod = { namespace: manifest.namespace ?? 'default', name: manifest.podName };
  return { ...focus, pod, component: focus.component ?? componentOfPod(pod.name) };
}

/**
 * Where the running kubelet writes its log: the lab's .lab/kubelet.log when `lab apply` started it,
 * whatever file its stderr points at when a student redirected it, nothing when it logs to a terminal.
 */
export function kubeletLogSource(env: LabEnv, pid: number | undefined): string {
  if (pid === undefined) {
    if (existsSync(kubeletLogFile(env))) return kubeletLogFile(env);
    throw new EvidenceUnavailableError('kubeletLog', 'no kubelet runs and the lab has no kubelet log');
  }
  try {
    if (Number(readFileSync(kubeletPidFile(env), 'utf8').trim()) === pid) return kubeletLogFile(env);
  } catch {
    // not started by the lab
  }
  const target = stderrTarget(pid);
  if (target === undefined) throw new EvidenceUnavailableError('kubeletLog', `cannot see where kubelet (pid ${pid}) writes its log`);
  if (target.startsWith('/') && !target.startsWith('/dev/') && existsSync(target)) return target;
  throw new EvidenceUnavailableError('kubeletLog', `kubelet (pid ${pid}) logs to its terminal (${target})`);
}

/** Kubelet log lines about one pod: its full name `name-node_namespace` or its quoted name. */
export function linesAboutPod(lines: string[], pod: { namespace: string; name: string }, nodeName: string): string[] {
  const needles = [`${pod.name}-${nodeName}_${pod.namespace}`, `${pod.name}_${pod.namespace}`, `"${pod.name}-${nodeName}"`];
  return lines.filter((line) => needles.some((needle) => line.includes(needle)));
}

const ERROR_WORDS = /\b(error|fatal|panic|failed|cannot|unable|invalid|refused|denied|not defined|not found|unknown|in use)\b/i;

/** The line of a container's log that says most: the last error-like line (a usage text may follow it), else the last line. */
export function telltaleLine(text: string | undefined): string {
  const lines = (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.filter((line) => ERROR_WORDS.test(line)).at(-1) ?? lines.at(-1) ?? '';
}

/** A pod's manifest in pods/: by namespace and name, the first file kubelet reads. */
export function manifestOf(
  ev: Pick<Evidence, 'manifests'>,
  pod: { namespace: string; name: string } | undefined,
): LintedManifest | undefined {
  if (!pod) return undefined;
  return ev.manifests.find((m) => m.podName === pod.name && (m.namespace ?? 'default') === pod.namespace);
}

export function imagesOf(manifest: LintedManifest | undefined): string[] {
  const containers = manifest?.value?.spec?.containers;
  return Array.isArray(containers) ? containers.map((c: any) => String(c?.image ?? '')).filter(Boolean) : [];
}

const shared = <T>(ctx: ProbeContext, key: string, compute: () => Promise<T>) => memo(ctx, `diagnosis:${key}`, compute);

/** Gathers evidence for one failed probe; every source that fails is listed in `missing`, never thrown. */
export async function gatherEvidence(result: ProbeResult, spec: ProbeSpec, ctx: ProbeContext): Promise<Evidence> {
  const { env } = ctx;
  const missing: string[] = [];
  const lint = await memo(ctx, PODS_LINT, async () => lintPodsDir(env.podsDir, env.repoRoot));
  const focus = withManifestPod(focusOf(spec, env, ctx.vars), lint.manifests);
  const kubelet = await shared(ctx, 'kubelet', async () => {
    const ours = labKubelets(env, ctx.machine.processes());
    const first = ours[0];
    return {
      running: ours.length > 0,
      ...(first ? { pid: first.pid } : {}),
      flags: Object.fromEntries(first?.flags ?? []),
      ...(ours.length > 1 ? { others: ours.length - 1 } : {}),
    };
  });
  const docker = await shared(ctx, 'docker', async () => {
    try {
      await ctx.machine.docker.ensureUp();
      return { up: true, socket: DOCKER_SOCKET };
    } catch (error) {
      return { up: false, socket: DOCKER_SOCKET, error: (error as Error).message };
    }
  });
  let kubeletLog: Evidence['kubeletLog'];
  try {
    kubeletLog = await shared(ctx, 'kubeletLog', async () => {
      const source = kubeletLogSource(env, kubelet.pid);
      return {
        source: path.relative(env.repoRoot, source).startsWith('..') ? source : path.relative(env.repoRoot, source),
        lines: withoutGoroutineDumps(tailLines(source, Number.MAX_SAFE_INTEGER)).slice(-400),
      };
    });
  } catch (error) {
    missing.push((error as Error).message);
  }
  let kubeconfig: Evidence['kubeconfig'];
  if (existsSync(env.kubeconfigFile)) {
    try {
      kubeconfig = {
        file: path.relative(env.repoRoot, env.kubeconfigFile),
        ...kubeconfigServer(yaml().parse(readFileSync(env.kubeconfigFile, 'utf8'))),
      };
    } catch (error) {
      kubeconfig = { file: path.relative(env.repoRoot, env.kubeconfigFile), problem: (error as Error).message.split('\n')[0] };
    }
  }
  let containers: PodContainerFact[] = [];
  let containerLogs: Evidence['containerLogs'];
  let runningLogs: Evidence['runningLogs'];
  if (focus.pod && docker.up) {
    const pod = focus.pod;
    try {
      const list = await memo(ctx, `pod-containers:${pod.namespace}/${pod.name}-${env.nodeName}`, () =>
        ctx.machine.docker.podContainers({ podName: `${pod.name}-${env.nodeName}`, namespace: pod.namespace }),
      );
      const listed = list.length > 0 ? list : await ctx.machine.docker.podContainers({ podName: pod.name, namespace: pod.namespace });
      // Only the pod's current version counts: after an edit kubelet makes a new pod (a new UID and
      // sandbox), and the previous version's containers say nothing about the file as it is now.
      const current = currentPodUid(listed);
      const direct = current ? listed.filter((c) => c.podUid === current) : listed;
      // Docker records an error on a Created container only when starting it failed; a Created one
      // without an error is kubelet's next attempt, about to start, and says nothing yet.
      const startErrors = new Map<string, string>();
      for (const c of direct)
        if (c.containerName !== 'POD' && c.state === 'created')
          startErrors.set(c.id, await ctx.machine.docker.startError(c.id).catch(() => ''));
      containers = direct.map((c) => {
        const exitCode = exitCodeOf(c.status);
        const starting = c.state === 'created' && !startErrors.get(c.id);
        return {
          name: c.name,
          container: c.containerName,
          state: c.state,
          status: c.status,
          image: c.image,
          ...(exitCode !== undefined ? { exitCode } : {}),
          ...(starting ? { starting } : {}),
        };
      });
      const stopped = direct.find(
        (c) => c.containerName !== 'POD' && c.state !== 'running' && !(c.state === 'created' && !startErrors.get(c.id)),
      );
      if (stopped) {
        const startError = startErrors.get(stopped.id) ?? '';
        containerLogs = {
          container: stopped.containerName,
          text: (await ctx.machine.docker.logs(stopped.id, 60).catch(() => '')).trim(),
          ...(startError ? { startError } : {}),
        };
      }
      const newest = direct.find((c) => c.containerName !== 'POD' && !(c.state === 'created' && !startErrors.get(c.id)));
      if (newest?.state === 'running')
        runningLogs = { container: newest.containerName, text: (await ctx.machine.docker.logs(newest.id, 20).catch(() => '')).trim() };
    } catch (error) {
      missing.push(`docker: ${(error as Error).message}`);
    }
  }
  const ports = await shared(ctx, 'ports', async () =>
    ctx.machine.portHolders(labPorts({ addressed: true })).map((h) => ({
      port: h.port,
      address: h.address,
      ...(h.pid !== undefined ? { pid: h.pid } : {}),
      ...(h.name ? { name: h.name } : {}),
    })),
  );
  const images: Record<string, boolean> = {};
  if (docker.up) {
    const wanted = [
      kubelet.flags['pod-infra-container-image'] ?? (kubelet.running ? KUBELET_DEFAULT_PAUSE : undefined),
      ...imagesOf(manifestOf(lint, focus.pod)),
    ].filter((x): x is string => Boolean(x));
    for (const image of new Set(wanted))
      images[image] = await shared(ctx, `image:${image}`, () => ctx.machine.docker.imagePresent(image)).catch(() => true);
  } else missing.push(`docker: ${docker.error}`);
  const events =
    focus.pod && ctx.step >= labNodeJoinsAt()
      ? await podEvents(
          env,
          ctx.machine,
          focus.component === 'etcd' || focus.component === 'apiserver'
            ? { ...focus.pod, name: `${focus.pod.name}-${env.nodeName}` }
            : focus.pod,
        )
      : [];
  const nodes = ctx.step >= labNodeJoinsAt() ? await shared(ctx, 'nodes', () => nodeNames(env, ctx.machine)) : undefined;
  const restartPolicy = focus.pod
    ? await restartPolicyOf(env, ctx.machine, manifestOf(lint, focus.pod), focus.pod, result.evidence)
    : undefined;
  return {
    step: ctx.step,
    nodeName: env.nodeName,
    ...(nodes ? { nodes } : {}),
    ...(restartPolicy ? { restartPolicy } : {}),
    probe: {
      id: result.id,
      kind: result.kind,
      title: result.title,
      seen: result.seen,
      expected: result.expected,
      ...(result.evidence ? { data: result.evidence } : {}),
    },
    focus,
    manifests: lint.manifests,
    duplicates: lint.duplicates,
    ...(kubeconfig ? { kubeconfig } : {}),
    kubelet,
    ...(kubeletLog ? { kubeletLog } : {}),
    docker,
    containers,
    ...(containerLogs ? { containerLogs } : {}),
    ...(runningLogs ? { runningLogs } : {}),
    ports,
    images,
    labImages: { ...env.versions.images },
    ...(events.length ? { events } : {}),
    missing,
  };
}

/** A quick look at apiserver events for a pod (used by the fallback); empty when the apiserver is down. */
export async function podEvents(env: LabEnv, machine: Machine, pod: { namespace: string; name: string }): Promise<string[]> {
  try {
    const reply = await machine.http(
      `${env.apiserverUrl}/api/v1/namespaces/${pod.namespace}/events?fieldSelector=involvedObject.name=${encodeURIComponent(pod.name)}`,
      { timeoutMs: 1500 },
    );
    const items = (parseJson(reply.body) as { items?: { reason?: string; message?: string }[] } | undefined)?.items ?? [];
    return items.slice(-3).map((e) => `${e.reason}: ${e.message}`);
  } catch {
    return [];
  }
}

/** Registered Node names; undefined when the apiserver does not answer (then nothing is known either way). */
export async function nodeNames(env: LabEnv, machine: Machine): Promise<string[] | undefined> {
  try {
    const reply = await machine.http(`${env.apiserverUrl}/api/v1/nodes`, { timeoutMs: 1500 });
    const items = (parseJson(reply.body) as { items?: { metadata?: { name?: string } }[] } | undefined)?.items;
    return reply.status === 200 && items ? items.map((n) => n.metadata?.name ?? '').filter(Boolean) : undefined;
  } catch {
    return undefined;
  }
}

/** A pod's restartPolicy as kubelet applies it: its file in pods/, the API object the probe read, or the API. */
async function restartPolicyOf(
  env: LabEnv,
  machine: Machine,
  manifest: LintedManifest | undefined,
  pod: { namespace: string; name: string },
  data: Record<string, unknown> | undefined,
): Promise<string> {
  const fromFile = manifest?.value?.spec?.restartPolicy;
  if (fromFile) return String(fromFile);
  if (manifest) return 'Always';
  const object = data?.object as { kind?: string; spec?: { restartPolicy?: string } } | undefined;
  if (object?.kind === 'Pod') return object.spec?.restartPolicy ?? 'Always';
  try {
    const reply = await machine.http(`${env.apiserverUrl}/api/v1/namespaces/${pod.namespace}/pods/${pod.name}`, { timeoutMs: 1500 });
    return (parseJson(reply.body) as { spec?: { restartPolicy?: string } } | undefined)?.spec?.restartPolicy ?? 'Always';
  } catch {
    return 'Always';
  }
}
