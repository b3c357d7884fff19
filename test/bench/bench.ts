/**
 * Benchmark of the lab engine on the real test bed (not a test): `npm run bench`.
 * First the command's start-up (issue 10): `lab verify 3` wall time and peak RSS, median of 5, as
 * `bin/lab.mjs` runs it (compiled dist/) and as it ran before (src/ through tsx), against a bare
 * `node -e 0`; this part needs no test bed (verify just fails fast) and runs alone with
 * `npm run bench -- --startup`. Then, on the test bed: `lab apply N` (the last step) from reset, each `lab verify n`
 * on a failing and on a passing machine, `lab reset`, and how soon after a condition becomes true its
 * probe reports it. Run it under the real-env lock:
 *   flock /tmp/mvk-realenv.lock npm run bench
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DockerDriver } from '../../src/machine/docker.ts';
import { realMachine } from '../../src/machine/machine.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { runProbe, probeContext } from '../../src/engine/runner.ts';
import { labSteps } from '../../src/engine/steps.ts';
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
    const result = await runProbe(spec, probeContext(env, step, realMachine(docker)));
    if (result.status === 'pass') return performance.now();
  }
  throw new Error(`${probeId} did not pass within ${timeoutMs} ms`);
}

async function latency(label: string, step: number, probeId: string, makeTrue: () => Promise<number>, note = ''): Promise<void> {
  const watching = firstPass(step, probeId);
  const madeTrueAt = await makeTrue();
  record(`probe latency: ${label}`, (await watching) - madeTrueAt, note);
}

/** Issue 10's goals for `lab verify N`, on a machine with nothing else running. */
const STARTUP_GOAL = { wallMs: 300, rssMiB: 80 };
const TIME = '/usr/bin/time';

interface Sample {
  ms: number;
  /** Peak resident set size in MiB, from GNU time's %M (undefined without /usr/bin/time). */
  rssMiB?: number;
  /** User + system CPU seconds, from GNU time: less sensitive than wall time to a busy machine. */
  cpuS?: number;
  code: number | null;
  stderr: string;
}

