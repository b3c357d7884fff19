/**
 * The `lab` command (commander). It starts fast: only commander, errors.ts and paths.ts load up front;
 * each command imports what it needs when it runs (the walkthrough's Ink and React, Docker's client,
 * the diagnosis catalogue), and the commands defined in their own modules (doctor, setup, images,
 * lint) are registered only when the command line may name them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { Command, CommanderError } from 'commander';
import type { LabEnv } from './core/context.ts';
import type { DockerDriver } from './machine/docker.ts';
import { errorKind, EXIT, LabError, UsageError } from './core/errors.ts';
import { repoRoot, workStateDir } from './core/paths.ts';
import type { StepReport } from './engine/runner.ts';
import { timeoutScale } from './core/timeouts.ts';

/**
 * Version of the `--json` output shape, for graders. Unchanged by the error objects (issue 10): a run
 * that cannot judge (usage error, machine not ready, internal error) prints
 * `{format, ok: false, error: {kind, exitCode, message, hint, report?}}` instead of a report.
 */
export const JSON_FORMAT = 1;

const out = (line = '') => process.stdout.write(`${line}\n`);

/** `lab --help`'s last section: the contract graders and scripts rely on. */
const EXIT_CODES_HELP = `
Exit codes:
  0   pass (verify), or the command did what it was asked
  1   a step or a check fails (verify, lint, doctor: a machine check fails)
  2   usage error: unknown command or option, bad step number, a broken lab.config.yaml
  3   the machine is not ready: Docker down, not root, binaries or images
      missing (\`lab doctor\` says what to fix, \`lab setup\` fetches them)
  70  internal error: a bug in the lab; the report goes to .lab/crash-*.log
With --json (verify, status, doctor), exit codes 2, 3 and 70 also print
  {"format": 1, "ok": false, "error": {"kind", "exitCode", "message", "hint"}}
on stdout (kind: usage, machine-not-ready, internal); a verify whose machine is
not ready keeps its report and adds "ok" and "error". LAB_DEBUG=1 prints the
stack of an internal error.`;

function saveResults(env: LabEnv, reports: StepReport[], total: number, progress: typeof import('./engine/stepProgress.ts')): void {
  try {
    let state = progress.loadProgress(env);
    for (const report of reports) state = progress.recordResult(state, report.step, report.passed, total);
    progress.saveProgress(env, state);
  } catch {
    // Progress is a convenience; a read-only checkout must not fail a verify.
  }
}

/**
 * Why a failed verify is not the student's failure: Docker does not answer (every Docker probe failed
 * for that reason; the driver remembers the answer, so this costs nothing after a probe asked) or the
 * lab's binaries are missing. Such a run exits 3, not 1, so a grader never marks a broken machine as a
 * wrong answer.
 */
async function machineNotReady(env: LabEnv, docker: DockerDriver): Promise<LabError | undefined> {
  const notReady = (error: unknown) => (error instanceof LabError && error.exitCode === EXIT.notReady ? error : undefined);
  try {
    await docker.ensureUp();
  } catch (error) {
    if (notReady(error)) return notReady(error);
  }
  try {
    const { requireBinaries } = await import('./engine/requirements.ts');
    requireBinaries(env, env.versions.binaries);
  } catch (error) {
    if (notReady(error)) return notReady(error);
    throw error;
  }
  return undefined;
}

