/**
 * `npm run testbed:vm`: builds the Debian 13 (trixie) machine the VM test runs the lab on, the kind of
 * machine students have in 2026: systemd as PID 1, cgroup v2 only, Docker 26 with the systemd cgroup
 * driver. Made from Debian's packages alone (debootstrap, then the repo's own vm/provision.sh in a
 * chroot), booted once to load the lab's images into its Docker, and cached outside the repo under a
 * key of everything that goes into it, so a second run only checks. Needs the test bed (`npm run
 * testbed`: its images and binaries) and root.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { binDir, cacheDir, repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { bootVm, type VmImage } from './qemu.ts';

$.quiet = true;
const log = (line: string) => console.log(`testbed:vm: ${line}`);

const SUITE = 'trixie';
const MIRROR = process.env.MVK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
/** What debootstrap lays down before provision.sh: a bootable systemd machine reachable over SSH. */
const BASE_PACKAGES = [
  'systemd-sysv',
  'systemd',
  'dbus',
  'udev',
  'kmod',
  'linux-image-amd64',
  'openssh-server',
  'iproute2',
  'procps',
  'ca-certificates',
  'e2fsprogs',
];
/** The disk is sparse: only what is written takes room on the host. */
const DISK_SIZE = '16G';
/** Bump when the steps below change in a way the inputs do not show. */
const RECIPE = 4;

const provisionScript = path.join(repoRoot, 'vm', 'provision.sh');

function imageRefs(): string[] {
  return Object.values(loadVersions().images);
}

/** The key of everything the image is made of: the recipe, provision.sh and the exact images loaded. */
async function imageKey(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ RECIPE, SUITE, MIRROR, BASE_PACKAGES, DISK_SIZE }));
  hash.update(readFileSync(provisionScript));
  const bins = binDir(loadVersions().kubernetes);
  for (const name of readdirSync(bins).sort()) {
    const { size, mtimeMs } = statSync(path.join(bins, name));
    hash.update(`${name} ${size} ${mtimeMs}\n`);
  }
  for (const ref of imageRefs()) hash.update(`${ref}=${(await $`docker image inspect --format {{.Id}} ${ref}`).stdout.trim()}\n`);
  return hash.digest('hex').slice(0, 16);
}

const vmRoot = () => path.join(cacheDir(), 'vm');

function imageAt(dir: string): VmImage {
  return {
    dir,
    disk: path.join(dir, 'disk.raw'),
    kernel: path.join(dir, 'vmlinuz'),
    initrd: path.join(dir, 'initrd.img'),
    key: path.join(dir, 'id_ed25519'),
  };
}

const testbedBinaries = () => existsSync(path.join(binDir(loadVersions().kubernetes), 'kubelet'));

/** The ready image for these inputs, if it was built (never without the test bed it is made from). */
export async function readyImage(key?: string): Promise<VmImage | undefined> {
  if (!key && !testbedBinaries()) return undefined;
  const dir = path.join(vmRoot(), key ?? (await imageKey()));
  return existsSync(path.join(dir, '.ready')) ? imageAt(dir) : undefined;
}

async function inChroot<T>(root: string, run: () => Promise<T>): Promise<T> {
  // No service may start inside the chroot (there is no systemd there); the real boot starts them.
  const policy = path.join(root, 'usr/sbin/policy-rc.d');
  writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  await $`mount -t proc proc ${path.join(root, 'proc')}`;
  try {
    return await run();
  } finally {
    await $({ nothrow: true })`umount ${path.join(root, 'proc')}`;
    rmSync(policy, { force: true });
  }
}

