import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { DockerDriver } from '../../src/machine/docker.ts';
import { followJsonLines } from '../../src/machine/dockerApi.ts';
import { mirroredName } from '../../src/core/imageMirror.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { workDir } from '../helpers/workdir.ts';

export const docker = new DockerDriver();

/** Runs `lab` as a student would, on the test work dir, with extra environment (MVK_REGISTRY_MIRROR, MVK_CONFIG …). */
export async function lab(args: string[], env: Record<string, string> = {}) {
  const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], {
    reject: false,
    cwd: repoRoot,
    env: { MVK_WORK_DIR: workDir, ...env },
    input: '',
    timeout: 600_000,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LocalRegistry {
  url: string;
  host: string;
  log: () => string;
  stop(): Promise<void>;
}

/**
 * Debian's docker-registry (distribution 2.8), bound to 127.0.0.1 on a free port, storing in `dir`.
 * Docker treats 127.0.0.0/8 registries as insecure-allowed, so plain HTTP works without daemon changes.
 */
export async function startRegistry(dir: string): Promise<LocalRegistry> {
  const port = await freePort();
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    ` +
      `enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  let output = '';
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/v2/`)).ok) break;
    } catch {
      // not up yet
    }
    if (i > 50 || child.exitCode !== null) throw new Error(`docker-registry did not start: ${output.slice(-500)}`);
    await sleep(100);
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    },
  };
}

function splitName(name: string): { repo: string; tag: string } {
  const colon = name.lastIndexOf(':');
  return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
}

/** Adds a second name to a local image (the original name is untouched). */
export async function tagImage(source: string, target: string): Promise<void> {
  await docker.api.tagImage(source, splitName(target));
}

export async function pushImage(name: string): Promise<void> {
  // The push endpoint wants an X-Registry-Auth header even for a registry without auth: push sends an empty one.
  let failed: string | undefined;
  await followJsonLines(await docker.api.push(name), (event) => {
    failed ??= (event as { error?: string }).error;
  });
  if (failed) throw new Error(failed);
}

/**
 * Removes only the name `name` (an extra tag this test added). Refuses when it is the image's last
 * name, so the test bed's own images can never be deleted by a test.
 */
export async function untagImage(name: string): Promise<void> {
  let tags: string[];
  try {
    tags = ((await docker.api.inspectImage(name)) as { RepoTags?: string[] }).RepoTags ?? [];
  } catch {
    return;
  }
  if (tags.length < 2) throw new Error(`${name} is the only name of its image; refusing to remove it`);
  await docker.api.removeImage(name, { noprune: true });
}

/** The image a container of the lab's static pod runs (`POD` for the sandbox). */
export async function podContainerImage(podName: string, container: string): Promise<string | undefined> {
  const [newest] = await docker.podContainers({ podName, container });
  if (!newest) return undefined;
  return ((await docker.api.inspectContainer(newest.id)) as { Config: { Image: string } }).Config.Image;
}

/** Label on images a test builds itself; only such images may be deleted outright. */
const TEST_LABEL = 'mvk-lab.test-variant';

/**
 * Builds `target`: the filesystem and start command of `source` plus one small random file, so its
 * layer exists nowhere on this machine. Pushed to the mirror and deleted locally, it makes a pull
 * download a real layer (a plain re-tag would pull nothing: Docker already holds identical layers).
 */
export async function buildMirrorOnlyVariant(source: string, target: string): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'mvk-variant-'));
  try {
    const config = JSON.parse((await execa('docker', ['image', 'inspect', '--format', '{{json .Config}}', source])).stdout) as {
      Entrypoint?: string[] | null;
      Cmd?: string[] | null;
      Env?: string[] | null;
    };
    const container = (await execa('docker', ['create', source])).stdout.trim();
    try {
      await execa('docker', ['export', '-o', path.join(work, 'rootfs.tar'), container]);
    } finally {
      await execa('docker', ['rm', container]);
    }
    writeFileSync(path.join(work, 'mvk-mirror-stamp'), randomBytes(16).toString('hex'));
    await execa('tar', ['--append', '-f', path.join(work, 'rootfs.tar'), '-C', work, 'mvk-mirror-stamp']);
    const changes = [`LABEL ${TEST_LABEL}=1`];
    if (config.Entrypoint?.length) changes.push(`ENTRYPOINT ${JSON.stringify(config.Entrypoint)}`);
    if (config.Cmd?.length) changes.push(`CMD ${JSON.stringify(config.Cmd)}`);
    for (const entry of config.Env ?? []) changes.push(`ENV ${entry}`);
    await execa('docker', ['import', ...changes.flatMap((c) => ['--change', c]), path.join(work, 'rootfs.tar'), target]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Puts every image of `images` into the mirror at `prefix`, then removes the local mirror names, so the
 * lab must pull them. Those in `withOwnLayer` go in as variants with a layer of their own (a pull then
 * downloads a real layer); the others are the test bed's images re-tagged.
 */
export async function fillMirror(prefix: string, images: string[], withOwnLayer: string[]): Promise<void> {
  for (const image of images) {
    const name = mirroredName(image, prefix);
    const variant = withOwnLayer.includes(image);
    if (variant) await buildMirrorOnlyVariant(image, name);
    else await tagImage(image, name);
    await pushImage(name);
    if (variant) await removeTestVariant(name);
    else await untagImage(name);
  }
}

/** Removes the local mirror names `fillMirror` left behind once the lab pulled them. */
export async function forgetMirror(prefix: string, images: string[], withOwnLayer: string[]): Promise<void> {
  for (const image of images) {
    const name = mirroredName(image, prefix);
    if (withOwnLayer.includes(image)) await removeTestVariant(name).catch(() => undefined);
    else await untagImage(name).catch(() => undefined);
  }
}

/** Deletes an image this test built (it carries TEST_LABEL); refuses any other image. */
export async function removeTestVariant(name: string): Promise<void> {
  let labels: Record<string, string> = {};
  try {
    labels = ((await docker.api.inspectImage(name)) as { Config?: { Labels?: Record<string, string> | null } }).Config?.Labels ?? {};
  } catch {
    return;
  }
  if (labels[TEST_LABEL] !== '1') throw new Error(`${name} was not built by the test; refusing to delete it`);
  await docker.api.removeImage(name, { force: true });
}