async function verify(stepArg: string | undefined, options: { all?: boolean; json?: boolean }): Promise<number> {
  const { labSteps, stepByNumber } = await import('./engine/steps.ts');
  const steps = labSteps();
  if (options.all && stepArg)
    throw new UsageError('give a step number or --all, not both', 'for example `lab verify 3` or `lab verify --all`');
  if (!options.all && !stepArg)
    throw new UsageError('which step should be verified?', `give a step number (${steps.map((s) => s.number).join(', ')}) or --all`);
  const chosen = options.all ? steps : [stepByNumber(steps, stepArg!)];
  const [{ labEnv }, { DockerDriver }, { realMachine }, { runStep }, { formatReport }, progress] = await Promise.all([
    import('./core/context.ts'),
    import('./machine/docker.ts'),
    import('./machine/machine.ts'),
    import('./engine/runner.ts'),
    import('./cli/format.ts'),
    import('./engine/stepProgress.ts'),
    enableDiagnosis(),
  ]);
  const env = labEnv();
  // A student's first self-check often comes before their first kubelet: note what the machine has (issue 9).
  (await import('./engine/hostBaseline.ts')).recordMachineBaseline(env);
  const docker = new DockerDriver();
  const reports: StepReport[] = [];
  for (const step of chosen) {
    const report = await runStep(env, step, realMachine(docker));
    reports.push(report);
    if (!options.json) out(formatReport(report));
  }
  saveResults(env, reports, steps.length, progress);
  const passed = reports.every((r) => r.passed);
  const notReady = passed ? undefined : await machineNotReady(env, docker);
  if (options.json) {
    // The report stays as graders know it; a machine that is not ready adds the error object.
    out(
      JSON.stringify(
        {
          format: JSON_FORMAT,
          passed,
          steps: reports,
          ...(notReady ? { ok: false, error: jsonError(notReady.exitCode, notReady.message, notReady.hint) } : {}),
        },
        null,
        2,
      ),
    );
  }
  if (notReady) {
    process.stderr.write(`error: ${notReady.message}, so this step cannot be judged\nhint: ${notReady.hint}\n`);
    return notReady.exitCode;
  }
  return passed ? EXIT.ok : EXIT.failed;
}

async function apply(stepArg: string, options: { timeoutScale?: string }): Promise<number> {
  const { labSteps, stepByNumber } = await import('./engine/steps.ts');
  const steps = labSteps();
  const step = stepByNumber(steps, stepArg);
  const scale = options.timeoutScale ? Number(options.timeoutScale) : timeoutScale();
  if (!(scale > 0))
    throw new UsageError(
      `--timeout-scale must be a positive number, not "${options.timeoutScale}"`,
      'for example --timeout-scale 2 on a slow machine',
    );
  // The checks and kubectl calls inside each step wait longer too (src/core/timeouts.ts).
  process.env.MVK_TIMEOUT_SCALE = String(scale);
  const [{ labEnv }, { applyThrough }, { layerProgressPrinter }] = await Promise.all([
    import('./core/context.ts'),
    import('./engine/apply.ts'),
    import('./engine/images/layerProgress.ts'),
    enableDiagnosis(),
  ]);
  const env = labEnv();
  await applyThrough(env, steps, step.number, { log: out, timeoutScale: scale, onPullProgress: layerProgressPrinter(process.stdout) });
  out(
    `done: steps 1-${step.number} pass. Next: ` +
      (step.number < steps.length ? `step ${step.number + 1}, ${steps[step.number]!.meta.title}` : 'you have finished the lab'),
  );
  return 0;
}

async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function reset(options: { yes?: boolean }): Promise<number> {
  if (!options.yes) {
    if (!process.stdin.isTTY)
      throw new UsageError(
        'lab reset asks for confirmation, and there is no terminal to ask on',
        'run `lab reset --yes` to reset without asking',
      );
    const ok = await confirm(
      "This stops the lab's kubelet, removes its containers and /var/lib/mvk-lab, and moves your files in pods/ and " +
        'kubeconfig.yaml to .lab/backups/. Continue? [y/N] ',
    );
    if (!ok) {
      out('nothing changed');
      return 1;
    }
  }
  const [{ requireRoot }, { labEnv }, { resetLab }] = await Promise.all([
    import('./engine/requirements.ts'),
    import('./core/context.ts'),
    import('./engine/reset.ts'),
  ]);
  requireRoot('lab reset');
  // resetLab throws (exit 1, listing what is in the way) unless the machine is ready for step 1 again.
  const done = await resetLab(labEnv(), { log: (line) => out(line) });
  const left = done.filter((line) => line.startsWith('left ')).length;
  if (done.length === 0) out('nothing to reset: the machine is already as before step 1');
  else
    out(
      `reset done: nothing of the lab's is left in the way of step 1` +
        (left ? ` (${left} thing${left === 1 ? '' : 's'} left as listed above)` : ''),
    );
  return 0;
}

