import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { DockerDriver } from '../../src/machine/docker.ts';
import { renderedCommands } from '../../src/engine/lesson.ts';
import { machineFacts } from '../../src/engine/machineFacts.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { cleanShellEnv, env, lab, labContainers, noLabKubelet, runLessonCommand, startLessonKubelet } from './helpers.ts';

describe('the student path: every lesson command, run by hand as written', { timeout: 1_200_000 }, () => {
  resetMachineAfter();

  realMachineTest('every step passes with no lab apply', async (t) => {
    const machine = await machineFacts(new DockerDriver());
    mkdirSync(env.stateDir, { recursive: true });
    const kubeletLog = path.join(env.stateDir, 'student-kubelet.log');

    for (const step of labSteps()) {
      // Each lesson starts in a fresh terminal: its own `env` blocks, a HOME without ~/.kube/config.
      const shellEnv = cleanShellEnv();
      const prelude: string[] = [];
      for (const command of renderedCommands(env, step, machine)) {
        const where = `lesson ${step.number}, line ${command.line}`;
        if (command.flags.includes('env')) {
          prelude.push(command.script);
          continue;
        }
        if (command.flags.includes('kubelet')) {
          await startLessonKubelet(command, prelude, shellEnv, kubeletLog);
          continue;
        }
        const run = await runLessonCommand(command, prelude, shellEnv);
        t.diagnostic(`${where}: exit ${run.code} after ${run.attempts} attempt(s)`);
        if (command.flags.includes('fails')) assert.notEqual(run.code, 0, `${where} should fail as the lesson shows:\n${run.output}`);
        else assert.equal(run.code, 0, `${where} failed:\n${command.script}\n---\n${run.output}`);
        for (const line of command.expect)
          assert.ok(
            run.output.replace(/[ \t]+/g, ' ').includes(line.replace(/[ \t]+/g, ' ')),
            `${where} should print "${line}", printed:\n${run.output}`,
          );
      }
    }
    // The last lesson restarts etcd and the apiserver; kubelet may still be replacing a container or a
    // mirror pod for up to a sync period (a minute), as the lesson's own `retry` blocks allow for.
    let all = await lab('verify', '--all');
    for (const deadline = Date.now() + 90_000; all.code !== 0 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      all = await lab('verify', '--all');
    }
    assert.equal(all.code, 0, all.stdout);

    // The kubelet here was started by hand, from the lesson; reset must find and stop it all the same.
    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /stopped kubelet/);
    assert.ok(await noLabKubelet(), 'the hand-started kubelet is gone');
    assert.deepEqual(await labContainers(), []);
  });
});
