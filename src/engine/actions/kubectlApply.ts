import type { LabEnv } from '../../core/context.ts';
import { kubectl } from '../../machine/kubectl.ts';
import { LabError } from '../../core/errors.ts';

/** `kubectl apply` of a rendered manifest against the lab's apiserver. */
export async function kubectlApply(env: LabEnv, manifest: string, log: (line: string) => void): Promise<void> {
  const result = await kubectl(env, ['--server', env.apiserverUrl, 'apply', '-f', '-'], { input: manifest });
  if (result.exitCode !== 0) {
    throw new LabError(
      `kubectl apply failed: ${(result.stderr || result.stdout).trim()}`,
      'make sure steps 3 and 4 pass (`lab verify 3`, `lab verify 4`)',
    );
  }
  log(result.stdout.trim());
}

export async function kubectlDelete(env: LabEnv, what: string[], log: (line: string) => void): Promise<void> {
  const result = await kubectl(
    env,
    ['--server', env.apiserverUrl, 'delete', ...what, '--ignore-not-found', '--wait=true', '--timeout=60s'],
    { timeoutMs: 70_000 },
  );
  if (result.exitCode !== 0)
    throw new LabError(
      `kubectl delete ${what.join(' ')} failed: ${result.stderr.trim()}`,
      'check `lab verify 4`: kubelet must be connected to finish deleting a pod',
    );
  if (result.stdout.trim()) log(result.stdout.trim());
}