async function status(options: { json?: boolean }): Promise<number> {
  const [{ labSteps }, { labEnv }, { DockerDriver }, { realMachine }, { runStep }, { labKubelets }, { labContainers }, progress] =
    await Promise.all([
      import('./engine/steps.ts'),
      import('./core/context.ts'),
      import('./machine/docker.ts'),
      import('./machine/machine.ts'),
      import('./engine/runner.ts'),
      import('./machine/kubelet.ts'),
      import('./engine/ownership.ts'),
      import('./engine/stepProgress.ts'),
      enableDiagnosis(),
    ]);
  const steps = labSteps();
  const env = labEnv();
  const docker = new DockerDriver();
  const reports: StepReport[] = [];
  const machine = realMachine(docker);
  for (const step of steps) reports.push(await runStep(env, step, machine));
  saveResults(env, reports, steps.length, progress);
  const current = progress.loadProgress(env).current;
  const kubelets = labKubelets(env);
  let containers: { name: string; status: string }[] = [];
  let dockerState = 'up';
  try {
    containers = await labContainers(env, docker);
  } catch (error) {
    dockerState = (error as Error).message;
  }
  if (options.json) {
    out(
      JSON.stringify(
        {
          format: JSON_FORMAT,
          current,
          steps: reports.map((r) => ({ step: r.step, title: r.title, passed: r.passed })),
          kubelet: kubelets.map((k) => ({ pid: k.pid, argv: k.argv })),
          docker: dockerState,
          containers,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  out('Steps:');
  for (const report of reports) {
    const passing = report.results.filter((r) => r.status === 'pass').length;
    out(`  ${report.passed ? 'PASS' : 'FAIL'}  ${report.step}. ${report.title} (${passing}/${report.results.length})`);
  }
  out(`You are on step ${current}.`);
  out(
    kubelets.length === 0
      ? 'kubelet: not running for this repo'
      : `kubelet: pid ${kubelets.map((k) => k.pid).join(', ')}${kubelets[0]!.flags.has('kubeconfig') ? ' (with --kubeconfig)' : ''}`,
  );
  out(dockerState === 'up' ? `containers: ${containers.length === 0 ? "none of the lab's" : ''}` : `docker: ${dockerState}`);
  for (const c of containers) out(`  ${c.name.slice(0, 60)}  ${c.status}`);
  return 0;
}

/** `lab show N`: a step's commands as plain text with this machine's values (issue 12). */
async function show(stepArg: string): Promise<number> {
  const [{ labSteps, stepByNumber }, { labEnv }, { machineFacts }, { DockerDriver }, { showCommands }] = await Promise.all([
    import('./engine/steps.ts'),
    import('./core/context.ts'),
    import('./engine/machineFacts.ts'),
    import('./machine/docker.ts'),
    import('./cli/show.ts'),
  ]);
  const steps = labSteps();
  const step = stepByNumber(steps, stepArg);
  // As the walkthrough does: without Docker the machine's values stay placeholders (the output says so).
  const machine = await machineFacts(new DockerDriver()).catch(() => undefined);
  process.stdout.write(showCommands(labEnv(), step, steps.length, machine));
  return EXIT.ok;
}

/** The current step as plain text, for output that is not a terminal. */
async function summary(): Promise<number> {
  const [{ labSteps }, { labEnv }, { recordMachineBaseline }, { loadProgress }, { machineFacts }, { DockerDriver }, { renderedCommands }] =
    await Promise.all([
      import('./engine/steps.ts'),
      import('./core/context.ts'),
      import('./engine/hostBaseline.ts'),
      import('./engine/stepProgress.ts'),
      import('./engine/machineFacts.ts'),
      import('./machine/docker.ts'),
      import('./engine/lesson.ts'),
    ]);
  const steps = labSteps();
  const env = labEnv();
  recordMachineBaseline(env);
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
    const note = command.flags.includes('kubelet')
      ? '  # in a second terminal, leave it running'
      : command.flags.includes('fails')
        ? '  # fails on purpose: read the error'
        : '';
    out(`${command.script}${note}`);
    out('');
  }
  out(`Then: \`npm run lab -- verify ${step.number}\` to check, \`npm run lab -- apply ${step.number}\` to have it done for you.`);
  out('');
  out(
    '(This is the plain-text walkthrough, because the output is not a terminal. Run `npm run lab` in a terminal for the interactive one.)',
  );
  return 0;
}

/**
 * `lab dev check` (issue 13): the content (labs/, fixtures/, the diagnoses' lesson sections) checked
 * statically, every problem as file:line (src/engine/contentCheck.ts); `--live` also proves on this machine that
 * every step starts unsolved. For authors and CI (`npm run check:content`), not for students.
 */
async function devCheck(options: { live?: boolean }): Promise<number> {
  const { devCheckReport, liveCheck } = await import('./engine/contentCheck.ts');
  const report = await devCheckReport();
  for (const line of report.lines) out(line);
  if (!options.live) return report.ok ? EXIT.ok : EXIT.failed;
  const [{ labEnv }] = await Promise.all([import('./core/context.ts'), enableDiagnosis()]);
  const problems = await liveCheck(labEnv(), out);
  for (const problem of problems) out(`live: ${problem}`);
  out(
    problems.length === 0
      ? 'live: every step starts unsolved'
      : `live: ${problems.length} step${problems.length === 1 ? '' : 's'} do not start unsolved`,
  );
  return report.ok && problems.length === 0 ? EXIT.ok : EXIT.failed;
}

/** `npm run lab` with no arguments: the interactive walkthrough in a terminal, the plain summary otherwise. */
async function walkthrough(): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) return summary();
  // chalk (under Ink) reads FORCE_COLOR, not NO_COLOR, when it is first imported.
  if (process.env.NO_COLOR) process.env.FORCE_COLOR = '0';
  await enableDiagnosis();
  const { launchWalkthrough } = await import('./tui/launch.tsx');
  return launchWalkthrough();
}

/** Issue 5: verify, status, apply's wait and the walkthrough show diagnoses of failed probes. */
async function enableDiagnosis(): Promise<void> {
  (await import('./engine/diagnosis/index.ts')).enableDiagnosis();
}

/** The lab's version (package.json) and the Kubernetes it teaches (labs/versions.yaml). */
function labVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function versionText(): Promise<string> {
  const { loadVersions } = await import('./core/versions.ts');
  let kubernetes: string;
  try {
    kubernetes = loadVersions().kubernetes;
  } catch (error) {
    kubernetes = `unknown (${(error as Error).message})`;
  }
  return `mvk-lab ${labVersion()}\nKubernetes ${kubernetes} (labs/versions.yaml)`;
}

/** The arguments before `--`: what commander reads as options and command names. */
const optionArgs = (argv: string[]) => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv);

