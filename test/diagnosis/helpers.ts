import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { renderFixture } from '../../src/engine/actions/files.ts';
import { DockerDriver } from '../../src/machine/docker.ts';
import { kubeletArgs, startKubelet, stopLabKubelets } from '../../src/machine/kubelet.ts';
import { machineFacts } from '../../src/engine/machineFacts.ts';
import type { ProbeResult } from '../../src/engine/probes/types.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { env, lab, sleepMs } from '../engine/helpers.ts';

export { env, lab, sleepMs };

/** The rendered reference file, as `lab apply` writes it. */
export const fixture = (name: string) => renderFixture(name, templateVars(env));

/** Writes a student file (`pods/etcd.yaml`, `kubeconfig.yaml`) where the lab under test looks: the test work dir. */
export function writeRepoFile(relative: string, content: string): void {
  const file = path.join(env.repoRoot, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export interface Diagnosed {
  /** The first failing probe that carries the diagnosis. */
  result: ProbeResult;
  /** `lab verify n` as a student sees it (text). */
  text: string;
  waitedMs: number;
}

async function failing(step: number, extraEnv: Record<string, string>): Promise<ProbeResult[]> {
  const run = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'verify', String(step), '--json'], {
    reject: false,
    cwd: repoRoot,
    env: { MVK_WORK_DIR: env.repoRoot, ...extraEnv },
    input: '',
  });
  try {
    const report = JSON.parse(run.stdout) as { steps: { results: ProbeResult[] }[] };
    return report.steps[0]!.results.filter((r) => r.status === 'fail');
  } catch {
    throw new Error(`lab verify ${step} --json printed no JSON: ${run.stdout}\n${run.stderr}`);
  }
}

/**
 * Runs `lab verify n --json` until a failing probe carries the diagnosis `id` (kubelet needs a few
 * seconds to act on a changed file), then runs the text form once for the student's view. With
 * `showing`, the diagnosis must also say that: kubelet may be one attempt behind (a container it
 * made for a sandbox the test just removed fails to start for that reason first).
 */
export async function waitForDiagnosis(
  step: number,
  id: string,
  options: { timeoutMs?: number; env?: Record<string, string>; showing?: RegExp } = {},
): Promise<Diagnosed> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 90_000);
  let last: ProbeResult[] = [];
  for (;;) {
    last = await failing(step, options.env ?? {});
    const result = last.find(
      (r) => r.diagnosis?.id === id && (!options.showing || options.showing.test(`${r.diagnosis.explanation}\n${r.diagnosis.fix}`)),
    );
    if (result) {
      const text = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'verify', String(step)], {
        reject: false,
        cwd: repoRoot,
        env: { MVK_WORK_DIR: env.repoRoot, ...options.env },
        input: '',
      });
      // kubelet keeps acting between the two runs (a restart in flight); the text must show it too.
      if (text.stdout.includes(`(diagnosis ${id}`) && (!options.showing || options.showing.test(text.stdout)))
        return { result, text: text.stdout, waitedMs: Date.now() - started };
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no failing probe of step ${step} was diagnosed as ${id}` +
          (options.showing ? ` showing ${options.showing}` : '') +
          ` within ${(Date.now() - started) / 1000}s; failing: ${JSON.stringify(last.map((r) => ({ id: r.id, seen: r.seen, diagnosis: r.diagnosis?.id })))}`,
      );
    }
    await sleepMs(2000);
  }
}

/** Replaces the lab's kubelet with one started by hand (as a student would), with changed flags. */
export async function restartKubeletWith(options: { kubeconfig: boolean; pauseImage?: string }): Promise<number> {
  await stopLabKubelets(env);
  const machine = await machineFacts(new DockerDriver());
  const args = kubeletArgs(env, machine, { kubeconfig: options.kubeconfig }).map((arg) =>
    options.pauseImage && arg.startsWith('--pod-infra-container-image=') ? `--pod-infra-container-image=${options.pauseImage}` : arg,
  );
  // The kubelet's ports close a moment after it exits.
  await sleepMs(1000);
  return startKubelet(env, args);
}

/** Removes the containers of a pod by name (the lab's own pods only), so the next ones are new. */
export async function removePodContainers(podName: string): Promise<void> {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=io.kubernetes.pod.name=${podName}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (ids.length) await execa('docker', ['rm', '-f', ...ids], { reject: false });
}

/** The apiserver's insecure port, for injecting API mistakes without kubectl. */
export async function api(method: string, apiPath: string, body?: unknown): Promise<number> {
  const response = await fetch(`http://127.0.0.1:8080${apiPath}`, {
    method,
    body: body ? JSON.stringify(body) : undefined,
    headers: body ? { 'content-type': 'application/json' } : undefined,
  });
  await response.text();
  return response.status;
}

/** Key words a student must see in the text output, under the failing probe. */
export function assertShows(text: string, id: string, words: RegExp[]): void {
  const problems: string[] = [];
  if (!text.includes(`(diagnosis ${id}`)) problems.push(`the "(diagnosis ${id}" line`);
  if (!/ why: /.test(text) || !/ fix: /.test(text)) problems.push('the why/fix lines');
  for (const word of words) if (!word.test(text)) problems.push(String(word));
  if (problems.length) throw new Error(`lab verify output lacks ${problems.join(', ')}:\n${text}`);
}
