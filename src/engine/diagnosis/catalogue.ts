import { LAB_VAR_DIR } from '../../core/context.ts';
import { labNodeJoinsAt, labStaticPods, programOf } from '../labNode.ts';
import { labPorts } from '../labPorts.ts';
import { fixFor, formatProblem, type LintedManifest, type LintProblem } from '../manifestLint.ts';
import { containerFlag } from '../manifests.ts';
import { componentProcess, KUBELET_DEFAULT_PAUSE, linesAboutPod, manifestOf, telltaleLine, type Evidence } from './evidence.ts';

/**
 * The known mistakes, as data. Each entry names the evidence it reads (`needs`: a missing source
 * skips the entry), a matcher that returns the facts its texts need, the explanation (what is wrong
 * and why Kubernetes behaves so), the fix, and the lesson section to reread. First match wins, so
 * the order goes from the most fundamental cause to the most specific symptom.
 */
export type Facts = Record<string, string | undefined>;

export interface CatalogueEntry {
  id: string;
  needs: (keyof Evidence)[];
  match: (ev: Evidence) => Facts | undefined;
  explain: (facts: Facts, ev: Evidence) => string;
  fix: (facts: Facts, ev: Evidence) => string;
  lessonSection: string;
}

const LAB_APISERVER = 'http://127.0.0.1:8080';
const LAB_ETCD = 'http://127.0.0.1:2379';
/** Control-plane components that are clients of the apiserver's insecure port, as static pods. */
const API_CLIENTS: string[] = ['scheduler', 'controllerManager'];

const firstContainer = (manifest: LintedManifest | undefined) => manifest?.value?.spec?.containers?.[0];
/**
 * The file in pods/ that defines a component: the focused pod's own when the probe is about that
 * component, else the lesson's pod name, else the pod whose first container runs the component's
 * program (a student's `etcd-server` in namespace default is etcd all the same).
 */
function componentManifest(ev: Evidence, component: string): LintedManifest | undefined {
  const lesson = labStaticPods()[component];
  const own = ev.focus.component === component ? manifestOf(ev, ev.focus.pod) : undefined;
  if (own || !lesson) return own;
  return (
    manifestOf(ev, lesson) ??
    ev.manifests.find((m) => m.podName && lesson.program && programOf(m.value?.spec?.containers?.[0]) === lesson.program)
  );
}
/** The pods/ file of a static component (what the student edits), else the lesson's name for it. */
const manifestFileOf = (ev: Evidence, component: string): string => componentManifest(ev, component)?.file ?? `pods/${component}.yaml`;
const isComponent = (ev: Evidence, ...names: string[]) => names.includes(ev.focus.component ?? '');
/** The component's file in pods/ when it does not put the pod on the host's network. */
function withoutHostNetwork(ev: Evidence, component: string): Facts | undefined {
  const manifest = componentManifest(ev, component);
  return manifest?.value && manifest.value.spec?.hostNetwork !== true ? { file: manifest.file } : undefined;
}

/** The manifest files a failing probe is about: its own file, its pod's file, or (pod not found) any broken file. */
function relevantManifests(ev: Evidence): LintedManifest[] {
  if (ev.focus.file) return ev.manifests.filter((m) => m.file === ev.focus.file);
  if (!ev.focus.pod) return [];
  const own = manifestOf(ev, ev.focus.pod);
  if (own) return [own];
  return ev.manifests.filter((m) => !m.podName);
}

function firstProblem(ev: Evidence, severity: LintProblem['severity']): LintProblem | undefined {
  for (const manifest of relevantManifests(ev)) {
    const problem = manifest.problems.find((p) => p.severity === severity);
    if (problem) return problem;
  }
  return undefined;
}

/** `busybox`, `busybox:latest` -> the reason it is unpinned; digests and other tags are pinned. */
export function unpinned(image: string): 'untagged' | 'latest' | undefined {
  if (image.includes('@')) return undefined;
  const lastPart = image.split('/').at(-1)!;
  if (!lastPart.includes(':')) return 'untagged';
  return lastPart.endsWith(':latest') ? 'latest' : undefined;
}

const repoOf = (image: string) => image.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
const lastLine = (text: string | undefined) => (text ?? '').trim().split('\n').filter(Boolean).at(-1) ?? '';
const clip = (text: string, max = 140) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

const pullErrorIn = (ev: Evidence) =>
  ev.focus.pod
    ? linesAboutPod(ev.kubeletLog?.lines ?? [], ev.focus.pod, ev.nodeName).some((l) =>
        /ErrImagePull|ImagePullBackOff|pulling image|pull access denied/.test(l),
      )
    : false;

/**
 * The newest container of the focused pod that is not the sandbox (the list is newest first), passing
 * over one kubelet has just created and not yet started: the one before it tells what happened.
 */
/** Whether kubelet starts a container again after it exits: restartPolicy Always (the default), or OnFailure after a failure. */
const restarts = (ev: Evidence, exitCode?: number) =>
  !ev.restartPolicy || ev.restartPolicy === 'Always' || (ev.restartPolicy === 'OnFailure' && exitCode !== 0);

const newestApp = (ev: Evidence) => ev.containers.find((c) => c.container !== 'POD' && !c.starting);

/** What step 9's etcd-restored probe saw of etcd's data dir (its `restore` evidence). */
const restoreEvidence = (ev: Evidence) =>
  ev.probe.data?.restore as { hostDir: string; snapFiles: string[]; original: boolean; restoredDirs: string[] } | undefined;

