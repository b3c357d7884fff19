/**
 * The command line's contract (issue 10): exit codes 0 pass, 1 fail, 2 usage, 3 machine not ready,
 * 70 internal error, the messages that go with them, and the same distinction in --json. Every run is
 * `node bin/lab.mjs …` as a student types it, with the work dir (MVK_WORK_DIR: pods/) and the lab's state
 * directory (MVK_STATE_DIR: progress, crash reports) in a temporary directory, so nothing in the checkout
 * is read as the student's or written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { childOutput } from '../helpers/childOutput.ts';
import { labSteps } from '../../src/engine/steps.ts';

/** The shipped steps as `lab` names them in its hints. */
const STEP_COUNT = labSteps().length;
const VALID = Array.from({ length: STEP_COUNT }, (_, i) => i + 1).join(', ');

const scratch = mkdtempSync(path.join(tmpdir(), 'mvk-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The student's files (pods/, kubeconfig.yaml): an empty work dir, never the developer's own. */
const workDir = path.join(scratch, 'work');
mkdirSync(path.join(workDir, 'pods'), { recursive: true });

let runs = 0;
/** A fresh, empty state directory for one run. */
function stateDir(): string {
  const dir = path.join(scratch, `state-${++runs}`);
  mkdirSync(dir);
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr without bin/lab.mjs's "note: … runs its TypeScript sources through tsx" line (a stale dist/). */
  errorLines: string[];
  state: string;
}

function lab(args: string[], options: { env?: Record<string, string>; root?: string; state?: string } = {}): Promise<Run> {
  const state = options.state ?? stateDir();
  const child = spawn(process.execPath, [path.join(options.root ?? repoRoot, 'bin/lab.mjs'), ...args], {
    cwd: scratch,
    env: { ...process.env, MVK_WORK_DIR: workDir, MVK_STATE_DIR: state, LAB_DEBUG: '', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return childOutput(child).then(({ code, stdout, stderr }) => {
    const errorLines = stderr.split('\n').filter((line) => line !== '' && !/^note: .*tsx/.test(line));
    return { code, stdout, stderr, errorLines, state };
  });
}

const json = (run: Run) =>
  JSON.parse(run.stdout) as {
    format: number;
    ok?: boolean;
    passed?: boolean;
    steps?: unknown[];
    error?: { kind: string; exitCode: number; message: string; hint: string; report?: string };
  };

/**
 * A copy of the lab whose step 1 `step.yaml` is a directory: reading it throws EISDIR, which is no
 * LabError, i.e. a crash (the reproduction). Only the checkout's own files are copied; a built
 * dist/ keeps its times, so the copy runs compiled exactly when the checkout would.
 */
function brokenCopy(): string {
  const root = path.join(scratch, 'broken-lab');
  if (existsSync(root)) return root;
  for (const entry of ['bin', 'src', 'labs', 'fixtures', 'dist', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    if (existsSync(path.join(repoRoot, entry)))
      cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  mkdirSync(path.join(root, 'pods'), { recursive: true });
  const step1 = readdirSync(path.join(root, 'labs')).find((name) => name.startsWith('01-'))!;
  rmSync(path.join(root, 'labs', step1, 'step.yaml'));
  mkdirSync(path.join(root, 'labs', step1, 'step.yaml'));
  return root;
}

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('lab command line: exit codes and messages', { concurrency: true, timeout: 180_000 }, () => {
  // Usage errors: exit 2, with what was wrong and what to type instead.
  it('verify abc (not a number) exits 2', async () => {
    const run = await lab(['verify', 'abc']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /error: there is no step "abc"/);
    assert.match(run.stderr, new RegExp(`hint: valid steps are ${VALID}`));
  });

  it('verify with no step, or with a step and --all, is a usage error', async () => {
    const [none, both] = await Promise.all([lab(['verify']), lab(['verify', '2', '--all'])]);
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /which step should be verified/);
    assert.equal(both.code, 2, both.stderr);
  });

  it('an unknown command exits 2 as an unknown command (not "too many arguments")', async () => {
    const run = await lab(['frobnicate']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /unknown command 'frobnicate'/);
    assert.doesNotMatch(run.stderr, /too many arguments/);
  });

  it('a misspelt command suggests the right one', async () => {
    const run = await lab(['verfy', '1']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /unknown command 'verfy'/);
    assert.match(run.stderr, /Did you mean verify\?/);
  });

  it('an unknown option exits 2', async () => {
    const run = await lab(['verify', '1', '--colour']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /unknown option '--colour'/);
  });

  it('reset without --yes and without a terminal refuses with a hint', async () => {
    const run = await lab(['reset']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--yes/);
  });

  // Help and version: exit 0.
  it('--help lists the commands and the exit codes', async () => {
    const run = await lab(['--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /verify/);
    assert.match(run.stdout, /doctor/);
    assert.match(run.stdout, /^ {2}show <step> +print a step's commands/m);
    assert.match(run.stdout, /Exit codes:/);
    for (const code of ['0', '1', '2', '3', '70'])
      assert.match(run.stdout, new RegExp(`^ {2}${code} +\\S`, 'm'), `exit code ${code} is documented`);
  });

  it("help verify prints verify's help", async () => {
    const run = await lab(['help', 'verify']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Usage: lab verify \[options\] \[step\]/);
    assert.match(run.stdout, /--all/);
  });

  it("--version and -V print the lab's and Kubernetes' versions", async () => {
    const kubernetes = loadVersions().kubernetes;
    for (const run of await Promise.all([lab(['--version']), lab(['-V'])])) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`mvk-lab ${version.replace(/\./g, '\\.')}`));
      assert.match(run.stdout, new RegExp(`Kubernetes ${kubernetes.replace(/\./g, '\\.')}`));
    }
  });

  // The machine is not ready: exit 3, whatever the student did.
  it('apply with Docker not answering exits 3 and says so', async () => {
    const run = await lab(['apply', '1'], { env: { MVK_DOCKER_SOCKET: path.join(scratch, 'no-docker.sock') } });
    assert.equal(run.code, 3, run.stderr);
    // As root the Docker check answers; as anyone else the root check comes first. Both mean "not ready".
    assert.match(run.stderr, /error: (the Docker engine does not answer at .*no-docker\.sock|lab apply needs root)/);
    assert.match(run.stderr, /hint: /);
  });

  it('verify with Docker not answering exits 3, and --json keeps the report and adds the error', async () => {
    const run = await lab(['verify', '1', '--json'], { env: { MVK_DOCKER_SOCKET: path.join(scratch, 'no-docker.sock') } });
    assert.equal(run.code, 3, run.stderr);
    const report = json(run);
    assert.equal(report.format, 1);
    assert.equal(report.passed, false);
    assert.equal(report.steps?.length, 1);
    assert.equal(report.ok, false);
    assert.equal(report.error?.kind, 'machine-not-ready');
    assert.equal(report.error?.exitCode, 3);
    assert.match(report.error!.message, /Docker engine does not answer/);
    assert.match(run.stderr, /cannot be judged/);
  });

  // --json errors: the same distinction on stdout.
  it('verify 99 exits 2, names the valid steps, and with --json prints {ok: false, error: {kind: usage, exitCode: 2}}', async () => {
    const [bad, unknown] = await Promise.all([lab(['verify', '99', '--json']), lab(['verify', '1', '--colour', '--json'])]);
    for (const run of [bad, unknown]) {
      assert.equal(run.code, 2, run.stderr);
      const out = json(run);
      assert.equal(out.format, 1);
      assert.equal(out.ok, false);
      assert.equal(out.error?.kind, 'usage');
      assert.equal(out.error?.exitCode, 2);
      assert.ok(out.error?.hint);
    }
    assert.match(bad.stderr, /there is no step "99"/);
    assert.match(bad.stderr, new RegExp(`valid steps are ${VALID}`));
    assert.match(json(bad).error!.message, /there is no step "99"/);
    assert.match(json(unknown).error!.message, /unknown option '--colour'/);
  });

  it('a broken lab.config.yaml is bad input: verify exits 2 and --json names it as a usage error at its line', async () => {
    const config = path.join(scratch, 'broken-lab.config.yaml');
    writeFileSync(config, 'registryMirror: [1\n');
    const run = await lab(['verify', '1', '--json'], { env: { MVK_CONFIG: config } });
    assert.equal(run.code, 2, run.stderr);
    const out = json(run);
    assert.equal(out.error?.kind, 'usage');
    assert.match(out.error!.message, /broken-lab\.config\.yaml:2:1: /);
    assert.match(out.error!.hint, /registryMirror/);
  });

  it("show 1 prints step 1's commands (exit 0); show 99 exits 2 and names the valid steps", async () => {
    const [good, bad, none] = await Promise.all([
      lab(['show', '1'], { env: { MVK_DOCKER_SOCKET: path.join(scratch, 'no-docker.sock') } }),
      lab(['show', '99']),
      lab(['show']),
    ]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, new RegExp(`^# Step 1/${STEP_COUNT}: `));
    assert.match(good.stdout, /^kubelet \\$/m);
    // No Docker: the machine's values are placeholders, and the output says so (as a comment).
    assert.match(good.stdout, /^# Docker did not answer/m);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /error: there is no step "99"/);
    assert.match(bad.stderr, new RegExp(`hint: valid steps are ${VALID}`));
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /missing required argument 'step'/);
  });

  // A bug: exit 70, one line, and a report in the state directory.
  it('a crash exits 70 with one line naming the report, which holds argv, versions and the stack', async () => {
    const run = await lab(['verify', '1'], { root: brokenCopy() });
    assert.equal(run.code, 70, run.stderr);
    assert.equal(run.errorLines.length, 1, `one line on stderr, got:\n${run.stderr}`);
    const [line] = run.errorLines;
    assert.match(line!, /^internal error: EISDIR.*a bug in the lab/);
    assert.match(line!, /LAB_DEBUG=1/);
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack without LAB_DEBUG');
    const reports = readdirSync(run.state).filter((name) => /^crash-.*\.log$/.test(name));
    assert.equal(reports.length, 1);
    assert.ok(line!.includes(reports[0]!), 'the line names the report file');
    const report = readFileSync(path.join(run.state, reports[0]!), 'utf8');
    assert.match(report, /command: lab "verify" "1"/);
    assert.match(report, new RegExp(`lab: ${version.replace(/\./g, '\\.')}, Kubernetes v\\d+\\.\\d+\\.\\d+`));
    assert.match(report, new RegExp(`node: ${process.version.replace(/\./g, '\\.')}`));
    assert.match(report, /EISDIR/);
    assert.match(report, /^\s+at /m, 'the report holds the stack');
  });

  it('with --json a crash prints {ok: false, error: {kind: internal, exitCode: 70, report}}; LAB_DEBUG=1 adds the stack', async () => {
    const run = await lab(['verify', '1', '--json'], { root: brokenCopy(), env: { LAB_DEBUG: '1' } });
    assert.equal(run.code, 70, run.stderr);
    const out = json(run);
    assert.equal(out.ok, false);
    assert.equal(out.error?.kind, 'internal');
    assert.equal(out.error?.exitCode, 70);
    assert.match(out.error!.message, /EISDIR/);
    assert.ok(out.error?.report && existsSync(out.error.report), 'the report path exists');
    assert.match(run.stderr, /^internal error: EISDIR/m);
    assert.match(run.stderr, /^\s+at /m, 'LAB_DEBUG=1 prints the stack');
  });

  it('a crash whose report cannot be written says so and prints the stack instead', async () => {
    const blocker = path.join(scratch, 'not-a-directory');
    writeFileSync(blocker, '');
    const run = await lab(['verify', '1'], { root: brokenCopy(), state: path.join(blocker, 'state') });
    assert.equal(run.code, 70, run.stderr);
    assert.match(run.stderr, /^internal error: EISDIR.*the report could not be written/m);
    assert.match(run.stderr, /^\s+at /m);
  });
});
