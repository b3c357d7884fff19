import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ensureKubelet } from '../../src/engine/actions/kubelet.ts';
import { renderFixture } from '../../src/engine/actions/files.ts';
import { labEnv } from '../../src/core/context.ts';
import { DockerDriver } from '../../src/machine/docker.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { requireNoForeignKubelet } from '../engine/helpers.ts';
import { needsRealEnv, realEnvMissing } from '../helpers/realenv.ts';
import { failedChecks, hasColour, killServer, passedChecks, Terminal } from './tmux.ts';

const env = labEnv();
const steps = labSteps();

async function resetMachine(): Promise<void> {
  const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'reset', '--yes'], {
    reject: false,
    cwd: repoRoot,
    input: '',
  });
  assert.equal(result.exitCode, 0, `lab reset --yes failed: ${result.stderr}`);
}

const MINUTE = 60_000;

describe('npm run lab in a real terminal (tmux, 80x24)', { timeout: 30 * MINUTE }, () => {
  before(async () => {
    if (realEnvMissing()) return;
    // The lab runs on this process's work dir (MVK_WORK_DIR): a kubelet of another one is not reset's to stop.
    await requireNoForeignKubelet();
    await resetMachine();
  });
  after(async () => {
    await killServer();
    if (!realEnvMissing()) await resetMachine();
  });

  it('honours NO_COLOR: the same screen, without colours', { timeout: 2 * MINUTE }, async (t) => {
    if (!needsRealEnv(t)) return;
    for (const [name, prefix, coloured] of [
      ['colour', '', true],
      ['no-colour', 'NO_COLOR=1 ', false],
    ] as const) {
      const term = await Terminal.launch(name, 80, 24, prefix);
      try {
        // The test bed passes every machine check, so the first screen gives way to the welcome at once.
        await term.waitFor(/Press Enter to start/, MINUTE);
        await term.waitFor(/✔ Machine check: ready/, MINUTE, 'the machine check summary on the welcome screen');
        await term.waitFor(/✘ 1\. kubelet runs a pod on its own/, MINUTE, 'the first check on the welcome screen');
        assert.equal(hasColour(await term.styledScreen()), coloured, `${name}: colour ${coloured ? 'expected' : 'not expected'}`);
        await term.quit();
      } finally {
        await term.close();
      }
    }
  });

  it('walks every step with `a` up to the final screen', { timeout: 20 * MINUTE }, async (t) => {
    if (!needsRealEnv(t)) return;
    const term = await Terminal.launch('apply-all');
    try {
      await term.waitFor(/Press Enter to start with step 1/, MINUTE, 'the welcome screen after the first check');
      await term.keys('Enter');
      for (const step of steps) {
        const probes = step.meta.probes.length;
        let screen = await term.waitFor(new RegExp(`Step ${step.number}/${steps.length}`), MINUTE);
        screen = await term.waitFor(/Checks \d+\/\d+/, MINUTE, 'the first check of the step');
        // The header is one row and the lesson starts right under it (a header that wraps shifts everything).
        assert.match(screen.split('\n')[1]!, new RegExp(`^Step ${step.number} — `), `the lesson starts on row 2:\n${screen}`);
        screen = await term.waitFor(/a apply/, MINUTE);
        await term.keys('a');
        screen = await term.waitFor(new RegExp(`✔ Step ${step.number} passes`), 5 * MINUTE, `step ${step.number} to pass after a`);
        screen = await term.waitFor(new RegExp(`Checks ${probes}/${probes}`), MINUTE, `all ${probes} checks of step ${step.number} passed`);
        assert.equal(passedChecks(screen), probes, `every probe line of step ${step.number} is passed:\n${screen}`);
        assert.equal(failedChecks(screen), 0);
        if (step.number >= 4) await term.waitFor(/node mvk-node\s+● Ready/, MINUTE, 'the map to show the node Ready');
        if (step.number === 6) await term.waitFor(/● nginx\s+\d+\.\d+\.\d+\.\d+/, MINUTE, "the map to show nginx's IP");
        await term.keys('n');
      }
      const final = await term.waitFor(/You built a working Kubernetes node by hand/, MINUTE, 'the final screen');
      assert.match(final, /● Ready/);
      assert.match(final, /✔ all \d+ steps pass/);
      assert.match(final, /Where to go next/);
      await term.quit();
    } finally {
      await term.close();
    }
  });

  it('turns step 1 green when the student starts kubelet and writes pods/hello.yaml elsewhere, and resumes after quitting', {
    timeout: 10 * MINUTE,
  }, async (t) => {
    if (!needsRealEnv(t)) return;
    await resetMachine();
    let term = await Terminal.launch('student');
    try {
      await term.waitFor(/Press Enter to start with step 1/, MINUTE);
      await term.keys('Enter');
      await term.waitFor(/Checks 0\/5/, MINUTE, 'step 1 failing on a reset machine');
      // The student's second terminal: kubelet for this repo's pods/, then the pod file. No key is pressed.
      await ensureKubelet(env, new DockerDriver(), { kubeconfig: false }, () => undefined);
      await term.waitFor(/^✔ kubelet runs for this repo/m, MINUTE, 'the kubelet probe to pass without a key');
      writeFileSync(path.join(env.podsDir, 'hello.yaml'), renderFixture('hello.yaml', templateVars(env)));
      const screen = await term.waitFor(/✔ Step 1 passes/, 3 * MINUTE, 'step 1 to pass without a key');
      assert.match(screen, /Checks 5\/5/);
      assert.equal(passedChecks(screen), 5);
      await term.keys('n');
      await term.waitFor(/Step 2\/\d+/, MINUTE);
      await term.quit();
      await term.close();

      term = await Terminal.launch('student-again');
      await term.waitFor(/Welcome back\. Press Enter to resume at step 2/, MINUTE, 'the relaunch to offer step 2');
      // The welcome screen's marks come from a fresh check of every step.
      await term.waitFor(/✔ 1\. kubelet runs a pod on its own/, MINUTE, 'step 1 marked as passing on the welcome screen');
      await term.keys('Enter');
      await term.waitFor(/Step 2\/\d+ etcd as a static pod/, MINUTE, 'the walkthrough to resume at step 2');
      await term.quit();
    } finally {
      await term.close();
    }
  });
});
