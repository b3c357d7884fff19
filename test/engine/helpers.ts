import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { labEnv } from '../../src/core/context.ts';
import { outputMissing, type LessonCommand } from '../../src/content/lessonBlocks.ts';
import { DockerDriver } from '../../src/machine/docker.ts';
import { allKubelets, labKubelets, staticPodDir, stopLabKubelets, stopProcess } from '../../src/machine/kubelet.ts';
import { portHolders } from '../../src/machine/ports.ts';
import { cacheDir, repoRoot } from '../../src/core/paths.ts';
import { isLabContainer, labOwnership } from '../../src/engine/ownership.ts';
import { abandonedTestPodsDir, workDir } from '../helpers/workdir.ts';

/**
 * The lab's environment as the `lab` commands below see it: the student's files (pods/, kubeconfig.yaml,
 * .lab/) are in this test process's own work dir (MVK_WORK_DIR, test/helpers/workdir.ts), never in the
 * developer's checkout.
 */
export const env = labEnv();
if (env.repoRoot !== workDir) throw new Error(`the lab's files would go to ${env.repoRoot}, not the test work dir ${workDir}`);
export const labPorts = [2379, 2380, 6443, 8080, 10248, 10250, 10255];

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the `lab` command exactly as a student would (`node bin/lab.mjs …`), on the test work dir. */
export async function lab(...args: string[]): Promise<LabRun> {
  const started = performance.now();
  const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], {
    reject: false,
    cwd: repoRoot,
    env: { MVK_WORK_DIR: workDir },
    input: '',
    timeout: 600_000,
  });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, ms: Math.round(performance.now() - started) };
}

export async function verifyJson(step: number) {
  const run = await lab('verify', String(step), '--json');
  const report = JSON.parse(run.stdout) as {
    passed: boolean;
    steps: { results: { id: string; status: string; seen: string; cause?: string }[] }[];
  };
  return { code: run.code, report, results: report.steps[0]!.results };
}

/**
 * Steps 1 to `last` as `lab verify --all` sees them: the ones that fail, with their failing checks
 * (empty: all pass). For a cluster built up to a step that is not the lab's last.
 */
export async function failingThrough(last: number): Promise<string[]> {
  const run = await lab('verify', '--all', '--json');
  const report = JSON.parse(run.stdout) as {
    steps: { step: number; passed: boolean; results: { id: string; status: string; seen: string }[] }[];
  };
  return report.steps
    .filter((s) => s.step <= last && !s.passed)
    .map(
      (s) =>
        `step ${s.step}: ${s.results
          .filter((r) => r.status === 'fail')
          .map((r) => `${r.id} (${r.seen})`)
          .join('; ')}`,
    );
}

/** Containers of the lab's pods still on the machine. */
export async function labContainers(): Promise<string[]> {
  const owned = labOwnership(env);
  const all = await new DockerDriver().podContainers();
  return all.filter((c) => isLabContainer(c, owned) || ['nginx', 'curl'].includes(c.podName)).map((c) => c.name);
}

export function labListeners(): string[] {
  return portHolders(labPorts).map((h) => `${h.address}:${h.port} (${h.name ?? '?'} ${h.pid ?? ''})`);
}

/** A throw-away HOME with no kubeconfig, as the probes use, so a ~/.kube/config cannot change results. */
export function cleanShellEnv(): Record<string, string> {
  // The lab finds its binaries through HOME's cache; with a throw-away HOME it is told where they are.
  // The student's files are in the test work dir, so the lab it runs (`npm run lab -- verify`) looks there.
  const shellEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: mkdtempSync(path.join(tmpdir(), 'mvk-student-')),
    TERM: 'dumb',
    MVK_CACHE_DIR: cacheDir(),
    MVK_WORK_DIR: workDir,
  };
  if (process.env.MVK_BIN_DIR) shellEnv.MVK_BIN_DIR = process.env.MVK_BIN_DIR;
  return shellEnv;
}

