/**
 * Boots the test bed's Debian 13 VM with qemu and drives it over SSH on a forwarded loopback port.
 * User-mode networking with restrict=on: the guest reaches nothing outside itself, and only the SSH port
 * is forwarded, bound to 127.0.0.1. The checkout is shared read-only over 9p; a second share
 * (read-write) carries files in and results out. The binaries and images are on the image's disk.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  accessSync,
  constants,
} from 'node:fs';
import { createServer } from 'node:net';
import { release, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { cacheDir, repoRoot } from '../../src/core/paths.ts';

export interface VmImage {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  /** The private key whose public half is root's authorized key in the image. */
  key: string;
}

export interface BootOptions {
  /** A host directory mounted read-write at /mnt/share in the guest; a temporary one by default. */
  share?: string;
  /** Boot the image's own disk (changes persist); by default a throwaway overlay keeps it pristine. */
  persistent?: boolean;
  memoryMiB?: number;
  cpus?: number;
  log?: (line: string) => void;
}

export interface SshResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Vm {
  accel: 'kvm' | 'tcg';
  /** Seconds from starting qemu to systemd's multi-user target with Docker up. */
  bootSeconds: number;
  share: string;
  serialLog: string;
  ssh(command: string, options?: { timeoutSeconds?: number; env?: Record<string, string> }): Promise<SshResult>;
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const qemuVersion = async () => (await execa('qemu-system-x86_64', ['--version'])).stdout.split('\n')[0]!;

function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * KVM where it really works, else TCG. /dev/kvm may exist and still fail: on our nested machines a
 * Debian kernel dies with "KVM internal error" (or hangs) before printing its first line, while TCG
 * boots it. So the kernel is started under KVM once with no disk: if it does not say "Linux version"
 * within 20 s, this host gets TCG. The verdict is cached per host kernel and qemu version.
 */
async function chooseAccel(image: VmImage, log: (line: string) => void): Promise<'kvm' | 'tcg'> {
  const forced = process.env.MVK_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  if (!kvmUsable()) return 'tcg';
  const verdictFile = path.join(
    cacheDir(),
    'vm',
    `accel-${createHash('sha256')
      .update(`${release()} ${await qemuVersion()}`)
      .digest('hex')
      .slice(0, 12)}`,
  );
  if (existsSync(verdictFile)) return readFileSync(verdictFile, 'utf8').trim() === 'kvm' ? 'kvm' : 'tcg';
  log('trying KVM (20 s at most)');
  const probe = await execa(
    'qemu-system-x86_64',
    [
      '-accel',
      'kvm',
      '-cpu',
      'host',
      '-m',
      '512',
      '-nographic',
      '-no-reboot',
      '-kernel',
      image.kernel,
      '-append',
      'console=ttyS0 panic=-1',
    ],
    { reject: false, timeout: 20_000, all: true },
  );
  const verdict = /Linux version/.test(probe.all ?? '') ? 'kvm' : 'tcg';
  log(
    verdict === 'kvm'
      ? 'KVM works here'
      : `KVM does not boot a kernel here (${(probe.all ?? '').match(/KVM internal error|failed to set MSR[^\n]*/)?.[0] ?? 'no kernel output in 20 s'}` +
          `): using TCG`,
  );
  mkdirSync(path.dirname(verdictFile), { recursive: true });
  writeFileSync(verdictFile, `${verdict}\n`);
  return verdict;
}

function sshArgs(image: VmImage, port: number): string[] {
  return [
    '-q',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'ConnectTimeout=5',
    '-i',
    image.key,
    '-p',
    String(port),
    'root@127.0.0.1',
  ];
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function bootVm(image: VmImage, options: BootOptions = {}): Promise<Vm> {
  const log = options.log ?? (() => {});
  const run = mkdtempSync(path.join(tmpdir(), 'mvk-vm-'));
  const share = options.share ?? path.join(run, 'share');
  mkdirSync(share, { recursive: true });
  let disk = image.disk;
  let format = 'raw';
  if (!options.persistent) {
    disk = path.join(run, 'overlay.qcow2');
    format = 'qcow2';
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.disk, '-F', 'raw', disk]);
  }
  const accel = await chooseAccel(image, log);
  const port = await freeLoopbackPort();
  const serialLog = path.join(run, 'serial.log');
  const args = [
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-smp',
    String(options.cpus ?? 2),
    '-m',
    String(options.memoryMiB ?? 4096),
    '-nographic',
    '-no-reboot',
    '-kernel',
    image.kernel,
    '-initrd',
    image.initrd,
    // quiet: a TCG console is slow; the log still shows systemd's failures.
    '-append',
    'root=/dev/vda rw console=ttyS0 quiet',
    '-drive',
    `file=${disk},if=virtio,format=${format},cache=unsafe`,
    '-netdev',
    `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${port}-:22`,
    '-device',
    'virtio-net-pci,netdev=n0',
    '-virtfs',
    `local,path=${repoRoot},mount_tag=lab,security_model=none,readonly=on`,
    '-virtfs',
    `local,path=${share},mount_tag=share,security_model=none`,
  ];
  const out = openSync(serialLog, 'a');
  const started = Date.now();
  log(`booting (${accel}, ssh on 127.0.0.1:${port}, serial log ${serialLog})`);
  const qemu: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['ignore', out, out] });
  closeSync(out);
  let exited: number | null | undefined;
  const gone = new Promise<void>((resolve) =>
    qemu.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  const ssh: Vm['ssh'] = async (command, sshOptions = {}) => {
    const env = Object.entries(sshOptions.env ?? {}).map(([k, v]) => `${k}='${v.replaceAll("'", "'\\''")}'`);
    const remote = env.length > 0 ? `export ${env.join(' ')}; ${command}` : command;
    const result = await execa('ssh', [...sshArgs(image, port), remote], {
      reject: false,
      timeout: (sshOptions.timeoutSeconds ?? 300) * 1000,
      stdin: 'ignore',
    });
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.timedOut ? 124 : (result.exitCode ?? 255) };
  };

  const stop = async () => {
    if (exited === undefined) {
      await ssh('systemctl poweroff', { timeoutSeconds: 20 });
      await Promise.race([gone, sleep(90_000)]);
      if (exited === undefined) qemu.kill('SIGKILL');
      await gone;
    }
    rmSync(run, { recursive: true, force: true });
  };

  // A TCG boot takes about a minute; give it five, and stop early if qemu dies.
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`qemu exited (${exited}) before the VM answered on SSH:\n${tail(serialLog)}`);
    if (Date.now() > deadline) {
      qemu.kill('SIGKILL');
      throw new Error(`the VM did not answer on SSH within 300 s:\n${tail(serialLog)}`);
    }
    const up = await ssh('systemctl is-active docker.service', { timeoutSeconds: 15 });
    if (up.exitCode === 0 && up.stdout.trim() === 'active') break;
    await sleep(2000);
  }
  const bootSeconds = Math.round((Date.now() - started) / 1000);
  log(`up after ${bootSeconds} s`);
  return { accel, bootSeconds, share, serialLog, ssh, stop };
}
