/**
 * Benchmark of the lab engine on the real test bed (not a test): `npm run bench`.
 * Times `lab apply 6` from reset, each `lab verify n` on a failing and on a passing machine, `lab reset`,
 * and how soon after a condition becomes true its probe reports it. Run it under the real-env lock:
 *   flock /tmp/mvk-realenv.lock npm run bench
 */
import { renameSync } from 'node:fs';
import { execa } from 'execa';
import { DockerDriver } from '../../src/drivers/docker.ts';
import { runProbe, probeContext } from '../../src/runner.ts';
import { labSteps } from '../../src/steps.ts';
import { env, lab } from '../engine/helpers.ts';
import { realEnvMissing } from '../helpers/realenv.ts';

const rows: [string, string][] = [];
const record = (what: string, ms: number, note = '') => {
  const shown = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
  rows.push([what, `${shown}${note ? `  ${note}` : ''}`]);
  process.stderr.write(`${what}: ${shown} ${note}\n`);
};

async function must(args: string[], expectCode = 0) {
  const run = await lab(...args);
  if (run.code !== expectCode) throw new Error(`lab ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
  return run;
}

const steps = labSteps();

/** Runs one probe back to back until it passes; returns the time it first passed. */
async function firstPass(step: number, probeId: string, timeoutMs = 120_000): Promise<number> {
  const spec = steps[step - 1]!.meta.probes.find((p) => p.id === probeId)!;
  const docker = new DockerDriver();
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const result = await runProbe(spec, probeContext(env, step, docker));
    if (result.status === 'pass') return performance.now();
  }
  throw new Error(`${probeId} did not pass within ${timeoutMs} ms`);
}

async function latency(label: string, step: number, probeId: string, makeTrue: () => Promise<number>, note = ''): Promise<void> {
  const watching = firstPass(step, probeId);
  const madeTrueAt = await makeTrue();
  record(`probe latency: ${label}`, (await watching) - madeTrueAt, note);
}

async function main(): Promise<void> {
  const missing = realEnvMissing();
  if (missing) throw new Error(`the test bed is not ready: ${missing}`);

  await must(['reset', '--yes']);
  for (let n = 1; n <= 6; n++) {
    const run = await must(['verify', String(n)], 1);
    record(`lab verify ${n} (failing machine)`, run.ms);
  }
  const apply = await must(['apply', '6']);
  record('lab apply 6 from reset', apply.ms);
  for (let n = 1; n <= 6; n++) {
    const run = await must(['verify', String(n)]);
    record(`lab verify ${n} (passing machine)`, run.ms);
  }
  record('lab verify --all (passing)', (await must(['verify', '--all'])).ms);

  // Conditions made true by hand at a known instant; the probe polls back to back meanwhile.
  const aside = `${env.kubeconfigFile}.bench`;
  renameSync(env.kubeconfigFile, aside);
  await latency('file appears (kubeconfig-file)', 4, 'kubeconfig-file', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    renameSync(aside, env.kubeconfigFile);
    return performance.now();
  });

  const kubectl = `${env.binDir}/kubectl`;
  await execa(kubectl, ['-s', env.apiserverUrl, 'delete', 'serviceaccount', 'default']);
  // The object exists somewhere during the create request; timing from its start gives an upper bound.
  await latency('API object created (default-serviceaccount)', 5, 'default-serviceaccount', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sentAt = performance.now();
    await fetch(`${env.apiserverUrl}/api/v1/namespaces/default/serviceaccounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' }, automountServiceAccountToken: false }),
    });
    return sentAt;
  }, '(upper bound: from the create request)');

  // etcd replaced: measure from Docker's start event of the new container to the probe passing.
  const docker = new DockerDriver();
  const [etcd] = await docker.podContainers({ podName: `etcd-${env.nodeName}`, container: 'etcd' });
  const events = (await docker.api.getEvents({ filters: { event: ['start'], label: [`io.kubernetes.pod.name=etcd-${env.nodeName}`] } })) as NodeJS.ReadableStream & { destroy(): void };
  const started = new Promise<number>((resolve) => events.once('data', () => resolve(performance.now())));
  await docker.remove(etcd!.id);
  const runningAt = await firstPass(2, 'etcd-running');
  const healthyAt = await firstPass(2, 'etcd-health');
  const startedAt = await started;
  record('probe latency: etcd container started (etcd-running)', runningAt - startedAt, '(from Docker\'s start event)');
  record('etcd healthy after kubelet restarted it (etcd-health)', healthyAt - startedAt, '(mostly etcd start-up)');
  events.destroy();

  record('lab reset (after step 6)', (await must(['reset', '--yes'])).ms);
  record('lab reset (second, no-op)', (await must(['reset', '--yes'])).ms);

  const width = Math.max(...rows.map(([what]) => what.length));
  process.stdout.write(`\n${'measure'.padEnd(width)}  time\n${'-'.repeat(width)}  ----\n`);
  for (const [what, value] of rows) process.stdout.write(`${what.padEnd(width)}  ${value}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