/** The command word: the first argument that is not an option (nor the value of --registry-mirror). */
function commandWord(argv: string[]): string | undefined {
  const args = optionArgs(argv);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--registry-mirror') i++;
    else if (!args[i]!.startsWith('-')) return args[i];
  }
  return undefined;
}

/** Commands this file defines; for them the modules below are not loaded. */
const OWN_COMMANDS = new Set(['walkthrough', 'verify', 'apply', 'show', 'reset', 'status', 'dev']);

type Registrar = (program: Command, setExit: (code: number) => void) => void;

/** Commands defined in their own modules (issues 5 and 6), in the order `lab --help` lists them. */
const MODULE_COMMANDS: (() => Promise<Registrar>)[] = [
  async () => (await import('./cli/doctor.ts')).registerDoctorCommand,
  async () => (await import('./cli/setup.ts')).registerSetupCommand,
  async () => (await import('./cli/images.ts')).registerImagesCommand,
  async () => (await import('./cli/lint.ts')).registerLintCommand, // pods/ checked before kubelet reads it
];

/**
 * The program. `argv` only decides what to load: the modules of doctor, setup, images and lint are
 * imported unless the command is one of this file's own or `--version` is asked for (commander prints
 * it before any command runs), and the Kubernetes version (a YAML read) only then. Any other command
 * line (help, an unknown or misspelt command) gets every command, so help lists them all and
 * suggestions can name them. A misread command line only ever loads more.
 */
