import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binary, NODE_NAME, type LabEnv } from '../core/context.ts';
import { yaml } from '../core/yaml.ts';
import type { MachineFacts } from '../core/template.ts';
import { tailLines } from './tail.ts';
import { listProcesses, processAlive, type ProcessInfo } from './proc.ts';

/**
 * The one definition of the kubelet command line. The lesson shows the same flags (a unit test
 * compares them), `lab apply` runs them, and the probes check them.
 */
export function kubeletArgs(env: LabEnv, machine: MachineFacts, options: { kubeconfig: boolean }): string[] {
  const args = [
    `--pod-manifest-path=${env.podsDir}`,
    `--pod-infra-container-image=${env.versions.images.pause}`,
    // The lab's own name, whatever name a student's kubelet used before (env.nodeName is the live one).
    `--hostname-override=${NODE_NAME}`,
    `--address=${machine.nodeIp}`,
    `--node-ip=${machine.nodeIp}`,
    '--read-only-port=0',
    '--make-iptables-util-chains=false',
    `--cgroup-driver=${machine.cgroupDriver}`,
    `--root-dir=${env.kubeletRootDir}`,
    // Its default, /var/lib/kubelet/pki, does not follow --root-dir: kubelet would write its serving certificate there.
    `--cert-dir=${env.kubeletRootDir}/pki`,
    `--volume-plugin-dir=${env.kubeletPluginDir}`,
    `--experimental-dockershim-root-directory=${env.dockershimRootDir}`,
  ];
  if (machine.swapOn) args.push('--fail-swap-on=false');
  if (options.kubeconfig) args.push(`--kubeconfig=${env.kubeconfigFile}`);
  return args;
}

/** Go-style flags: `--name=value`, `--name value`, or a bare boolean `--name`. */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) continue;
    const name = arg.replace(/^--?/, '');
    const eq = name.indexOf('=');
    if (eq >= 0) flags.set(name.slice(0, eq), name.slice(eq + 1));
    else if (i + 1 < args.length && !args[i + 1]!.startsWith('-')) flags.set(name, args[++i]!);
    else flags.set(name, 'true');
  }
  return flags;
}

export interface KubeletProcess {
  pid: number;
  argv: string[];
  flags: Map<string, string>;
  cwd?: string;
}

/** A flag's value as an absolute path, resolved against the process's working directory. */
export function flagPath(kubelet: KubeletProcess, flag: string): string | undefined {
  const value = kubelet.flags.get(flag.replace(/^--/, ''));
  if (value === undefined) return undefined;
  return path.resolve(kubelet.cwd ?? '/', value);
}

export function isKubelet(proc: ProcessInfo): boolean {
  return proc.argv.length > 0 && path.basename(proc.argv[0]!) === 'kubelet';
}

export function allKubelets(processes = listProcesses()): KubeletProcess[] {
  return processes
    .filter(isKubelet)
    .map((proc) => ({ pid: proc.pid, argv: proc.argv, flags: parseFlags(proc.argv.slice(1)), cwd: proc.cwd }));
}

/**
 * The static pod directory a kubelet watches: --pod-manifest-path, else `staticPodPath` in its --config
 * file (relative paths there are relative to the file, as kubelet resolves them).
 */
export function staticPodDir(kubelet: KubeletProcess, readConfig = (file: string) => readFileSync(file, 'utf8')): string | undefined {
  const flag = flagPath(kubelet, '--pod-manifest-path');
  if (flag !== undefined) return flag;
  const config = flagPath(kubelet, '--config');
  if (!config) return undefined;
  try {
    const value = (yaml().parse(readConfig(config)) as { staticPodPath?: unknown } | null)?.staticPodPath;
    return typeof value === 'string' && value ? path.resolve(path.dirname(config), value) : undefined;
  } catch {
    return undefined;
  }
}

/** Kubelets serving this repo's pods/ (started by the lab or by the student); never any other kubelet. */
export function labKubelets(env: LabEnv, processes = listProcesses()): KubeletProcess[] {
  return allKubelets(processes).filter((kubelet) => staticPodDir(kubelet)?.replace(/\/+$/, '') === env.podsDir);
}

export const kubeletLogFile = (env: LabEnv) => path.join(env.stateDir, 'kubelet.log');
export const kubeletPidFile = (env: LabEnv) => path.join(env.stateDir, 'kubelet.pid');

/** Starts kubelet detached (it outlives `lab apply`), logging to .lab/kubelet.log. */
export function startKubelet(env: LabEnv, args: string[]): number {
  mkdirSync(env.stateDir, { recursive: true });
  const log = openSync(kubeletLogFile(env), 'a');
  const child = spawn(binary(env, 'kubelet'), args, { cwd: env.repoRoot, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new Error('kubelet did not start');
  writeFileSync(kubeletPidFile(env), `${child.pid}\n`);
  return child.pid;
}

/** SIGTERM, then SIGKILL after a grace period. Returns once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (processAlive(pid)) await sleep(50);
}

export async function stopLabKubelets(env: LabEnv): Promise<number[]> {
  const stopped: number[] = [];
  for (const kubelet of labKubelets(env)) {
    await stopProcess(kubelet.pid);
    stopped.push(kubelet.pid);
  }
  rmSync(kubeletPidFile(env), { force: true });
  return stopped;
}

/** The last lines of the lab's kubelet log, without the stack dump of a fatal exit (the fatal line stays). */
export function kubeletLogTail(env: LabEnv, lines = 20): string[] {
  if (!existsSync(kubeletLogFile(env))) return [];
  return withoutGoroutineDumps(tailLines(kubeletLogFile(env), Number.MAX_SAFE_INTEGER)).slice(-lines);
}

/**
 * Drops the Go stack dumps a klog.Fatal leaves behind it (`goroutine 1 [select]:` and hundreds of
 * frame lines, up to the next klog line): they would push the fatal line itself out of a tail.
 */
export function withoutGoroutineDumps(lines: string[]): string[] {
  const kept: string[] = [];
  let inDump = false;
  for (const line of lines) {
    if (/^goroutine \d+ \[/.test(line)) inDump = true;
    else if (/^[IWEF]\d{4} /.test(line)) inDump = false;
    if (!inDump) kept.push(line);
  }
  return kept;
}
