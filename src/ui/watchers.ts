import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LabEnv } from '../context.ts';
import { DOCKER_SOCKET, loadDockerode } from '../drivers/docker.ts';
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
  const docker = new (loadDockerode())({ socketPath });
  let abort = new AbortController();
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (!stopped) retry = setTimeout(connect, RECONNECT_MS);
  };

  function connect(): void {
    abort = new AbortController();
    docker
      .getEvents({ filters: { type: ['container'], event: containerEvents, label: ['io.kubernetes.pod.name'] }, abortSignal: abort.signal })
      .then((stream) => {
        let buffer = '';
        stream.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            try {
              const event = JSON.parse(line) as { Actor?: { Attributes?: { name?: string } } };
              const name = event.Actor?.Attributes?.name ?? '';
              if (name.startsWith('k8s_')) onEvent(name);
            } catch {
              // a partial or foreign line
            }
          }
        });
        stream.on('error', () => undefined);
        stream.on('close', reconnectLater);
      })
      .catch(reconnectLater);
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
