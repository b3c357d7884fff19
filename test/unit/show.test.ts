/** `lab show N` (issue 12): a step's commands with this machine's values, as text that is valid shell. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { renderedCommands } from '../../src/engine/lesson.ts';
import { labEnv } from '../../src/core/context.ts';
import { showCommands } from '../../src/cli/show.ts';
import { labSteps } from '../../src/engine/steps.ts';
import '../helpers/workdir.ts';

const steps = labSteps();
const env = labEnv();
const machine = { nodeIp: '172.17.0.1', cgroupDriver: 'systemd', swapOn: true };

describe('lab show', () => {
  it('prints every command of each step exactly as the walkthrough shows it, as valid shell', () => {
    for (const step of steps) {
      const text = showCommands(env, step, steps.length, machine);
      assert.match(text, new RegExp(`^# Step ${step.number}/${steps.length}: `));
      for (const command of renderedCommands(env, step, machine))
        assert.ok(text.includes(`\n${command.script}\n`), `step ${step.number}: missing\n${command.script}`);
      assert.doesNotMatch(text, /\{\{\s*[A-Za-z]/, `step ${step.number}: a placeholder is left`);
      const check = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      assert.equal(check.status, 0, `step ${step.number}: bash -n says ${check.stderr}\n${text}`);
    }
  });

  it('names the section and what to expect of a command in comments', () => {
    const text = showCommands(env, steps[0]!, steps.length, machine);
    assert.match(text, /# \(run this in every terminal you use for the lab\)\nexport PATH=/);
    assert.match(text, /# \(in the kubelet terminal: it stays in the foreground until Ctrl-C\)\nkubelet \\/);
    assert.match(text, /--address=172\.17\.0\.1 /);
    assert.match(text, /# prints lines with:\n# {3}hello world!/);
  });

  it("says so when this machine's values are unknown (Docker down), as the walkthrough leaves them", () => {
    const text = showCommands(env, steps[0]!, steps.length, undefined);
    assert.match(text, /Docker did not answer/);
    assert.match(text, /--address=<nodeIp>/);
  });
});