export async function buildProgram(setExit: (code: number) => void, argv: string[] = []): Promise<Command> {
  const word = commandWord(argv);
  const wantsVersion = optionArgs(argv).some((arg) => arg === '-V' || arg === '--version');
  const program = new Command('lab')
    .description('Build a minimal Kubernetes cluster by hand, checked live')
    .version(wantsVersion ? await versionText() : `mvk-lab ${labVersion()}`, '-V, --version', "print the lab's and Kubernetes' versions")
    .exitOverride()
    .showHelpAfterError('(run `lab --help` for the commands)')
    .addHelpText('after', EXIT_CODES_HELP);
  // The walkthrough is the default command, so commander's own handling of the root stays: unknown
  // commands, "did you mean", `lab help <command>`, --version. A word that is no command reaches it as
  // an excess argument and is reported as the unknown command it is.
  program
    .command('walkthrough', { isDefault: true })
    .description('the interactive lab (what `lab` with no command runs); plain text when not in a terminal')
    .allowExcessArguments()
    .action(async (_options, command: Command) => {
      if (command.args.length > 0) {
        if (program.args[0] === command.name())
          command.error(`error: lab walkthrough takes no arguments, got ${command.args.join(' ')}`, { code: 'commander.excessArguments' });
        // commander's own message and "(Did you mean …?)"; it is not in its typings.
        (program as unknown as { unknownCommand(): never }).unknownCommand();
      }
      setExit(await walkthrough());
    });
  program
    .command('verify')
    .argument('[step]', 'step number')
    .option('--all', 'verify every step')
    .option('--json', 'machine-readable output')
    .description('check a step against the live machine: exit 0 pass, 1 fail, 2 usage error, 3 machine not ready')
    .action(async (step, options) => setExit(await verify(step, options)));
  program
    .command('apply')
    .argument('<step>', 'step number')
    .option(
      '--timeout-scale <factor>',
      'wait this many times longer for each step and its checks (slow machines; default MVK_TIMEOUT_SCALE or 1)',
    )
    .description('do a step (and the earlier ones) for you, then wait until it passes')
    .action(async (step, options) => setExit(await apply(step, options)));
  program
    .command('show')
    .argument('<step>', 'step number')
    .description("print a step's commands with this machine's values, as plain text to copy (what the walkthrough's c copies)")
    .action(async (step) => setExit(await show(step)));
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
  // Issue 13: checks for content authors and CI; `dev` alone prints its help (exit 2, as a usage error).
  program
    .command('dev')
    .description('for lab authors: `lab dev check` checks the content (npm run check:content)')
    .command('check')
    .option('--live', 'also prove on this machine that every step starts unsolved (resets it; root, Docker, binaries)')
    .description(
      'check labs/ and fixtures/ without a machine: fixtures lint clean, lesson sections and hints exist, probes have a cause ' +
        'and hint, images are pinned in versions.yaml, lab-run blocks and placeholders are sound; exit 0 all good, 1 with the ' +
        'problems as file:line',
    )
    .action(async (options) => setExit(await devCheck(options)));
  // Issue 6: machine checks, binaries and images (kept in src/doctor, src/setup, src/images).
  const allCommands = !wantsVersion && !(word !== undefined && OWN_COMMANDS.has(word));
  // --registry-mirror is an option of every command (core/imageMirror.ts, which labEnv() loads anyway); it
  // is registered when the option is given or help may list it. Without the flag it has nothing to do:
  // labEnv() reads MVK_REGISTRY_MIRROR and lab.config.yaml itself.
  const mirrorFlag = optionArgs(argv).some((arg) => arg === '--registry-mirror' || arg.startsWith('--registry-mirror='));
  if (allCommands || mirrorFlag) (await import('./core/imageMirror.ts')).registerMirrorOption(program);
  if (allCommands) {
    for (const register of await Promise.all(MODULE_COMMANDS.map((load) => load()))) register(program, setExit);
  }
  return program;
}

/** The `error` object of `--json` output when the run could not judge. */
function jsonError(exitCode: number, message: string, hint: string, report?: string) {
  return { kind: errorKind(exitCode), exitCode, message, hint, ...(report !== undefined ? { report } : {}) };
}

function printJsonError(exitCode: number, message: string, hint: string, report?: string): void {
  out(JSON.stringify({ format: JSON_FORMAT, ok: false, error: jsonError(exitCode, message, hint, report) }, null, 2));
}

