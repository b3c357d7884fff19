import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { LabEnv } from '../core/context.ts';
import { kubeletLogFile } from '../machine/kubelet.ts';

/** Files the student writes: everything in pods/ and the kubeconfig at the repo root. */
export function watchStudentFiles(env: LabEnv, onChange: (file: string) => void): FSWatcher {
  const watched = (file: string) =>
    file === env.repoRoot || file === env.podsDir || path.dirname(file) === env.podsDir || file === env.kubeconfigFile;
  const watcher = watch(env.repoRoot, { ignoreInitial: true, depth: 1, ignored: (file) => !watched(path.resolve(file)) });
  watcher.on('all', (_event, file) => onChange(file));
  watcher.on('error', () => undefined);
  return watcher;
}

/** kubelet's log file (written by `lab apply`'s kubelet); watched only while the log pane is open. */
export function watchKubeletLog(env: LabEnv, onChange: () => void): FSWatcher {
  const watcher = watch(kubeletLogFile(env), { ignoreInitial: true });
  watcher.on('all', onChange);
  watcher.on('error', () => undefined);
  return watcher;
}