function configure(root: string, publicKey: string): void {
  const write = (file: string, text: string, mode = 0o644) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text, { mode });
  };
  write('etc/hostname', 'mvk-vm\n');
  write('etc/hosts', '127.0.0.1 localhost\n127.0.1.1 mvk-vm\n');
  // The checkout comes in read-only over 9p (see qemu.ts), cached in the guest (cache=loose: it does not
  // change while a test runs, and every `lab` command would otherwise read node_modules over 9p again);
  // the lab writes its work files on the guest's own disk.
  write(
    'etc/fstab',
    [
      '/dev/vda / ext4 defaults 0 1',
      'lab /lab 9p trans=virtio,version=9p2000.L,ro,nofail,cache=loose,msize=262144 0 0',
      'share /mnt/share 9p trans=virtio,version=9p2000.L,nofail,msize=262144 0 0',
      '',
    ].join('\n'),
  );
  for (const dir of ['lab', 'mnt/share']) mkdirSync(path.join(root, dir), { recursive: true });
  write('etc/systemd/network/10-vm.network', '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n');
  write('root/.ssh/authorized_keys', publicKey, 0o600);
  chmodSync(path.join(root, 'root/.ssh'), 0o700);
  // Every boot is a first boot (a fresh overlay): a new machine-id each time, as kubelet expects one.
  write('etc/machine-id', '');
}

/** Services a test VM does not need and that would cost a TCG boot tens of seconds. */
const MASKED = [
  'apt-daily.timer',
  'apt-daily-upgrade.timer',
  'e2scrub_all.timer',
  'e2scrub_reap.service',
  'fstrim.timer',
  'man-db.timer',
  'dpkg-db-backup.timer',
  'systemd-networkd-wait-online.service',
];

/** The key of the machine before the lab's files go in: Debian's packages and provision.sh. */
function baseKey(): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ RECIPE, SUITE, MIRROR, BASE_PACKAGES, MASKED }));
  hash.update(readFileSync(provisionScript));
  return hash.digest('hex').slice(0, 16);
}

const baseDir = () => path.join(vmRoot(), `base-${baseKey()}`);

/**
 * The provisioned root file system (debootstrap, then provision.sh in a chroot), cached apart from
 * the image: it needs neither the binaries nor the images, so the test bed builds it while Go builds
 * the binaries, and a new binary or image only redoes the quick last stage.
 */
