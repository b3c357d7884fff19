import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { binary, type LabEnv } from '../core/context.ts';
import { MissingBinaryError } from '../core/errors.ts';
import { scaled } from '../core/timeouts.ts';

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl with a clean environment: no KUBECONFIG and HOME in an empty directory, so a
 * student's ~/.kube/config cannot change the answer. kubectl 1.19 then talks to localhost:8080.
 */
export async function kubectl(env: LabEnv, args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const file = binary(env, 'kubectl');
  if (!existsSync(file)) throw new MissingBinaryError('kubectl', env.binDir);
  const home = mkdtempSync(path.join(tmpdir(), 'mvk-kubectl-'));
  try {
    return await run(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
      input: options.input,
      timeoutMs: scaled(options.timeoutMs ?? 15_000),
      cwd: env.repoRoot,
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** A final newline is not part of the answer (as execa strips it). */
const stripFinalNewline = (text: string) => text.replace(/\r?\n$/, '');

/**
 * Runs a command to completion without throwing: exit code 124 when it ran out of time (SIGTERM, then
 * SIGKILL 5 s later if it ignores that), 1 when it could not start or died of a signal. node:child_process
 * rather than execa, which would add ~150 ms and ~17 MiB to every command whose probes run kubectl.
 */
function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string; timeoutMs: number; cwd: string },
): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let forceKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      forceKill.unref();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A command that exits without reading its input closes the pipe: not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    let started = true;
    child.on('error', () => {
      started = false;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(forceKill);
      const text = (chunks: Buffer[]) => (started ? stripFinalNewline(Buffer.concat(chunks).toString('utf8')) : '');
      // Killed for time, kubectl has said nothing: say it here, or the error a caller shows is empty.
      const late = timedOut ? `kubectl did not finish within ${Math.round(options.timeoutMs / 1000)} s` : '';
      const err = [text(stderr), late].filter(Boolean).join('\n');
      resolve({ exitCode: !started ? 1 : timedOut ? 124 : (code ?? 1), stdout: text(stdout), stderr: err });
    });
  });
}