export const catalogue: CatalogueEntry[] = [
  {
    id: 'docker-down',
    needs: ['docker'],
    match: (ev) => (!ev.docker.up && ev.probe.kind !== 'file' ? { socket: ev.docker.socket } : undefined),
    explain: (f) =>
      `Docker does not answer at ${f.socket}. kubelet 1.19 creates every container through Docker (dockershim), so while Docker ` +
      `is down no pod can start, not even its sandbox, and nothing can be inspected.`,
    fix: () =>
      'Start Docker (`systemctl start docker`; on the test bed `npm run testbed`) and check `docker info`; kubelet carries on ' +
      'by itself once Docker answers.',
    lessonSection: 'lesson 1, "Start kubelet"',
  },
  {
    // Before kubelet-not-running: a kubelet that stops at start because its port is taken is not running either.
    id: 'port-busy',
    needs: ['ports'],
    match: (ev) => {
      const component = ev.focus.component;
      if (!component) return undefined;
      const ports = labPorts({ component, addressed: true });
      if (ports.length === 0) return undefined;
      // etcd and the apiserver need a running kubelet first; without one, kubelet-not-running says so.
      if (component !== 'kubelet' && !ev.kubelet.running) return undefined;
      const squatter = ev.ports.find((p) => ports.includes(p.port) && p.name && p.name !== componentProcess(component));
      if (!squatter) return undefined;
      const bindFailed =
        component === 'kubelet'
          ? (ev.kubeletLog?.lines ?? []).filter((l) => l.includes(`:${squatter.port}: bind: address already in use`)).at(-1)
          : undefined;
      return {
        component,
        port: String(squatter.port),
        address: squatter.address,
        who: `${squatter.name} (pid ${squatter.pid})`,
        pid: String(squatter.pid),
        ...(bindFailed
          ? { said: clip(bindFailed.replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ \S+\] /, ''), 200), source: ev.kubeletLog!.source }
          : {}),
      };
    },
    explain: (f, ev) => {
      const head = `${f.who} already listens on ${f.address}:${f.port}, the port ${f.component} needs. Only one process can bind a port, so ${f.component}`;
      if (f.component !== 'kubelet')
        return (
          `${head} fails with "address already in use" and kubelet keeps restarting it; whatever answers on ${f.port} now is not ${f.component}` +
          `.`
        );
      if (ev.kubelet.running)
        return `${head} cannot serve there ("address already in use" in its log); whatever answers on ${f.port} now is not kubelet.`;
      return (
        `${head} stops right after it starts, with "address already in use"${f.said ? ` (${f.source}: ${f.said})` : ''}, and ` +
        `nothing restarts it.`
      );
    },
    fix: (f, ev) => {
      const stop = `Stop that process (\`kill ${f.pid}\`, or Ctrl-C where you started it)`;
      if (f.component !== 'kubelet') return `${stop}; kubelet starts ${f.component} again within seconds.`;
      return ev.kubelet.running
        ? `${stop}; kubelet tries the port again by itself.`
        : `${stop}, then start kubelet again with the lesson's command (or \`lab apply 1\`).`;
    },
    lessonSection: 'lesson 1, "What is exposed"',
  },
  {
    id: 'kubelet-not-running',
    needs: ['kubelet'],
    match: (ev) => {
      if (ev.kubelet.running || ev.probe.kind === 'file' || !isComponent(ev, 'kubelet', 'etcd', 'apiserver', 'pod')) return undefined;
      const fatal = (ev.kubeletLog?.lines ?? []).filter((l) => /^F\d{4}|failed to run Kubelet|^Error: /.test(l)).at(-1);
      return fatal ? { fatal: clip(fatal.replace(/^[FE]\d{4} [\d:.]+\s+\d+ \S+\] /, ''), 200), source: ev.kubeletLog!.source } : {};
    },
    explain: (f) =>
      `No kubelet runs for this repo's pods/ directory. kubelet is the only component that turns the files in pods/ into ` +
      `containers, so nothing there runs without it.${f.fatal ? ` The last kubelet stopped with (${f.source}): ${f.fatal}` : ''}`,
    fix: (f) =>
      f.fatal
        ? 'Fix what that line names (`lab doctor` checks swap, cgroup driver, Docker and ports), then start kubelet again with the ' +
          "lesson's command."
        : "Start kubelet with the lesson's command in a terminal of its own and leave it running (or let `lab apply 1` start it).",
    lessonSection: 'lesson 1, "Start kubelet"',
  },
  {
    id: 'duplicate-pod-name',
    needs: ['duplicates'],
    match: (ev) => {
      const pod = ev.focus.pod;
      const dup = ev.duplicates.find(
        (d) =>
          (pod && d.name === pod.name && d.namespace === pod.namespace) || (ev.focus.file !== undefined && d.files.includes(ev.focus.file)),
      );
      return dup
        ? {
            pod: `${dup.namespace}/${dup.name}`,
            kept: dup.files.at(-1)!,
            dropped: dup.files.slice(0, -1).join(', '),
            all: dup.files.join(' and '),
          }
        : undefined;
    },
    explain: (f) =>
      `${f.all} both define the pod ${f.pod}. kubelet keeps one static pod per namespace and name and drops the other without a ` +
      `word (usually it keeps the file that sorts last, ${f.kept}), so one of these files has no effect, however you edit it.`,
    fix: () =>
      'Keep one file per pod: move the copy you do not want out of pods/ (kubelet reads every file there whose name does not ' +
      'start with a dot, backups included).',
    lessonSection: 'lesson 1, "Give kubelet a pod"',
  },
  {
    id: 'manifest-invalid',
    needs: ['manifests'],
    match: (ev) => {
      const problem = firstProblem(ev, 'error');
      return problem ? { where: formatProblem(problem), code: problem.code, file: problem.file } : undefined;
    },
    explain: (f) => `${f.where}. kubelet cannot read ${f.file} as a Pod, so it runs nothing from it and says so only in its own log.`,
    fix: (f) => fixFor(f.code ?? ''),
    lessonSection: 'lesson 1, "Give kubelet a pod"',
  },
  {
    id: 'manifest-unknown-field',
    needs: ['manifests'],
    match: (ev) => {
      const problem = firstProblem(ev, 'warning');
      return problem ? { where: formatProblem(problem), suggestion: problem.suggestion ?? '' } : undefined;
    },
    explain: (f) => `${f.where}. kubelet drops fields it does not know without any error, so that setting has no effect at all.`,
    fix: (f) =>
      f.suggestion
        ? `Rename it to ${f.suggestion}; field names are case-sensitive.`
        : 'Remove it, or check its spelling and indentation against `kubectl explain pod.spec`.',
    lessonSection: 'lesson 1, "Give kubelet a pod"',
  },
  {
    id: 'kubelet-without-kubeconfig',
    needs: ['kubelet'],
    match: (ev) =>
      ev.step >= labNodeJoinsAt() &&
      ev.kubelet.running &&
      !ev.kubelet.flags.kubeconfig &&
      ['process', 'apiObject', 'code'].includes(ev.probe.kind) &&
      isComponent(ev, 'kubelet', 'etcd', 'apiserver')
        ? {}
        : undefined,
    explain: () =>
      'kubelet runs without --kubeconfig, so all it knows is its pods/ directory: it never talks to the apiserver, registers no ' +
      'Node and creates no mirror pods, although its containers keep running.',
    fix: () => "Stop kubelet (Ctrl-C) and start it again with the lesson's command, which adds --kubeconfig pointing at kubeconfig.yaml.",
    lessonSection: 'lesson 4, "Restart kubelet with it"',
  },
  {
    id: 'kubeconfig-wrong-server',
    needs: ['kubeconfig'],
    match: (ev) => {
      const server = ev.kubeconfig?.server;
      if (!server || server.replace(/\/$/, '') === LAB_APISERVER || !isComponent(ev, 'kubelet')) return undefined;
      let url: URL;
      try {
        url = new URL(server);
      } catch {
        return { server, problem: 'not-a-url' };
      }
      if (url.protocol === 'https:') return { server, problem: url.port === '6443' ? 'secure-port' : 'https' };
      return { server, problem: 'port', port: url.port || '80' };
    },
    explain: (f) => {
      if (f.problem === 'https')
        return (
          `kubeconfig.yaml points at ${f.server}: HTTPS, on a port that speaks plain HTTP (8080 is the apiserver's insecure port), ` +
          `so every request kubelet makes fails in the TLS handshake and no Node appears.`
        );
      if (f.problem === 'secure-port')
        return (
          `kubeconfig.yaml points at ${f.server}, the apiserver's secure port: it wants certificates and credentials this ` +
          `kubeconfig does not have, so kubelet is refused and no Node appears.`
        );
      if (f.problem === 'not-a-url') return `kubeconfig.yaml's server "${f.server}" is not a URL, so kubelet cannot reach any apiserver.`;
      return (
        `kubeconfig.yaml points at ${f.server}, but the apiserver serves plain HTTP on 127.0.0.1:8080; nothing of the cluster ` +
        `answers on port ${f.port}, so kubelet cannot register its Node.`
      );
    },
    fix: () => 'Set `server: http://127.0.0.1:8080` in kubeconfig.yaml, then restart kubelet: it reads the file only when it starts.',
    lessonSection: 'lesson 4, "Restart kubelet with it"',
  },
  {
    id: 'apiserver-etcd-url',
    needs: ['manifests'],
    match: (ev) => {
      if (!isComponent(ev, 'apiserver')) return undefined;
      const manifest = componentManifest(ev, 'apiserver');
      if (!manifest?.value) return undefined;
      const value = containerFlag(firstContainer(manifest), 'etcd-servers');
      if (value === undefined) return { problem: 'missing', value: '' };
      const first = value.split(',')[0]!;
      if (first.replace(/\/$/, '') === LAB_ETCD) return undefined;
      try {
        const url = new URL(first);
        if (url.protocol === 'https:') return { problem: 'https', value };
        if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return { problem: 'host', value, host: url.hostname };
        if (url.port !== '2379') return { problem: 'port', value, port: url.port || '80' };
        return undefined;
      } catch {
        return { problem: 'not-a-url', value };
      }
    },
    explain: (f) => {
      const head = `--etcd-servers=${f.value}`;
      if (f.problem === 'missing')
        return (
          'kube-apiserver runs without --etcd-servers: it has nowhere to store objects and exits at once, so kubelet keeps ' +
          'restarting it.'
        );
      if (f.problem === 'https')
        return (
          `${head} asks for TLS, but the lab's etcd serves plain HTTP on 127.0.0.1:2379; the handshake fails, the apiserver never ` +
          `reaches its storage and never becomes healthy.`
        );
      if (f.problem === 'host')
        return (
          `${head} names host ${f.host}; etcd listens only on the host's loopback, 127.0.0.1, which the apiserver shares through ` +
          `hostNetwork.`
        );
      if (f.problem === 'port')
        return (
          `${head} points at port ${f.port}, where etcd does not serve clients (2379 is the client port, 2380 is for etcd peers), ` +
          `so the apiserver cannot reach its storage, never becomes healthy and kubelet keeps restarting it.`
        );
      return `${head} is not a URL the apiserver can dial.`;
    },
    fix: () => 'Set `--etcd-servers=http://127.0.0.1:2379` in pods/apiserver.yaml; kubelet replaces the pod when the file changes.',
    lessonSection: 'lesson 3, "Step 3 — the apiserver in front of etcd"',
  },
  {
    id: 'etcd-not-host-network',
    needs: ['manifests'],
    match: (ev) => {
      if (!isComponent(ev, 'etcd', 'apiserver')) return undefined;
      return withoutHostNetwork(ev, 'etcd');
    },
    explain: (f) =>
      `${f.file} does not set hostNetwork: true, so etcd gets a network namespace of its own: it listens on the pod's ` +
      `127.0.0.1:2379, and the host's 127.0.0.1:2379, where the apiserver and curl look, stays empty.`,
    fix: (f) => `Add \`hostNetwork: true\` under \`spec:\` in ${f.file}; kubelet replaces the pod when the file changes.`,
    lessonSection: 'lesson 2, "Step 2 — etcd as a static pod"',
  },
  {
    id: 'apiserver-not-host-network',
    needs: ['manifests'],
    match: (ev) => {
      if (!isComponent(ev, 'apiserver')) return undefined;
      return withoutHostNetwork(ev, 'apiserver');
    },
    explain: (f) =>
      `${f.file} does not set hostNetwork: true, so the apiserver lives in a network namespace of its own: its 127.0.0.1 is not ` +
      `the host's, so it cannot reach etcd on 127.0.0.1:2379 and nobody on the host reaches its port 8080.`,
    fix: (f) => `Add \`hostNetwork: true\` under \`spec:\` in ${f.file}.`,
    lessonSection: 'lesson 3, "Step 3 — the apiserver in front of etcd"',
  },
  {
    // Before the generic entry below: the same mistake, with lesson 8's section and the controller manager's symptoms.
    id: 'controller-manager-not-host-network',
    needs: ['manifests'],
    match: (ev) => {
      if (!isComponent(ev, 'controllerManager')) return undefined;
      return withoutHostNetwork(ev, 'controllerManager');
    },
    explain: (f) =>
      `${f.file} does not set hostNetwork: true, so the controller manager gets a network namespace of its own, where ` +
      `127.0.0.1:8080 is its own loopback: nothing listens there, so it never reaches the apiserver, never wins its Lease and ` +
      `runs no controller (its log repeats "error retrieving resource lock … connection refused"). Its healthz port 10252 is ` +
      `in that namespace too, out of the host's reach.`,
    fix: (f) => `Add \`hostNetwork: true\` under \`spec:\` in ${f.file}; kubelet replaces the pod when the file changes.`,
    lessonSection: 'lesson 8, "Run the controller manager"',
  },
  {
    id: 'scheduler-not-host-network',
    needs: ['manifests'],
    match: (ev) => (isComponent(ev, 'scheduler') ? withoutHostNetwork(ev, 'scheduler') : undefined),
    explain: (f) =>
      `${f.file} does not set hostNetwork: true, so kube-scheduler gets a network namespace of its own, and 127.0.0.1:8080 ` +
      `there is its own loopback, where nothing listens: every request to the apiserver is refused and it places no pod.`,
    fix: (f) => `Add \`hostNetwork: true\` under \`spec:\` in ${f.file}; kubelet replaces the pod when the file changes.`,
    lessonSection: 'lesson 7, "Run the scheduler"',
  },
  {
    id: 'control-plane-wrong-apiserver',
    needs: ['manifests'],
    match: (ev) => {
      const component = ev.focus.component;
      if (!component || !API_CLIENTS.includes(component)) return undefined;
      const manifest = componentManifest(ev, component);
      const container = firstContainer(manifest);
      if (!container) return undefined;
      const master = containerFlag(container, 'master');
      const kubeconfig = containerFlag(container, 'kubeconfig');
      const program = labStaticPods()[component]?.program ?? component;
      if (master !== undefined && master.replace(/\/$/, '') !== LAB_APISERVER) return { file: manifest!.file, program, master };
      if (master === undefined && kubeconfig === undefined) return { file: manifest!.file, program };
      return undefined;
    },
    explain: (f) =>
      f.master
        ? `${f.file} gives ${f.program} --master=${f.master}, but the apiserver's insecure port is ${LAB_APISERVER}: it cannot ` +
          `read or write anything, and keeps logging "connection refused" or a TLS error.`
        : `${f.file} gives ${f.program} neither --master nor --kubeconfig, so it falls back to the in-cluster configuration: ` +
          `the kubernetes Service's address (10.0.0.1:443), which nothing routes to in this cluster (no kube-proxy).`,
    fix: (f) => `Give it \`--master=${LAB_APISERVER}\` in ${f.file}, as the lesson does.`,
    lessonSection: 'lesson 7, "Run the scheduler"',
  },
  {
    id: 'etcd-no-data-volume',
    needs: ['manifests'],
    match: (ev) => {
      if (!isComponent(ev, 'etcd')) return undefined;
      const manifest = componentManifest(ev, 'etcd');
      const container = firstContainer(manifest);
      if (!container) return undefined;
      const dataDir = containerFlag(container, 'data-dir') ?? 'default.etcd';
      const absolute = dataDir.startsWith('/') ? dataDir : `/${dataDir}`;
      const volumes: any[] = manifest!.value!.spec?.volumes ?? [];
      const mount = (container.volumeMounts ?? []).find(
        (m: any) => m?.mountPath && (absolute === m.mountPath || absolute.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`)),
      );
      const hostPath = mount ? volumes.find((v) => v?.name === mount.name)?.hostPath?.path : undefined;
      // Any host directory is a fine home for the data (the article's /var/lib/etcd too): only none is a mistake.
      return hostPath ? undefined : { file: manifest!.file, dataDir, problem: mount ? 'not-hostpath' : 'no-mount' };
    },
    explain: (f) =>
      `etcd writes its data to --data-dir=${f.dataDir} inside its container and no hostPath volume is mounted there, so the ` +
      `data lives in the container's own filesystem and is lost, with every object of the cluster, whenever kubelet replaces ` +
      `the container.`,
    fix: (f) =>
      `In ${f.file}, add a volume with \`hostPath: {path: ${LAB_VAR_DIR}/etcd, type: DirectoryOrCreate}\` and mount it at ${f.dataDir}` +
      `, as the lesson does.`,
    lessonSection: 'lesson 2, "Check etcd"',
  },
  {
    // Step 9: a save that never finished, or a snapshot of an etcd that is not the cluster's.
    id: 'etcd-snapshot-wrong-endpoint',
    needs: ['probe'],
    match: (ev) => {
      const seen = ev.probe.data?.etcdSnapshot as
        | { snapshots: { file: string; problem?: string; hasRegistry: boolean; hasPrecious: boolean }[]; partFiles: string[] }
        | undefined;
      if (!seen || seen.snapshots.some((s) => !s.problem && s.hasPrecious)) return undefined;
      const foreign = seen.snapshots.find((s) => !s.problem && !s.hasRegistry);
      if (foreign) return { problem: 'foreign', file: foreign.file };
      const part = seen.partFiles[0];
      return part && !seen.snapshots.some((s) => !s.problem) ? { problem: 'part', file: part } : undefined;
    },
    explain: (f) =>
      f.problem === 'part'
        ? `${f.file} is what \`etcdctl snapshot save\` leaves when it does not finish: it writes to <file>.part and renames it ` +
          `only at the end. Most often it could not reach etcd at its --endpoints: in a container without --network host, ` +
          `127.0.0.1:2379 is the container's own loopback, where nothing listens, and etcdctl waits there forever.`
        : `${f.file} is a real etcd snapshot, but it holds no key under /registry: it is a copy of an etcd that stores no ` +
          `Kubernetes object, not the cluster's (another --endpoints than http://127.0.0.1:2379).`,
    fix: (f) =>
      (f.problem === 'part' ? `Delete ${f.file}, then save` : 'Save') +
      " the snapshot again with the lesson's `etcdctl` function: `docker run` with `--network host` and " +
      '`--endpoints=http://127.0.0.1:2379`.',
    lessonSection: 'lesson 9, "Save a snapshot"',
  },
  {
    // Step 9: etcd still runs on its old data: nothing restored, or restored where etcd does not look.
    id: 'etcd-restore-not-in-use',
    needs: ['probe'],
    match: (ev) => {
      const restore = restoreEvidence(ev);
      if (!restore || restore.snapFiles.length || !restore.original) return undefined;
      return { hostDir: restore.hostDir, restored: restore.restoredDirs[0] ?? '' };
    },
    explain: (f) =>
      `etcd still runs on ${f.hostDir}, the data it has had since step 2, which no restore made. ` +
      (f.restored
        ? `There is restored data in ${f.restored}, but the hostPath of etcd's pod does not point there, so etcd does not read it.`
        : '`etcdctl snapshot restore` writes a new directory and refuses one that exists, even an empty one ' +
          '(`Error: data-dir "…" exists`), so a restore into etcd\'s own directory, or into one made with mkdir first, ' +
          'restored nothing.'),
    fix: (f, ev) =>
      f.restored
        ? `Set the etcd pod's hostPath to ${f.restored} (in ${manifestFileOf(ev, 'etcd')}); kubelet restarts etcd on it.`
        : `Restore into a directory that does not exist yet (\`--data-dir=${LAB_VAR_DIR}/etcd-restored\`), then point ` +
          "the hostPath of etcd's pod at it.",
    lessonSection: 'lesson 9, "Restore into a new data directory"',
  },
  {
    // Step 9: etcd points at a directory that holds no restored data: a new, empty store.
    id: 'etcd-empty-data-dir',
    needs: ['probe'],
    match: (ev) => {
      const restore = restoreEvidence(ev);
      if (!restore || restore.snapFiles.length || restore.original) return undefined;
      return { hostDir: restore.hostDir, restored: restore.restoredDirs[0] ?? '' };
    },
    explain: (f, ev) =>
      `etcd runs on ${f.hostDir}, which no restore made: the directory did not hold etcd data (a typo in the path, or a ` +
      `directory that was empty), kubelet's DirectoryOrCreate made it, and etcd started a new, empty store there. To the ` +
      `apiserver the cluster looks wiped` +
      (ev.nodes && !ev.nodes.includes(ev.nodeName) ? `: not even the Node ${ev.nodeName} is registered.` : ': your objects are gone.'),
    fix: (f, ev) =>
      `Point the hostPath in ${manifestFileOf(ev, 'etcd')} at ${f.restored || 'the directory `etcdctl snapshot restore` made'}` +
      `, then remove ${f.hostDir} (it holds only the empty store).`,
    lessonSection: 'lesson 9, "Restore into a new data directory"',
  },
  {
    // Step 9: the apiserver's watch cache still holds the state from before the restore.
    id: 'apiserver-stale-cache',
    needs: ['probe'],
    match: (ev) => {
      const cache = ev.probe.data?.cache as
        | { inCache: boolean; inStore: boolean; cacheVersion?: string; storeVersion?: string }
        | undefined;
      return cache?.inStore && !cache.inCache
        ? { cacheVersion: cache.cacheVersion ?? '?', storeVersion: cache.storeVersion ?? '?' }
        : undefined;
    },
    explain: (f) =>
      `etcd has the restored ConfigMap precious, but the apiserver's watch cache, which serves every watch and every list ` +
      `with resourceVersion=0, does not (cache at resourceVersion ${f.cacheVersion}, etcd at ${f.storeVersion}). The ` +
      `apiserver filled the cache before the restore and never learns that etcd went back in time, so kubelet and the ` +
      `controllers keep seeing the old state.`,
    fix: () =>
      "Restart the apiserver: `docker stop` its container (the lesson's command) and kubelet starts a new one, which fills " +
      'its cache from etcd as it is now.',
    lessonSection: 'lesson 9, "The apiserver does not know it went back in time"',
  },
  {
    id: 'serviceaccount-missing',
    needs: ['probe'],
    match: (ev) => {
      const data = ev.probe.data ?? {};
      const message = String(data.message ?? '');
      if (message.includes('serviceaccount "default" not found')) return {};
      return isComponent(ev, 'serviceaccount') && ev.probe.kind === 'apiObject' && data.status === 404 ? {} : undefined;
    },
    explain: () =>
      'The ServiceAccount admission plugin runs every pod as the account "default" and rejects the pod when that account does ' +
      'not exist (`serviceaccount "default" not found`). kube-controller-manager normally creates it in each namespace; it does ' +
      'not run in this cluster.',
    fix: () =>
      "Create it yourself: apply the lesson's ServiceAccount named default in namespace default, with " +
      '`automountServiceAccountToken: false`.',
    lessonSection: 'lesson 5, "First attempt"',
  },
  {
    id: 'serviceaccount-token-automount',
    needs: ['probe'],
    match: (ev) => {
      const data = ev.probe.data ?? {};
      if (String(data.message ?? '').includes('No API token found')) return {};
      const object = data.object as { kind?: string; automountServiceAccountToken?: unknown } | undefined;
      return isComponent(ev, 'serviceaccount') && object?.kind === 'ServiceAccount' && object.automountServiceAccountToken !== false
        ? {}
        : undefined;
    },
    explain: () =>
      'The ServiceAccount exists but does not say `automountServiceAccountToken: false`, so admission wants to mount its API ' +
      'token into every pod; no token controller runs here to create that token, so pods are refused (`No API token found`).',
    fix: () =>
      'Add `automountServiceAccountToken: false` at the top level of the ServiceAccount (beside metadata, not inside it) and ' +
      'apply it again.',
    lessonSection: 'lesson 5, "Second attempt"',
  },
  {
    // Before the token checks: a Deployment with no ReplicaSet while no controller manager works is that, first.
    id: 'deployment-no-controller-manager',
    needs: ['probe'],
    match: (ev) => {
      const data = ev.probe.data ?? {};
      if (typeof data.deployment !== 'string' || data.controllerManager !== 'down') return undefined;
      return data.replicaSets === 0 || data.pods === 0 ? { deployment: data.deployment, replicaSets: String(data.replicaSets) } : undefined;
    },
    explain: (f) =>
      `Deployment ${f.deployment} is stored, but ${f.replicaSets === '0' ? 'it has no ReplicaSet' : 'its ReplicaSet has no pods'} ` +
      `and no kube-controller-manager is at work (no fresh Lease kube-system/kube-controller-manager, no answer on ` +
      `127.0.0.1:10252). A Deployment is only a wish: the deployment controller turns it into a ReplicaSet and the ` +
      `replicaset controller into pods, and both run inside the controller manager; the apiserver itself creates nothing.`,
    fix: () =>
      'Get the controller manager running again: pods/controller-manager.yaml as in the lesson (the first checks of ' +
      '`lab verify 8` say what is wrong with it, `docker logs` on its container why it stops). Its controllers then ' +
      'create what the Deployment asks for, with nothing to redo.',
    lessonSection: 'lesson 8, "A Deployment, and pods with a token"',
  },
  {
    id: 'serviceaccount-token-controller-disabled',
    needs: ['probe', 'manifests'],
    match: (ev) => {
      const data = ev.probe.data ?? {};
      const noToken =
        (Array.isArray(data.withoutToken) && data.withoutToken.length > 0) ||
        String(data.replicaFailure ?? '').includes('No API token found');
      if (!noToken || data.controllerManager === 'down') return undefined;
      const manifest = componentManifest(ev, 'controllerManager');
      if (!manifest?.value || containerFlag(firstContainer(manifest), 'service-account-private-key-file') !== undefined) return undefined;
      return {
        file: manifest.file,
        account: Array.isArray(data.withoutToken) ? String(data.withoutToken[0]) : 'the namespace default account',
      };
    },
    explain: (f) =>
      `${f.file} gives kube-controller-manager no --service-account-private-key-file. With nothing to sign tokens with, it does ` +
      `not start the token controller at all (its log says "serviceaccount-token" is disabled because there is no private ` +
      `key): ServiceAccounts are still created, but get no token Secret (${f.account} has none), and admission refuses every ` +
      `pod that would mount one with "No API token found".`,
    fix: (f) =>
      `Add \`--service-account-private-key-file=${LAB_VAR_DIR}/pki/sa.key\` to the command in ${f.file}, with ${LAB_VAR_DIR}/pki ` +
      `mounted, as in the lesson; the tokens follow within seconds of the restart.`,
    lessonSection: 'lesson 8, "Run the controller manager"',
  },
  {
    id: 'serviceaccount-key-mismatch',
    needs: ['probe', 'manifests'],
    match: (ev) => {
      const error = String(ev.probe.data?.reviewError ?? '');
      if (!/invalid bearer token|cryptographic primitive|verification error/.test(error)) return undefined;
      const apiserver = containerFlag(firstContainer(componentManifest(ev, 'apiserver')), 'service-account-key-file');
      const signer = containerFlag(firstContainer(componentManifest(ev, 'controllerManager')), 'service-account-private-key-file');
      return { error: clip(error, 120), publicKey: apiserver ?? '', privateKey: signer ?? '' };
    },
    explain: (f) =>
      `The apiserver rejects tokens the controller manager signed (${f.error}). It checks each signature with ` +
      (f.publicKey
        ? `--service-account-key-file=${f.publicKey}, which is not the public half of the key that signed them` +
          (f.privateKey ? ` (${f.privateKey})` : '') +
          ', or the pair was made again after these tokens were signed.'
        : 'the key of its own HTTPS certificate, since it has no --service-account-key-file, and that key signed no token.') +
      ' Every request with such a token gets 401 Unauthorized.',
    fix: (f) =>
      (f.publicKey
        ? `Make the public key from the private one again (\`openssl rsa -in ${f.privateKey || 'sa.key'} -pubout -out ${f.publicKey}\`), `
        : `Add \`--service-account-key-file=${LAB_VAR_DIR}/pki/sa.pub\` to pods/apiserver.yaml, as in the lesson, `) +
      'then restart the apiserver (it reads the key only at start; `docker rm -f` its container, as lesson 5 did with etcd). ' +
      'Tokens signed with an older key stay invalid: delete their Secrets (`kubectl -n <namespace> delete secret <name>`) and ' +
      'the token controller makes new ones.',
    lessonSection: 'lesson 8, "ServiceAccounts and tokens on their own"',
  },
  {
    id: 'pod-pending-no-scheduler',
    needs: ['probe'],
    match: (ev) => {
      const pod = ev.probe.data?.object as { kind?: string; metadata?: { name?: string }; spec?: { nodeName?: string } } | undefined;
      return pod?.kind === 'Pod' && !pod.spec?.nodeName ? { pod: pod.metadata?.name ?? 'the pod' } : undefined;
    },
    explain: (f) =>
      `Pod ${f.pod} has no spec.nodeName. Choosing a node and binding the pod to it is kube-scheduler's job, and no scheduler ` +
      `runs in this cluster, so the pod stays Pending forever and no kubelet ever starts it.`,
    fix: (f, ev) =>
      `Bind it as a scheduler would: POST a Binding with target node ${ev.nodeName} to /api/v1/namespaces/default/pods/${f.pod}` +
      `/binding (lesson 6 has the command). An update such as kubectl apply cannot set nodeName on an existing pod; only a new ` +
      `pod can carry \`nodeName: ${ev.nodeName}\` from the start.`,
    lessonSection: 'lesson 6, "Bind nginx as a scheduler would"',
  },
  {
    id: 'node-tainted',
    needs: ['probe'],
    match: (ev) => {
      const data = ev.probe.data ?? {};
      const taints = data.taints as string[] | undefined;
      const failure = String(data.failedScheduling ?? '');
      if (taints?.length) return { taints: taints.join(', ') };
      const named = /taint \{([^:}]+):/.exec(failure);
      return named ? { taints: named[1]!, failure } : undefined;
    },
    explain: (f, ev) =>
      (f.failure ? `The scheduler says: "${f.failure}". ` : '') +
      `Node ${ev.nodeName} carries the taint ${f.taints}, and a pod lands on a tainted node only if it tolerates the taint, so ` +
      `the scheduler finds no node for an ordinary pod. A new Node gets node.kubernetes.io/not-ready:NoSchedule from the ` +
      `apiserver's TaintNodesByCondition admission; kube-controller-manager's node lifecycle controller lifts it once the node ` +
      `is Ready, and none runs before step 8.`,
    fix: (f, ev) =>
      `Do the controller's job: \`kubectl --kubeconfig kubeconfig.yaml taint node ${ev.nodeName} ` +
      `${f.taints!.split(', ')[0]!.replace(/^([^:]+)$/, '$1:NoSchedule')}-\` (the trailing - removes it); the scheduler tries ` +
      `the waiting pods again within seconds.`,
    lessonSection: 'lesson 7, "The taint nobody lifts"',
  },
  {
    id: 'pod-other-scheduler',
    needs: ['probe'],
    match: (ev) => {
      const scheduler = ev.probe.data?.schedulerName;
      return typeof scheduler === 'string' ? { scheduler, pod: String(ev.probe.data?.pod ?? 'the pod') } : undefined;
    },
    explain: (f) =>
      `Pod ${f.pod} asks for schedulerName "${f.scheduler}". Each scheduler only places pods that name it, kube-scheduler ` +
      `the ones that name default-scheduler (or nothing), and no scheduler called "${f.scheduler}" runs, so the pod waits with ` +
      `no events at all.`,
    fix: (f) => `Delete ${f.pod} and create it again without schedulerName (a pod's scheduler cannot be changed once it exists).`,
    lessonSection: 'lesson 7, "A pod that names no node"',
  },
  {
    id: 'pod-unschedulable',
    needs: ['probe'],
    match: (ev) => {
      const failure = ev.probe.data?.failedScheduling;
      return typeof failure === 'string' ? { failure, pod: String(ev.probe.data?.pod ?? 'the pod') } : undefined;
    },
    explain: (f) =>
      `The scheduler runs but finds no node for ${f.pod}: "${f.failure}". It filters out every node that cannot take the pod ` +
      `(taints, free CPU and memory, node selectors and affinity) and, when none is left, leaves the pod Pending and says why ` +
      `in a FailedScheduling event.`,
    fix: (f) =>
      `Change what the message names: the pod's requests or nodeSelector, or the node. \`kubectl --kubeconfig kubeconfig.yaml ` +
      `describe pod ${f.pod!.split('/').at(-1)}\` shows the same under Events.`,
    lessonSection: 'lesson 7, "A pod that names no node"',
  },
  {
    id: 'node-name-mismatch',
    needs: ['probe'],
    match: (ev) => {
      const pod = ev.probe.data?.object as { kind?: string; metadata?: { name?: string }; spec?: { nodeName?: string } } | undefined;
      const nodeName = pod?.spec?.nodeName;
      // Premise: that node really is missing. With the nodes unknown (apiserver down) or the node there, say nothing.
      if (!ev.nodes || (nodeName && ev.nodes.includes(nodeName))) return undefined;
      return pod?.kind === 'Pod' && nodeName && nodeName !== ev.nodeName ? { pod: pod.metadata?.name ?? 'the pod', nodeName } : undefined;
    },
    explain: (f, ev) =>
      `Pod ${f.pod} is bound to node "${f.nodeName}", but this lab's kubelet runs as node "${ev.nodeName}" and no Node "${f.nodeName}` +
      `" is registered` +
      (ev.nodes!.length ? ` (the API knows ${ev.nodes!.map((n) => `"${n}"`).join(', ')})` : '') +
      `. A kubelet only runs pods bound to its own node name, so nothing will ever start this pod.`,
    fix: (_f, ev) =>
      `A pod's node never changes once it is bound, so delete it and create it again, then bind it to ${ev.nodeName} (lesson 6) ` +
      `or create it with \`nodeName: ${ev.nodeName}\` (\`kubectl get nodes\` shows the name).`,
    lessonSection: 'lesson 6, "Bind nginx as a scheduler would"',
  },
  {
    id: 'pause-image-unavailable',
    needs: ['kubelet', 'images'],
    match: (ev) => {
      if (!ev.focus.pod || !ev.kubelet.running) return undefined;
      if (ev.containers.some((c) => c.container === 'POD' && c.state === 'running')) return undefined;
      const pause = ev.kubelet.flags['pod-infra-container-image'] ?? KUBELET_DEFAULT_PAUSE;
      const pullFailed = (ev.kubeletLog?.lines ?? []).some(
        (l) => l.includes(`failed pulling image \\"${pause}\\"`) || l.includes(`failed pulling image "${pause}"`),
      );
      if (ev.images[pause] !== false && !pullFailed) return undefined;
      return { pause, flagged: ev.kubelet.flags['pod-infra-container-image'] ? 'yes' : '' };
    },
    explain: (f) =>
      `Every pod starts with a sandbox container made from the pause image, here ${f.pause}` +
      (f.flagged ? " (kubelet's --pod-infra-container-image)" : ", kubelet 1.19's default as no --pod-infra-container-image is given") +
      `. That image is not on this machine and kubelet cannot pull it, so no pod gets a sandbox and none of its containers can ` +
      `start.`,
    fix: (_, ev) =>
      `Restart kubelet with --pod-infra-container-image=${ev.labImages.pause ?? 'an image that `docker images` lists'} (the ` +
      `lesson's command has it); it must name an image that is on this machine.`,
    lessonSection: 'lesson 1, "Start kubelet"',
  },
  {
    id: 'image-not-pinned',
    needs: ['manifests'],
    match: (ev) => {
      const manifest = manifestOf(ev, ev.focus.pod);
      const containers: any[] = manifest?.value?.spec?.containers ?? [];
      for (const container of containers) {
        const image = String(container?.image ?? '');
        const why = image && unpinned(image);
        if (!why) continue;
        const ran = ev.containers.some((c) => c.container === container.name);
        if (ran && !pullErrorIn(ev) && container.imagePullPolicy !== 'Always') continue;
        const pinned = Object.values(ev.labImages).find((lab) => repoOf(lab).split('/').at(-1) === repoOf(image).split('/').at(-1));
        return {
          file: manifest!.file,
          image,
          why,
          present: ev.images[image] ? 'yes' : '',
          suggestion: pinned ?? `${repoOf(image)}:<version>`,
        };
      }
      return undefined;
    },
    explain: (f) =>
      `${f.file} uses image "${f.image}" with ${f.why === 'untagged' ? 'no tag, which means :latest' : 'the tag :latest'}. For ` +
      (`such images kubelet's default imagePullPolicy is Always: it asks the registry on every start` +
        (f.present ? ', even though the image is on this machine' : '') +
        `, and offline that pull fails (ErrImagePull, then ImagePullBackOff).`),
    fix: (f) => `Pin a tag that \`docker images\` lists, for example \`image: ${f.suggestion}\` (or set imagePullPolicy: IfNotPresent).`,
    lessonSection: 'lesson 1, "Give kubelet a pod"',
  },
  {
    id: 'image-missing',
    needs: ['manifests', 'images'],
    match: (ev) => {
      const manifest = manifestOf(ev, ev.focus.pod);
      const containers: any[] = manifest?.value?.spec?.containers ?? [];
      for (const container of containers) {
        const image = String(container?.image ?? '');
        if (!image || ev.images[image] !== false) continue;
        if (ev.containers.some((c) => c.container === container.name && c.state === 'running')) continue;
        return { file: manifest!.file, image, container: String(container.name) };
      }
      return undefined;
    },
    explain: (f) =>
      `${f.file} asks for image ${f.image}, which is not on this machine, and kubelet cannot pull it here (offline, or the name ` +
      `is wrong), so container ${f.container} never starts.`,
    fix: () =>
      "Use an image that `docker images` lists (the lab's are in labs/versions.yaml); `lab images pull` fetches them when a " +
      'registry is reachable.',
    lessonSection: 'lesson 1, "Give kubelet a pod"',
  },
  {
    id: 'container-cannot-start',
    needs: ['containers'],
    match: (ev) => {
      const newest = newestApp(ev);
      const startError = ev.containerLogs?.container === newest?.container ? ev.containerLogs?.startError : undefined;
      if (newest?.state !== 'created' || !startError) return undefined;
      const manifest = manifestOf(ev, ev.focus.pod);
      const spec = (manifest?.value?.spec?.containers ?? []).find((c: any) => c?.name === newest.container);
      const command = Array.isArray(spec?.command) ? String(spec.command[0]) : '';
      return {
        container: newest.container,
        error: clip(startError.replace(/^.*?(exec: )/, '$1'), 160),
        command,
        image: newest.image,
        notFound: /not found|no such file/.test(startError) ? 'yes' : '',
      };
    },
    explain: (f) =>
      `Docker created container ${f.container} but could not start it: ${f.error}.` +
      (f.notFound
        ? ` The command${f.command ? ` "${f.command}"` : ''} does not exist in the image; kubelet runs exactly what command: says, ` +
          "inside the image's own filesystem, not the host's."
        : ''),
    fix: (f) =>
      f.notFound
        ? `Fix the spelling of command: in the pod file, or use a program the image has (try \`docker run --rm ${f.image} which ${f.command || '<program>'}` +
          `\`).`
        : 'Fix what Docker names above in the pod file; kubelet retries with the new file on its own.',
    lessonSection: 'lesson 1, "Look at what kubelet did"',
  },
  {
    id: 'container-exits-by-design',
    needs: ['containers'],
    match: (ev) => {
      // Only the newest container counts: older ones may be from a pod kubelet replaced (they exit 0 when stopped).
      const exited = newestApp(ev);
      if (exited?.exitCode !== 0) return undefined;
      const restarts = ev.containers.filter((c) => c.container === exited.container).length;
      const output = ev.containerLogs?.container === exited.container ? lastLine(ev.containerLogs.text) : '';
      return { container: exited.container, restarts: String(restarts), output: clip(output, 80), want: ev.focus.logsContain ?? '' };
    },
    explain: (f, ev) =>
      `Container ${f.container} did its job and exited with code 0; ` +
      (restarts(ev)
        ? "a pod's restartPolicy defaults to Always, so kubelet starts it again and again (kubectl calls it CrashLoopBackOff). " +
          'For a one-shot command like echo that is expected, not the failure.'
        : `its pod has restartPolicy ${ev.restartPolicy}, so it stays exited.`) +
      (f.want
        ? ` What fails is its output: ${f.output ? `it printed "${f.output}"` : 'it printed nothing'}, and the step looks for "${f.want}".`
        : ' What fails is that this container was meant to keep running.'),
    fix: (f) =>
      f.want
        ? `Leave the restarts alone; change the container's command so it prints "${f.want}", for example command: ["echo", "${f.want}"].`
        : `Give ${f.container} a long-running command (a server, not a one-shot command), as in the lesson.`,
    lessonSection: 'lesson 1, "What to notice"',
  },
  {
    id: 'container-crashes',
    needs: ['containers'],
    match: (ev) => {
      const crashed = newestApp(ev);
      if (crashed?.exitCode === undefined || crashed.exitCode === 0) return undefined;
      const said = ev.containerLogs?.container === crashed.container ? telltaleLine(ev.containerLogs.text) : '';
      return { container: crashed.container, code: String(crashed.exitCode), said: clip(said, 200), name: crashed.name };
    },
    explain: (f, ev) =>
      `Container ${f.container} exits with code ${f.code}` +
      (restarts(ev, Number(f.code)) ? ' and kubelet keeps restarting it' : ` and stays exited (restartPolicy ${ev.restartPolicy})`) +
      `.` +
      (f.said ? ` Its log says: ${f.said}` : ' It wrote no log before exiting.'),
    fix: (f) =>
      `Read its whole log with \`docker logs ${(f.name ?? '').slice(0, 60)}\`; the error usually names the flag, file or ` +
      `address it cannot use.`,
    lessonSection: 'lesson 1, "Look at what kubelet did"',
  },
];
