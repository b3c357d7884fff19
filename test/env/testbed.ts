/**
 * `npm run testbed`: turns a fresh development or CI machine (Debian, root, no internet but Debian's
 * and Go's package registries) into the real test bed: a Docker engine, the Kubernetes binaries at the
 * pinned version, and every image the lab names, built locally. Idempotent: on a ready machine it only
 * checks and prints what it has.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $, sleep } from 'zx';
import { binDir, cacheDir, repoRoot } from '../../src/core/paths.ts';
import { loadVersions, type ImageRole } from '../../src/core/versions.ts';
import { buildImage, hostPackages, recipeDigest, recipes } from './images.ts';
import { ensureVmImage, prepareVmBase } from '../vm/image.ts';

$.quiet = true;
const log = (line: string) => console.log(`testbed: ${line}`);

// docker-registry: the mirror tests run one on 127.0.0.1; tmux: the walkthrough's real-terminal test;
// debootstrap, qemu and ssh: the Debian 13 VM (test/vm/).
const aptPackages = [
  'docker.io',
  'iptables',
  'conntrack',
  'golang-1.19-go',
  'tmux',
  'docker-registry',
  'debootstrap',
  'qemu-system-x86',
  'qemu-utils',
  'e2fsprogs',
  'openssh-client',
  ...hostPackages,
];
export const dockerdLog = '/var/log/mvk-lab/dockerd.log';

async function ensureAptPackages(): Promise<void> {
  const missing: string[] = [];
  for (const pkg of aptPackages) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Status} is dpkg-query's own field syntax
    const status = await $({ nothrow: true })`dpkg-query -W -f=${'${Status}'} ${pkg}`;
    if (!status.stdout.includes('install ok installed')) missing.push(pkg);
  }
  if (!missing.length) return;
  log(`installing from Debian: ${missing.join(' ')}`);
  await $`apt-get update -qq`;
  // A policy-rc.d that says no keeps the packages' init scripts from starting services: dockerd is
  // started below on the test bed's terms, and a registry must never listen on every interface.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    await $({ env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get install -y -qq --no-install-recommends ${missing}`;
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

async function dockerAnswers(): Promise<boolean> {
  return (await $({ nothrow: true, timeout: '10s' })`docker info --format {{.ServerVersion}}`).exitCode === 0;
}

/**
 * Some sandboxed machines (ours among them) drop CAP_SYS_RESOURCE from every process's bounding set, so
 * no one may lower an oom_score_adj below 0, and runc cannot start the pod sandboxes kubelet asks for
 * with -998. There the test bed runs dockerd with a runtime wrapper that raises negative values to 0.
 */
function cannotLowerOomScore(): boolean {
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 'ffffffffff';
  const capSysResource = 24n;
  return ((BigInt(`0x${bounding}`) >> capSysResource) & 1n) === 0n;
}

const oomClampRuntime = { name: 'mvk-runc', path: '/usr/local/lib/mvk-lab/runc-oom-clamp' };
const dockerdPidFile = '/run/mvk-lab/dockerd.pid';

async function defaultRuntime(): Promise<string> {
  return (await $`docker info --format {{.DefaultRuntime}}`).stdout.trim();
}

/** The pid of a running dockerd that this test bed started, if any: only that one may be restarted. */
function ownDockerdPid(): number | undefined {
  if (!existsSync(dockerdPidFile)) return undefined;
  const pid = Number(readFileSync(dockerdPidFile, 'utf8').trim());
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/sbin/dockerd') ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function startDockerd(clampOom: boolean): Promise<void> {
  mkdirSync(path.dirname(dockerdLog), { recursive: true });
  mkdirSync(path.dirname(dockerdPidFile), { recursive: true });
  const args = clampOom
    ? ['--add-runtime', `${oomClampRuntime.name}=${oomClampRuntime.path}`, '--default-runtime', oomClampRuntime.name]
    : [];
  log(`starting dockerd ${args.join(' ')} (log: ${dockerdLog})`);
  const out = openSync(dockerdLog, 'a');
  const child = spawn('/usr/sbin/dockerd', args, { detached: true, stdio: ['ignore', out, out] });
  writeFileSync(dockerdPidFile, `${child.pid}\n`);
  child.unref();
  for (let i = 0; i < 60; i++) {
    if (await dockerAnswers()) return;
    await sleep(1000);
  }
  throw new Error(`dockerd did not answer within 60 s; see ${dockerdLog}`);
}

/** Starts dockerd in the background unless an engine already answers; never touches one it did not start. */
async function ensureDocker(): Promise<void> {
  const clampOom = cannotLowerOomScore();
  if (clampOom) {
    mkdirSync(path.dirname(oomClampRuntime.path), { recursive: true });
    copyFileSync(path.join(repoRoot, 'test/env/runc-oom-clamp.sh'), oomClampRuntime.path);
    chmodSync(oomClampRuntime.path, 0o755);
  }
  if (await dockerAnswers()) {
    if (!clampOom || (await defaultRuntime()) === oomClampRuntime.name) return;
    const pid = ownDockerdPid();
    if (pid === undefined) {
      log(
        `warning: this machine cannot lower oom_score_adj and the running Docker engine (not started by the test bed) has no ${oomClampRuntime.name}` +
          ` ` +
          `runtime: pod sandboxes will fail to start`,
      );
      return;
    }
    log("restarting the test bed's dockerd with the oom_score_adj runtime wrapper");
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 60 && existsSync(`/proc/${pid}`); i++) await sleep(500);
  }
  await startDockerd(clampOom);
}

