import { createInterface } from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import { applyThrough } from './apply.ts';
import { labEnv, type LabEnv } from './context.ts';
import { DockerDriver } from './drivers/docker.ts';
import { labKubelets } from './drivers/kubelet.ts';
import { LabError, UsageError } from './errors.ts';
import { formatReport } from './format.ts';
import { renderedCommands } from './lesson.ts';
import { machineFacts } from './machine.ts';
import { requireRoot } from './preflight.ts';
import { loadProgress, recordResult, saveProgress } from './progress.ts';
import { isLabContainer, labOwnership, resetLab } from './reset.ts';
import { runStep, type StepReport } from './runner.ts';
import { labSteps, stepByNumber } from './steps.ts';
import { registerDoctorCommand } from './doctor/command.ts';
import { registerImagesCommand, registerMirrorOption } from './images/command.ts';
import { layerProgressPrinter } from './images/progress.ts';
import { registerSetupCommand } from './setup/command.ts';
// Issue 5: failed probes get a named diagnosis (src/diagnosis/).
import { enableDiagnosis } from './diagnosis/index.ts';
import { recordKernelBaseline } from './kernelSettings.ts';
import { registerLintCommand } from './diagnosis/lintCommand.ts';

/** Version of the `--json` output shape, for graders. */
export const JSON_FORMAT = 1;

const out = (line = '') => process.stdout.write(`${line}\n`);

function saveResults(env: LabEnv, reports: StepReport[], total: number): void {
  try {
    let progress = loadProgress(env);
    for (const report of reports) progress = recordResult(progress, report.step, report.passed, total);
    saveProgress(env, progress);
  } catch {
    // Progress is a convenience; a read-only checkout must not fail a verify.
  }
}

async function verify(stepArg: string | undefined, options: { all?: boolean; json?: boolean }): Promise<number> {
  const steps = labSteps();
  if (options.all && stepArg) throw new UsageError('give a step number or --all, not both', 'for example `lab verify 3` or `lab verify --all`');
  if (!options.all && !stepArg) throw new UsageError('which step should be verified?', `give a step number (${steps.map((s) => s.number).join(', ')}) or --all`);
  const chosen = options.all ? steps : [stepByNumber(steps, stepArg!)];
  const env = labEnv();
  const docker = new DockerDriver();
  const reports: StepReport[] = [];
  for (const step of chosen) {
    const report = await runStep(env, step, docker);
    reports.push(report);
    if (!options.json) out(formatReport(report));
  }
  saveResults(env, reports, steps.length);
  const passed = reports.every((r) => r.passed);
  if (options.json) out(JSON.stringify({ format: JSON_FORMAT, passed, steps: reports }, null, 2));
  return passed ? 0 : 1;
}

async function apply(stepArg: string, options: { timeoutScale?: string }): Promise<number> {
  const steps = labSteps();
  const step = stepByNumber(steps, stepArg);
  const scale = options.timeoutScale ? Number(options.timeoutScale) : 1;
  if (!(scale > 0)) throw new UsageError(`--timeout-scale must be a positive number, not "${options.timeoutScale}"`, 'for example --timeout-scale 2 on a slow machine');
  const env = labEnv();
  await applyThrough(env, steps, step.number, { log: out, timeoutScale: scale, onPullProgress: layerProgressPrinter(process.stdout) });
  out(`done: steps 1-${step.number} pass. Next: ${step.number < steps.length ? `step ${step.number + 1}, ${steps[step.number]!.meta.title}` : 'you have finished the lab'}`);
  return 0;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function reset(options: { yes?: boolean }): Promise<number> {
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new UsageError('lab reset asks for confirmation, and there is no terminal to ask on', 'run `lab reset --yes` to reset without asking');
    const ok = await confirm('This stops the lab\'s kubelet, removes its containers and /var/lib/mvk-lab, and moves your files in pods/ and kubeconfig.yaml to .lab/backups/. Continue? [y/N] ');
    if (!ok) {
      out('nothing changed');
      return 1;
    }
  }
  requireRoot('lab reset');
  const done = await resetLab(labEnv(), { log: (line) => out(line) });
  out(done.length === 0 ? 'nothing to reset: the machine is already as before step 1' : 'reset done: the machine is as before step 1');
  return 0;
}

