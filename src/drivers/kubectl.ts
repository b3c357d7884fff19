import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { binary, type LabEnv } from '../context.ts';
import { MissingBinaryError } from '../preflight.ts';

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
    const result = await execa(file, args, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home },
      extendEnv: false,
      input: options.input,
      reject: false,
      timeout: options.timeoutMs ?? 15_000,
      cwd: env.repoRoot,
    });
    return { exitCode: result.exitCode ?? (result.timedOut ? 124 : 1), stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
