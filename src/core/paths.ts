import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { goArch } from './arch.ts';

/**
 * The checkout this module belongs to: the nearest directory above it holding both package.json and
 * labs/. The sources run from src/ (tsx, tests) or compiled from dist/ (`bin/lab.mjs`), so "one level
 * up" is not a fixed answer.
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'labs'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..');
  }
}

/** The repository root: the lab works on the files of the checkout it runs from. */
export const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Whether this is the compiled lab (dist/, as `bin/lab.mjs` runs it) rather than its sources (tsx). */
const compiled = fileURLToPath(import.meta.url).startsWith(path.join(repoRoot, 'dist') + path.sep);

/**
 * A file `npm run build` writes beside the compiled lab in dist/ (validated copies of labs/, see
 * content/load.ts and versions.ts), for the compiled code only: undefined when the lab runs from its
 * sources, whose code may no longer be what the build ran.
 */
export function builtFile(name: string): string | undefined {
  return compiled ? path.join(repoRoot, 'dist', name) : undefined;
}

/** Per-machine cache of downloaded or built Kubernetes binaries and other heavy artefacts. */
export function cacheDir(): string {
  return process.env.MVK_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'mvk-lab');
}

/** The one directory the lab takes kubelet, kubectl and the other binaries from. */
export function binDir(kubernetesVersion: string): string {
  if (process.env.MVK_BIN_DIR) return process.env.MVK_BIN_DIR;
  return path.join(cacheDir(), 'kubernetes', kubernetesVersion, `linux-${goArch()}`);
}

/**
 * Where the student's working files live: pods/, kubeconfig.yaml and the lab's state dir `.lab/`. The
 * checkout itself, unless `MVK_WORK_DIR` names another directory (the tests point it at a temporary one,
 * so a developer's own pods/ is never touched). Lessons, fixtures and versions (labs/, fixtures/) always
 * come from the checkout, `repoRoot`. Read on each call, so a test can set it before building an env.
 */
export function workRoot(): string {
  return process.env.MVK_WORK_DIR ? path.resolve(process.env.MVK_WORK_DIR) : repoRoot;
}

/**
 * Where the lab keeps its own bookkeeping (progress, kubelet pid and log, backups, crash reports):
 * `.lab/` in the work root (gitignored in the checkout). `MVK_STATE_DIR` moves it on its own, so a test
 * that runs the command writes only under a temporary directory.
 */
export function workStateDir(): string {
  return process.env.MVK_STATE_DIR ? path.resolve(process.env.MVK_STATE_DIR) : path.join(workRoot(), '.lab');
}