/** Runs one command, timing it here and taking its peak RSS and CPU time from GNU time (which adds ~1 ms). */
function sample(argv: string[], state: string): Promise<Sample> {
  const withTime = existsSync(TIME);
  const report = path.join(state, 'time.out');
  const [command, ...args] = withTime ? [TIME, '-f', '%M %U %S', '-o', report, ...argv] : argv;
  const started = performance.now();
  // An empty work dir (no pods/ files) and state dir: "a machine with nothing running" for the lab.
  const child = spawn(command!, args, {
    cwd: repoRoot,
    env: { ...process.env, MVK_WORK_DIR: state, MVK_STATE_DIR: path.join(state, '.lab') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const [kib, user, system] = withTime ? readFileSync(report, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) : [];
      const measured = Number.isFinite(kib) && Number.isFinite(user) && Number.isFinite(system);
      resolve({ ms, rssMiB: measured ? kib! / 1024 : undefined, cpuS: measured ? user! + system! : undefined, code, stderr });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median wall time and median peak RSS of five runs (after one warm-up run for the disk cache). */
async function startup(label: string, argv: string[], goal?: typeof STARTUP_GOAL): Promise<Sample[]> {
  const state = mkdtempSync(path.join(tmpdir(), 'mvk-bench-'));
  try {
    await sample(argv, state);
    const runs: Sample[] = [];
    for (let i = 0; i < 5; i++) runs.push(await sample(argv, state));
    const ms = median(runs.map((r) => r.ms));
    const rss = runs.every((r) => r.rssMiB !== undefined) ? median(runs.map((r) => r.rssMiB!)) : undefined;
    const cpu = runs.every((r) => r.cpuS !== undefined) ? median(runs.map((r) => r.cpuS!)) : undefined;
    const verdict = goal
      ? `  goal <= ${goal.wallMs / 1000} s, <= ${goal.rssMiB} MiB: ` +
        (ms <= goal.wallMs && rss !== undefined && rss <= goal.rssMiB ? 'met' : 'NOT met')
      : '';
    const usage = rss === undefined ? 'peak RSS n/a (no /usr/bin/time)' : `peak ${rss.toFixed(1)} MiB, CPU ${cpu!.toFixed(2)} s`;
    record(label, ms, `${usage}, median of 5, exit ${runs[0]!.code}${verdict}`);
    return runs;
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** The start-up of the command itself: what every `lab …` pays before it does anything. */
async function startupBench(): Promise<void> {
  const bin = path.join(repoRoot, 'bin/lab.mjs');
  // The goals hold on an idle machine; say when this one is not (wall time suffers first, RSS least).
  const [load] = loadavg();
  const cpus = availableParallelism();
  rows.push([
    'load average (1 min) on CPUs',
    `${load!.toFixed(2)} on ${cpus}${load! > cpus / 2 ? '  (busy machine: wall and CPU times are inflated)' : ''}`,
  ]);
  await startup('node -e 0 (the floor)', [process.execPath, '-e', '0']);
  const compiled = await startup('lab verify 3 (bin/lab.mjs)', [process.execPath, bin, 'verify', '3'], STARTUP_GOAL);
  const note = compiled[0]!.stderr.split('\n').find((line) => line.startsWith('note: '));
  if (note) rows.push(['  (bin/lab.mjs ran the sources through tsx, not dist/)', note.slice('note: '.length, 90)]);
  const viaTsx =
    `const { main } = await import(${JSON.stringify(path.join(repoRoot, 'src/cli.ts'))}); process.exitCode = await ` +
    `main(['verify', '3']);`;
  await startup('lab verify 3 through tsx (before issue 10)', [process.execPath, '--import', 'tsx', '--input-type=module', '-e', viaTsx]);
  await startup('lab --version (bin/lab.mjs)', [process.execPath, bin, '--version']);
}

function printRows(): void {
  const width = Math.max(...rows.map(([what]) => what.length));
  process.stdout.write(`\n${'measure'.padEnd(width)}  time\n${'-'.repeat(width)}  ----\n`);
  for (const [what, value] of rows) process.stdout.write(`${what.padEnd(width)}  ${value}\n`);
}

async function main(): Promise<void> {
  await startupBench();
  if (process.argv.includes('--startup')) return printRows();
  const missing = realEnvMissing();
  if (missing) {
    printRows();
    throw new Error(`the test bed is not ready, so only the start-up was measured: ${missing}`);
  }

  const last = labSteps().length;
  await must(['reset', '--yes']);
  for (let n = 1; n <= last; n++) {
    const run = await must(['verify', String(n)], 1);
    record(`lab verify ${n} (failing machine)`, run.ms);
  }
  const apply = await must(['apply', String(last)]);
  record(`lab apply ${last} from reset`, apply.ms);
  for (let n = 1; n <= last; n++) {
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

  // The ServiceAccount is made to want a token, then at a known instant not to. (Deleting and creating it
  // again stopped working with step 8: the controller manager recreates a deleted default at once.)
  // An API object's field: step 9's ConfigMap precious loses its note, then gets it back at a known instant.
  const preciousUrl = `${env.apiserverUrl}/api/v1/namespaces/default/configmaps/precious`;
  const patchNote = (note: string | null) =>
    fetch(preciousUrl, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { note } }),
    }).then((response) => response.text());
  await patchNote(null);
  await latency(
    'API object changed (precious-restored)',
    steps.find((s) => s.meta.slug === 'etcd-backup')!.number,
    'precious-restored',
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sentAt = performance.now();
      await patchNote('back');
      return sentAt;
    },
    '(upper bound: from the patch request)',
  );

  // etcd replaced: measure from Docker's start event of the new container to the probe passing.
  const docker = new DockerDriver();
  const [etcd] = await docker.podContainers({ podName: `etcd-${env.nodeName}`, container: 'etcd' });
  const events = await docker.api.events({ event: ['start'], label: [`io.kubernetes.pod.name=etcd-${env.nodeName}`] });
  const started = new Promise<number>((resolve) => events.once('data', () => resolve(performance.now())));
  await docker.remove(etcd!.id);
  const runningAt = await firstPass(2, 'etcd-running');
  const healthyAt = await firstPass(2, 'etcd-health');
  const startedAt = await started;
  record('probe latency: etcd container started (etcd-running)', runningAt - startedAt, "(from Docker's start event)");
  record('etcd healthy after kubelet restarted it (etcd-health)', healthyAt - startedAt, '(mostly etcd start-up)');
  events.destroy();

  record(`lab reset (after step ${last})`, (await must(['reset', '--yes'])).ms);
  record('lab reset (second, no-op)', (await must(['reset', '--yes'])).ms);

  printRows();
}

main().catch(async (error) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
  // A failed run leaves its cluster serving this run's temporary pods/; the next run's reset would take
  // that kubelet for someone else's and leave it. Reset here, while this work dir is still ours.
  if (!realEnvMissing()) await lab('reset', '--yes').catch(() => undefined);
});
