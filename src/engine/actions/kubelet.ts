import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../../core/context.ts';
import type { DockerDriver } from '../../machine/docker.ts';
import {
  kubeletArgs,
  kubeletLogTail,
  labKubelets,
  parseFlags,
  startKubelet,
  stopProcess,
  type KubeletProcess,
} from '../../machine/kubelet.ts';
import { processAlive } from '../../machine/proc.ts';
import { LabError } from '../../core/errors.ts';
import { machineFacts } from '../machineFacts.ts';
import { labPorts } from '../labPorts.ts';
import { requireBinaries, requireKubeletPortsFree } from '../requirements.ts';
import { recordMachineBaseline } from '../hostBaseline.ts';
import { portHolders } from '../../machine/ports.ts';

/** Flags of `wanted` that the running kubelet lacks or sets differently; extra flags are fine. */
export function flagDifferences(running: KubeletProcess, wanted: string[]): string[] {
  const want = parseFlags(wanted);
  const differences: string[] = [];
  for (const [name, value] of want) {
    const have = running.flags.get(name);
    // Paths may be given relative to kubelet's working directory; compare them resolved.
    const isPath = value.startsWith('/');
    const same = have !== undefined && (have === value || (isPath && path.resolve(running.cwd ?? '/', have) === value));
    if (!same) differences.push(have === undefined ? `--${name} is missing` : `--${name} is ${have}, not ${value}`);
  }
  return differences;
}

/**
 * A stopped kubelet's sockets can outlive its main thread by a moment (the other threads are still
 * exiting), so wait for its ports to close before starting the next one.
 */
async function waitForKubeletPortsFree(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && portHolders(labPorts({ component: 'kubelet' })).length > 0) await sleep(100);
}

/**
 * Makes sure exactly one kubelet serves this repo with the lesson's flags (plus --kubeconfig when
 * asked, or when the running one already has it: apply never takes a step back).
 */
export async function ensureKubelet(
  env: LabEnv,
  docker: DockerDriver,
  options: { kubeconfig: boolean },
  log: (line: string) => void,
): Promise<void> {
  requireBinaries(env, ['kubelet']);
  const machine = await machineFacts(docker);
  const running = labKubelets(env);
  const keepKubeconfig = options.kubeconfig || running.some((k) => k.flags.has('kubeconfig'));
  const args = kubeletArgs(env, machine, { kubeconfig: keepKubeconfig });
  if (running.length === 1 && flagDifferences(running[0]!, args).length === 0) {
    log(`kubelet already runs with the lesson's flags (pid ${running[0]!.pid})`);
    return;
  }
  for (const kubelet of running) {
    const why = flagDifferences(kubelet, args);
    log(`stopping kubelet pid ${kubelet.pid}${why.length ? ` (${why.slice(0, 2).join('; ')})` : ''}`);
    await stopProcess(kubelet.pid);
  }
  if (running.length > 0) await waitForKubeletPortsFree();
  requireKubeletPortsFree(env);
  mkdirSync(env.podsDir, { recursive: true });
  recordMachineBaseline(env);
  const pid = startKubelet(env, args);
  log(`started kubelet (pid ${pid}), log in .lab/kubelet.log`);
  // kubelet fails early on flag errors, swap or a cgroup driver mismatch; catch that here, not in a probe timeout.
  await sleep(1500);
  if (!processAlive(pid)) {
    const tail = kubeletLogTail(env, 40)
      .filter((line) => /^[EF]\d{4}|error|Error/.test(line))
      .slice(-3);
    throw new LabError(
      `kubelet exited right after starting: ${tail.at(-1) ?? 'no error in its log'}`,
      'read .lab/kubelet.log; `lab doctor` checks swap, cgroups, Docker and ports',
    );
  }
}