async function status(options: { json?: boolean }): Promise<number> {
  const steps = labSteps();
  const env = labEnv();
  const docker = new DockerDriver();
  const reports: StepReport[] = [];
  for (const step of steps) reports.push(await runStep(env, step, docker));
  saveResults(env, reports, steps.length);
  const progress = loadProgress(env);
  const kubelets = labKubelets(env);
  let containers: { name: string; status: string }[] = [];
  let dockerState = 'up';
  try {
    const owned = labOwnership(env);
    containers = (await docker.podContainers()).filter((c) => isLabContainer(c, owned));
  } catch (error) {
    dockerState = (error as Error).message;
  }
  if (options.json) {
    out(JSON.stringify({ format: JSON_FORMAT, current: progress.current, steps: reports.map((r) => ({ step: r.step, title: r.title, passed: r.passed })), kubelet: kubelets.map((k) => ({ pid: k.pid, argv: k.argv })), docker: dockerState, containers }, null, 2));
    return 0;
  }
  out('Steps:');
  for (const report of reports) {
    const passing = report.results.filter((r) => r.status === 'pass').length;
    out(`  ${report.passed ? 'PASS' : 'FAIL'}  ${report.step}. ${report.title} (${passing}/${report.results.length})`);
  }
  out(`You are on step ${progress.current}.`);
  out(kubelets.length === 0 ? 'kubelet: not running for this repo' : `kubelet: pid ${kubelets.map((k) => k.pid).join(', ')}${kubelets[0]!.flags.has('kubeconfig') ? ' (with --kubeconfig)' : ''}`);
  out(dockerState === 'up' ? `containers: ${containers.length === 0 ? 'none of the lab\'s' : ''}` : `docker: ${dockerState}`);
  for (const c of containers) out(`  ${c.name.slice(0, 60)}  ${c.status}`);
  return 0;
}

/** The current step as plain text, for output that is not a terminal. */
async function summary(): Promise<number> {
  const steps = labSteps();
  const env = labEnv();
  recordKernelBaseline(env);
  const progress = loadProgress(env);
  const step = steps[progress.current - 1] ?? steps[0]!;
  const machine = await machineFacts(new DockerDriver()).catch(() => undefined);
  out(`mvk-lab: build a minimal Kubernetes from kubelet and static pods (${steps.length} steps).`);
  // The interactive walkthrough does both on its first screen; here the student runs them.
  out('First: `npx lab doctor` checks this machine, `npx lab setup` fetches the binaries and images.');
  out(`You are on step ${step.number}: ${step.meta.title}`);
  out(`  ${step.meta.summary}`);
  out(`  lesson: ${step.lessonFile}`);
  out('');
  out('Commands of this step:');
  for (const command of renderedCommands(env, step, machine)) {
    const note = command.flags.includes('kubelet') ? '  # in a second terminal, leave it running' : command.flags.includes('fails') ? '  # fails on purpose: read the error' : '';
    out(`${command.script}${note}`);
    out('');
  }
  out('Then: `npm run lab -- verify ' + step.number + '` to check, `npm run lab -- apply ' + step.number + '` to have it done for you.');
  out('');
  out('(This is the plain-text walkthrough, because the output is not a terminal. Run `npm run lab` in a terminal for the interactive one.)');
  return 0;
}

/** `npm run lab` with no arguments: the interactive walkthrough in a terminal, the plain summary otherwise. */
async function walkthrough(): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) return summary();
  // chalk (under Ink) reads FORCE_COLOR, not NO_COLOR, when it is first imported.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  const { launchWalkthrough } = await import('./ui/launch.tsx');
  return launchWalkthrough();
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('lab')
    .description('Build a minimal Kubernetes cluster by hand, checked live')
    .exitOverride()
    .showHelpAfterError('(run `lab --help` for the commands)')
    .action(async () => setExit(await walkthrough()));
  program
    .command('verify')
    .argument('[step]', 'step number')
    .option('--all', 'verify every step')
    .option('--json', 'machine-readable output')
    .description('check a step against the live machine: exit 0 pass, 1 fail, 2 usage error')
    .action(async (step, options) => setExit(await verify(step, options)));
  program
    .command('apply')
    .argument('<step>', 'step number')
    .option('--timeout-scale <factor>', 'wait this many times longer for the probes')
    .description('do a step (and the earlier ones) for you, then wait until it passes')
    .action(async (step, options) => setExit(await apply(step, options)));
  program
    .command('reset')
    .option('--yes', 'do not ask for confirmation')
    .description('return the machine to before step 1 (your files go to .lab/backups/)')
    .action(async (options) => setExit(await reset(options)));
  program
    .command('status')
    .option('--json', 'machine-readable output')
    .description('which steps pass now, and what is running')
    .action(async (options) => setExit(await status(options)));
  // Issue 6: machine checks, binaries and images (kept in src/doctor, src/setup, src/images).
  registerMirrorOption(program);
  registerDoctorCommand(program, setExit);
  registerSetupCommand(program, setExit);
  registerImagesCommand(program, setExit);
  registerLintCommand(program, setExit); // issue 5: pods/ checked before kubelet reads it
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  enableDiagnosis(); // issue 5: verify, status, apply's wait and the walkthrough all show diagnoses
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof LabError) {
      process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