export async function ensureBaseRootfs(): Promise<string> {
  const dir = baseDir();
  const root = path.join(dir, 'rootfs');
  if (existsSync(path.join(dir, '.ready'))) return root;
  if (process.getuid?.() !== 0) throw new Error('building the VM image needs root (debootstrap, chroot, mount)');
  const started = Date.now();
  const building = `${dir}.building`;
  const newRoot = path.join(building, 'rootfs');
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  log(`debootstrap ${SUITE} from ${MIRROR} (a few minutes)`);
  await $`debootstrap --variant=minbase --include=${BASE_PACKAGES.join(',')} ${SUITE} ${newRoot} ${MIRROR}`;
  log('running vm/provision.sh in the new root, as a student would on a fresh machine');
  copyFileSync(provisionScript, path.join(newRoot, 'tmp/provision.sh'));
  await inChroot(newRoot, async () => {
    const out = await $`chroot ${newRoot} /bin/sh /tmp/provision.sh`;
    log(out.stdout.trim().split('\n').at(-1) ?? '');
    await $`chroot ${newRoot} systemctl enable systemd-networkd`;
    await $`chroot ${newRoot} systemctl mask ${MASKED}`;
    await $`chroot ${newRoot} apt-get clean`;
  });
  rmSync(path.join(newRoot, 'tmp/provision.sh'));
  writeFileSync(path.join(building, '.ready'), `${new Date().toISOString()} built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  log(`provisioned root file system in ${Math.round((Date.now() - started) / 1000)} s`);
  return root;
}

/**
 * What the test bed starts beside the binaries' build: the base root file system, unless the whole
 * image for these inputs is ready already (the key needs the binaries and images; without them the
 * image cannot be ready).
 */
export async function prepareVmBase(): Promise<void> {
  const ready = await readyImage().catch(() => undefined);
  if (!ready) await ensureBaseRootfs();
}

async function buildRootfs(dir: string): Promise<void> {
  const root = path.join(dir, 'rootfs');
  rmSync(root, { recursive: true, force: true });
  // A copy: the base stays for the next image (cp -a keeps owners, modes and links).
  await $`cp -a ${await ensureBaseRootfs()} ${root}`;
  const keyFile = path.join(dir, 'id_ed25519');
  rmSync(keyFile, { force: true });
  rmSync(`${keyFile}.pub`, { force: true });
  await $`ssh-keygen -q -t ed25519 -N ${''} -C mvk-lab-vm-test -f ${keyFile}`;
  configure(root, readFileSync(`${keyFile}.pub`, 'utf8'));
  // The binaries where the lab looks for them, as `lab setup` leaves them on a student's machine: on the
  // guest's disk, since a Go binary read over 9p under TCG takes tens of seconds to start.
  const version = loadVersions().kubernetes;
  cpSync(binDir(version), path.join(root, 'root/.cache/mvk-lab/kubernetes', version, 'linux-amd64'), { recursive: true });
  const boot = readdirSync(path.join(root, 'boot'));
  copyFileSync(path.join(root, 'boot', boot.find((f) => f.startsWith('vmlinuz-'))!), path.join(dir, 'vmlinuz'));
  copyFileSync(path.join(root, 'boot', boot.find((f) => f.startsWith('initrd.img-'))!), path.join(dir, 'initrd.img'));
  const disk = path.join(dir, 'disk.raw');
  rmSync(disk, { force: true });
  await $`truncate -s ${DISK_SIZE} ${disk}`;
  await $`mkfs.ext4 -q -F -L mvk-root -d ${root} ${disk}`;
  rmSync(root, { recursive: true, force: true });
}

/** Boots the new disk itself (no overlay) once, to load the lab's images into its Docker. */
async function loadImages(image: VmImage, share: string): Promise<void> {
  const refs = imageRefs();
  log(`saving ${refs.length} images for the VM`);
  await $`docker save -o ${path.join(share, 'images.tar')} ${refs}`;
  const vm = await bootVm(image, { share, persistent: true, log });
  try {
    await vm.ssh('docker load -i /mnt/share/images.tar', { timeoutSeconds: 600 });
    const listed = await vm.ssh(`docker image inspect --format '{{index .RepoTags 0}}' ${refs.join(' ')}`);
    log(`images in the VM's Docker: ${listed.stdout.trim().split('\n').join(', ')}`);
  } finally {
    await vm.stop();
  }
  rmSync(path.join(share, 'images.tar'), { force: true });
}

export async function ensureVmImage(): Promise<VmImage> {
  // The key is made of the test bed's binaries and images, so they come first.
  if (!testbedBinaries()) throw new Error('run `npm run testbed` first: the VM uses its binaries and images');
  // The key asks Docker about every image: computed once, for the check and the build.
  const key = await imageKey();
  const ready = await readyImage(key);
  if (ready) {
    log(`ready: ${ready.dir}`);
    return ready;
  }
  if (process.getuid?.() !== 0) throw new Error('building the VM image needs root (debootstrap, chroot, mount)');
  const building = path.join(vmRoot(), `${key}.building`);
  const started = Date.now();
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  await buildRootfs(building);
  const share = path.join(building, 'share');
  mkdirSync(share);
  await loadImages(imageAt(building), share);
  rmSync(share, { recursive: true, force: true });
  const dir = path.join(vmRoot(), key);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  writeFileSync(path.join(dir, '.ready'), `${new Date().toISOString()} built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  // Older images (other inputs) are only disk space now.
  for (const entry of readdirSync(vmRoot())) {
    const stale =
      (entry !== key && /^[0-9a-f]{16}(\.building)?$/.test(entry)) ||
      (/^base-[0-9a-f]{16}/.test(entry) && entry !== path.basename(baseDir()));
    if (stale) rmSync(path.join(vmRoot(), entry), { recursive: true, force: true });
  }
  log(`built in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
  return imageAt(dir);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureVmImage();
}
