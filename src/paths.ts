import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the lab works on the files of the checkout it runs from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the lab keeps its own bookkeeping (progress, kubelet pid and log, backups); gitignored. */
export const labStateDir = path.join(repoRoot, '.lab');

/** Per-machine cache of downloaded or built Kubernetes binaries and other heavy artefacts. */
export function cacheDir(): string {
  return process.env.MVK_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'mvk-lab');
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The one directory the lab takes kubelet, kubectl and the other binaries from. */
export function binDir(kubernetesVersion: string): string {
  if (process.env.MVK_BIN_DIR) return process.env.MVK_BIN_DIR;
  const arch = goArch[process.arch] ?? process.arch;
  return path.join(cacheDir(), 'kubernetes', kubernetesVersion, `linux-${arch}`);
}
