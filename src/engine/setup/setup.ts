import { copyFileSync, chmodSync, existsSync, mkdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../../core/errors.ts';
import { loadLabConfig } from '../../core/labConfig.ts';
import { binDir, cacheDir } from '../../core/paths.ts';
import { loadVersions } from '../../core/versions.ts';
import { binaryVersion } from './binaryVersion.ts';
import { goArch } from '../../core/arch.ts';
import { archiveFor, checksumsFile, loadChecksums } from './checksums.ts';
import { downloadVerified, type DownloadProgress } from './download.ts';
import { extractBinaries } from './extract.ts';

export const DEFAULT_RELEASE_URL = 'https://dl.k8s.io';

/** --base-url wins over MVK_RELEASE_URL, which wins over releaseBaseUrl in lab.config.yaml. */
export function releaseBaseUrl(flag?: string): string {
  return (flag ?? process.env.MVK_RELEASE_URL ?? loadLabConfig().releaseBaseUrl ?? DEFAULT_RELEASE_URL).replace(/\/+$/, '');
}

/** The release archive for this machine (or `arch`) as labs/checksums.yaml lists it, and where it is downloaded from. */
export function releaseArchive(options: Pick<SetupOptions, 'baseUrl' | 'arch' | 'checksums'> = {}) {
  const versions = loadVersions();
  const archive = archiveFor(loadChecksums(options.checksums ?? checksumsFile(), versions.kubernetes), options.arch ?? goArch());
  return { archive, url: `${releaseBaseUrl(options.baseUrl)}/${archive.path}` };
}

export interface SetupOptions {
  log: (line: string) => void;
  /** Copy the binaries from this directory instead of downloading. */
  from?: string;
  baseUrl?: string;
  arch?: string;
  checksums?: string;
  keepArchive?: boolean;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface BinaryState {
  name: string;
  file: string;
  ok: boolean;
  problem?: string;
}

/** Whether each pinned binary is in `dir` and prints the pinned version. */
export async function checkBinaries(dir: string, names: string[], version: string): Promise<BinaryState[]> {
  const states: BinaryState[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (!existsSync(file)) {
      states.push({ name, file, ok: false, problem: 'missing' });
      continue;
    }
    const found = await binaryVersion(file, name);
    if (found.version === version) states.push({ name, file, ok: true });
    else states.push({ name, file, ok: false, problem: found.version ? `is ${found.version}, the lab pins ${version}` : found.problem });
  }
  return states;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

async function copyFrom(from: string, dest: string, names: string[], version: string, log: (line: string) => void): Promise<void> {
  const source = path.resolve(from);
  const states = await checkBinaries(source, names, version);
  const bad = states.filter((s) => !s.ok);
  if (bad.length > 0) {
    throw new LabError(
      `${source} does not hold the pinned binaries: ${bad.map((s) => `${s.name} ${s.problem}`).join('; ')}`,
      `give a directory with ${names.join(', ')} at ${version}, or run \`lab setup\` without --from to download them`,
    );
  }
  mkdirSync(dest, { recursive: true });
  for (const state of states) {
    const target = path.join(dest, state.name);
    // The test bed builds straight into the cache: --from that same directory only verifies.
    if (sameFile(state.file, target)) continue;
    const temporary = `${target}.copy`;
    copyFileSync(state.file, temporary);
    chmodSync(temporary, 0o755);
    renameSync(temporary, target);
    log(`copied ${state.name}`);
  }
}

/**
 * Puts kubelet, kubectl and the other pinned binaries into binDir(): copied from `from`, or downloaded
 * as the official release archive for this machine's architecture, verified against
 * labs/checksums.yaml, and unpacked. Returns the directory. Doing nothing is the common case.
 */
export async function setupBinaries(options: SetupOptions): Promise<string> {
  const versions = loadVersions();
  const dest = binDir(versions.kubernetes);
  const names = versions.binaries;
  if (options.from) {
    await copyFrom(options.from, dest, names, versions.kubernetes, options.log);
    options.log(`binaries ${versions.kubernetes} verified in ${dest}`);
    return dest;
  }
  const before = await checkBinaries(dest, names, versions.kubernetes);
  if (before.every((s) => s.ok)) {
    options.log(`binaries ${versions.kubernetes} already in ${dest}`);
    return dest;
  }
  const { archive, url } = releaseArchive(options);
  const archiveFile = path.join(cacheDir(), 'downloads', archive.file);
  options.log(`downloading ${url}`);
  await downloadVerified(url, archiveFile, archive.sha512, { onProgress: options.onProgress, log: options.log });
  options.log(`sha512 matches labs/checksums.yaml; unpacking ${names.join(', ')}`);
  await extractBinaries(archiveFile, archive.binDir, names, dest);
  const after = await checkBinaries(dest, names, versions.kubernetes);
  const bad = after.filter((s) => !s.ok);
  if (bad.length > 0)
    throw new LabError(
      `after unpacking, ${bad.map((s) => `${s.name} ${s.problem}`).join('; ')}`,
      `remove ${dest} and run \`lab setup\` again`,
    );
  if (!options.keepArchive) rmSync(archiveFile, { force: true });
  options.log(`binaries ${versions.kubernetes} ready in ${dest}`);
  return dest;
}