/** A path as the student would type it from where they are. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Everything a maintainer needs to reproduce a crash; no environment beyond the lab's own variables. */
async function crashReportText(error: unknown, argv: string[]): Promise<string> {
  let kubernetes: string;
  try {
    kubernetes = (await import('./core/versions.ts')).loadVersions().kubernetes;
  } catch (versionError) {
    kubernetes = `unknown (${(versionError as Error)?.message})`;
  }
  // A URL's user:password (a release host or mirror behind a login) stays out of the report.
  const labVariables = Object.entries(process.env)
    .filter(([name]) => /^(MVK|LAB)_/.test(name))
    .map(([name, value]) => `  ${name}=${value?.replace(/\/\/[^/@\s]*@/g, '//…@')}`);
  return [
    'mvk-lab internal error report: please attach this file when you report the bug.',
    `time: ${new Date().toISOString()}`,
    `command: lab ${argv.map((arg) => JSON.stringify(arg)).join(' ')}`,
    `cwd: ${process.cwd()}`,
    `repo: ${repoRoot}`,
    `lab: ${labVersion()}, Kubernetes ${kubernetes}`,
    `node: ${process.version} on ${process.platform}/${process.arch}, kernel ${os.release()}, uid ${process.getuid?.() ?? '?'}`,
    // dist/cli.js (compiled) or src/cli.ts (through tsx): line numbers differ between the two.
    `run from: ${process.argv[1] ?? '?'}, code ${path.relative(repoRoot, fileURLToPath(import.meta.url))}`,
    'lab environment variables:',
    ...(labVariables.length > 0 ? labVariables : ['  (none)']),
    '',
    'error, with its stack, its fields (code, errno, path) and its cause chain ([cause]):',
    inspect(error, { depth: 8 }),
    '',
  ].join('\n');
}

/**
 * Any error that is not a LabError is a bug in the lab: one line on stderr (what, that it is a bug, where
 * the report went, how to see the stack), the full report in the state directory, exit 70.
 */
async function reportCrash(error: unknown, argv: string[], json: boolean): Promise<number> {
  const text = await crashReportText(error, argv);
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0]!;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const stateDir = workStateDir();
  let report: string | undefined;
  let unwritten = '';
  try {
    mkdirSync(stateDir, { recursive: true });
    report = path.join(stateDir, `crash-${stamp}.log`);
    try {
      writeFileSync(report, text, { flag: 'wx' });
    } catch (exists) {
      if ((exists as NodeJS.ErrnoException).code !== 'EEXIST') throw exists;
      report = path.join(stateDir, `crash-${stamp}-${process.pid}.log`);
      writeFileSync(report, text);
    }
  } catch (writeError) {
    report = undefined;
    unwritten = (writeError as Error).message;
  }
  const debug = Boolean(process.env.LAB_DEBUG && process.env.LAB_DEBUG !== '0');
  if (report) {
    process.stderr.write(
      `internal error: ${message}. This is a bug in the lab, not something you did; the full report is in ${shown(report)} ` +
        `(rerun with LAB_DEBUG=1 to see the stack).\n`,
    );
    if (debug) process.stderr.write(text);
  } else {
    process.stderr.write(
      `internal error: ${message}. This is a bug in the lab, not something you did; the report could not be written to ${stateDir} ` +
        `(${unwritten}), so here it is:\n${text}`,
    );
  }
  if (json)
    printJsonError(
      EXIT.internal,
      `internal error: ${message}`,
      `a bug in the lab; ${report ? `attach ${shown(report)} to the bug report` : 'the report is on stderr'} (LAB_DEBUG=1 ` +
        `prints the stack)`,
      report,
    );
  return EXIT.internal;
}

/** What the CLI does with an error that reached it: the exit code, after telling the student. */
async function handleError(error: unknown, argv: string[]): Promise<number> {
  const json = optionArgs(argv).includes('--json');
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help, or the version) already.
    if (error.exitCode === 0) return EXIT.ok;
    if (json) printJsonError(EXIT.usage, error.message.replace(/^error: /, ''), 'run `lab --help` for the commands and options');
    return EXIT.usage;
  }
  if (error instanceof LabError) {
    process.stderr.write(`error: ${error.message}\nhint: ${error.hint}\n`);
    if (json) printJsonError(error.exitCode, error.message, error.hint);
    return error.exitCode;
  }
  return reportCrash(error, argv, json);
}

/** Runs `lab` with these arguments; resolves to the exit code (see EXIT in errors.ts). */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  // A throw outside the command's own promise (an event handler, a forgotten await) is handled the same
  // way, instead of Node's raw stack and exit 1.
  const escaped = (error: unknown) => {
    void handleError(error, argv).then((exitCode) => process.exit(exitCode));
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  try {
    const program = await buildProgram((c) => (code = c), argv);
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    return await handleError(error, argv);
  } finally {
    process.off('uncaughtException', escaped);
    process.off('unhandledRejection', escaped);
  }
}