async function ensureBinaries(dir: string, work: string): Promise<void> {
  await $({ stdio: 'inherit' })`bash ${path.join(repoRoot, 'test/env/build-kubernetes.sh')} ${dir} ${work}`;
}

/** Unpacks (does not install) the Debian packages some images take their files from. */
async function unpackDebs(names: string[], debDir: string): Promise<void> {
  const root = path.join(debDir, 'root');
  mkdirSync(root, { recursive: true });
  const have = readdirSync(debDir).filter((f) => f.endsWith('.deb'));
  const wanted = names.filter((n) => !have.some((f) => f.startsWith(`${n}_`)));
  if (wanted.length) await $({ cwd: debDir })`apt-get -o APT::Sandbox::User=root download ${wanted}`;
  // A stamp per package, so a warm run does not unpack the same files again.
  for (const file of readdirSync(debDir).filter((f) => f.endsWith('.deb'))) {
    const stamp = path.join(debDir, `${file}.unpacked`);
    if (existsSync(stamp)) continue;
    await $`dpkg-deb -x ${path.join(debDir, file)} ${root}`;
    writeFileSync(stamp, '');
  }
}

/** Compiles the pause container's program from the Kubernetes module's own source. */
async function buildPause(version: string, out: string): Promise<string> {
  const binary = path.join(out, 'pause');
  if (existsSync(binary)) return binary;
  const source = (
    await $({ cwd: path.join(repoRoot, 'test/env/k8s-build') })`/usr/lib/go-1.19/bin/go list -m -f {{.Dir}} k8s.io/kubernetes`
  ).stdout.trim();
  await $`gcc -Os -Wall -static -DVERSION=${`v3.2-mvk-${version}`} -o ${binary} ${path.join(source, 'build/pause/pause.c')}`;
  return binary;
}

async function ensureImages(versions: ReturnType<typeof loadVersions>, dir: string, work: string): Promise<void> {
  const debDir = path.join(work, 'debs');
  mkdirSync(debDir, { recursive: true });
  const pause = await buildPause(versions.kubernetes, work);
  const all = recipes(versions, dir, debDir, pause);
  await unpackDebs([...new Set(Object.values(all).flatMap((r) => r.debs ?? []))], debDir);
  for (const [role, recipe] of Object.entries(all) as [ImageRole, (typeof all)[ImageRole]][]) {
    const name = versions.images[role];
    const digest = recipeDigest(recipe);
    const current = await $({ nothrow: true })`docker image inspect --format ${'{{index .Config.Labels "mvk-lab.recipe"}}'} ${name}`;
    if (current.exitCode === 0 && current.stdout.trim() === digest) continue;
    log(`building image ${name}`);
    await buildImage(name, recipe, digest);
  }
}

async function summary(versions: ReturnType<typeof loadVersions>, dir: string): Promise<void> {
  for (const binary of versions.binaries) {
    const flag = binary === 'kubectl' ? ['version', '--client', '--short'] : ['--version'];
    log(`${binary}: ${(await $`${path.join(dir, binary)} ${flag}`).stdout.trim()}`);
  }
  const engine = (
    await $`docker version --format ${'{{.Server.Version}} (API {{.Server.APIVersion}}, minimum {{.Server.MinAPIVersion}})'}`
  ).stdout.trim();
  log(`Docker engine: ${engine}`);
  log(`binaries: ${dir}`);
  for (const name of Object.values(versions.images)) {
    const id = (await $`docker image inspect --format {{.Id}} ${name}`).stdout.trim().slice(7, 19);
    log(`image ${name} ${id}`);
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the test bed installs packages and runs dockerd: run it as root');
  const versions = loadVersions();
  const dir = binDir(versions.kubernetes);
  await ensureAptPackages();
  await ensureDocker();
  // Build inputs (generated source, unpacked packages) are cached beside the binaries, keyed by version.
  const work = path.join(cacheDir(), 'testbed', versions.kubernetes);
  // MVK_TESTBED_VM=0 leaves the VM out (the VM test then skips, or fails under LAB_E2E=required).
  const withVm = process.env.MVK_TESTBED_VM !== '0';
  // The VM's base system needs only Debian's packages: it is built while Go builds the binaries.
  const vmBase = withVm ? prepareVmBase() : undefined;
  // Awaited below; until then a failure must not be an unhandled rejection that ends the process.
  vmBase?.catch(() => {});
  await ensureBinaries(dir, work);
  await ensureImages(versions, dir, work);
  await summary(versions, dir);
  // Last, as it boots the VM with these binaries and images.
  if (vmBase) {
    await vmBase;
    await ensureVmImage();
  }
  log('ready');
}

main().catch((error: unknown) => {
  console.error(`testbed: ${(error as Error).message}`);
  process.exit(1);
});
