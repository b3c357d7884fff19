import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LabEnv } from '../context.ts';
import { DOCKER_SOCKET } from '../drivers/docker.ts';
import { DockerEngine, followJsonLines } from '../drivers/dockerApi.ts';
import { kubeletLogFile } from '../drivers/kubelet.ts';

/** Files the student writes: everything in pods/ and the kubeconfig at the repo root. */
export function watchStudentFiles(env: LabEnv, onChange: (file: string) => void): FSWatcher {
  const watched = (file: string) => file === env.repoRoot || file === env.podsDir || path.dirname(file) === env.podsDir || file === env.kubeconfigFile;
  const watcher = watch(env.repoRoot, { ignoreInitial: true, depth: 1, ignored: (file) => !watched(path.resolve(file)) });
  watcher.on('all', (_event, file) => onChange(file));
  watcher.on('error', () => undefined);
  return watcher;
}

/** Only the container events that change what a probe sees. */
const containerEvents = ['create', 'start', 'die', 'destroy'];
const RECONNECT_MS = 5000;

/**
 * Docker's event stream, filtered to containers kubelet made (dockershim names them k8s_…). Reconnects
 * when Docker restarts. Returns a stop function.
 */
export function watchPodContainers(onEvent: (name: string) => void, socketPath = DOCKER_SOCKET): () => void {
  // No request timeout here: an event stream is idle most of the time.
  const docker = new DockerEngine(socketPath, 0);
  let abort = new AbortController();
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (!stopped) retry = setTimeout(connect, RECONNECT_MS);
  };

  function connect(): void {
    abort = new AbortController();
    docker
      .events({ type: ['container'], event: containerEvents, label: ['io.kubernetes.pod.name'] }, abort.signal)
      .then((stream) =>
        followJsonLines(stream, (event) => {
          const name = (event as { Actor?: { Attributes?: { name?: string } } }).Actor?.Attributes?.name ?? '';
          if (name.startsWith('k8s_')) onEvent(name);
        }),
      )
      // The stream ended (Docker restarted) or never opened (Docker down): try again a little later.
      .then(reconnectLater, reconnectLater);
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    abort.abort();
  };
}

/** kubelet's log file (written by `lab apply`'s kubelet); watched only while the log pane is open. */
export function watchKubeletLog(env: LabEnv, onChange: () => void): FSWatcher {
  const watcher = watch(kubeletLogFile(env), { ignoreInitial: true });
  watcher.on('all', onChange);
  watcher.on('error', () => undefined);
  return watcher;
}