export interface CommandRun {
  code: number;
  output: string;
  attempts: number;
}

/**
 * The student's terminal is in the directory that holds pods/ and kubeconfig.yaml (the lessons write
 * `pods/hello.yaml`, read `kubeconfig.yaml`): here the test work dir. `npm run lab` there must still
 * run the checkout's lab, as it does in the checkout.
 */
const studentShell = `npm() { command npm --prefix '${repoRoot}' "$@"; }`;

/**
 * Runs one lesson block with bash, after the lesson's `env` blocks (what the student typed into this
 * terminal earlier). `retry` blocks are repeated, as the lesson tells the student to, until they
 * succeed and print what the lesson shows.
 */
export async function runLessonCommand(
  command: LessonCommand,
  prelude: string[],
  shellEnv: Record<string, string>,
  retryForMs = 120_000,
): Promise<CommandRun> {
  const script = [studentShell, ...prelude, command.script].join('\n');
  const deadline = Date.now() + retryForMs;
  for (let attempts = 1; ; attempts++) {
    const result = await execa('bash', ['-c', script], {
      reject: false,
      cwd: workDir,
      env: shellEnv,
      extendEnv: false,
      all: true,
      timeout: 180_000,
    });
    const output = result.all ?? '';
    const code = result.exitCode ?? -1;
    const ok = (command.flags.includes('fails') ? code !== 0 : code === 0) && outputMissing(output, command.expect).length === 0;
    if (ok || !command.flags.includes('retry') || Date.now() > deadline) return { code, output, attempts };
    await sleep(2000);
  }
}

/**
 * A `kubelet` block runs in the foreground in the student's second terminal. Here it runs the same
 * text detached, after stopping the previous one (the student's Ctrl-C).
 */
export async function startLessonKubelet(
  command: LessonCommand,
  prelude: string[],
  shellEnv: Record<string, string>,
  logFile: string,
): Promise<number> {
  for (const kubelet of labKubelets(env)) process.kill(kubelet.pid, 'SIGINT');
  for (let i = 0; i < 100 && labKubelets(env).length > 0; i++) await sleep(100);
  await stopLabKubelets(env);
  const out = openSync(logFile, 'a');
  const child = spawn('bash', ['-c', [studentShell, ...prelude, command.script].join('\n')], {
    cwd: workDir,
    env: shellEnv,
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  for (let i = 0; i < 50; i++) {
    if (labKubelets(env).length > 0) return child.pid!;
    await sleep(100);
  }
  throw new Error(`the lesson's kubelet command did not start kubelet; see ${logFile}`);
}

/**
 * The real-environment tests need the machine to themselves. A kubelet for another directory (someone
 * else's test that did not clean up) would hold the ports; wait a little for it to go, then say who it is.
 * A kubelet left by an earlier test process (its work dir's process is gone) is stopped at once: `lab
 * reset` then removes its containers as the lab's own (they are under /var/lib/mvk-lab, as ours are).
 */
export async function requireNoForeignKubelet(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const leftover of allKubelets().filter((k) => abandonedTestPodsDir(staticPodDir(k)))) await stopProcess(leftover.pid);
    const ours = new Set(labKubelets(env).map((k) => k.pid));
    const foreign = allKubelets().filter((k) => !ours.has(k.pid));
    if (foreign.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `another kubelet runs (pid ${foreign[0]!.pid}, --pod-manifest-path=${foreign[0]!.flags.get('pod-manifest-path')}); ` +
          `real-environment tests need the machine to themselves (run them under flock /tmp/mvk-realenv.lock)`,
      );
    }
    await sleep(1000);
  }
}

export async function noLabKubelet(): Promise<boolean> {
  return labKubelets(env).length === 0 && allKubelets().every((k) => !k.argv.join(' ').includes(env.podsDir));
}

export const sleepMs = sleep;
