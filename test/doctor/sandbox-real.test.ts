/**
 * The sandbox check against the real Docker: with the default runtime it passes on the test bed; with
 * plain runc, on a machine that cannot lower oom_score_adj (the test bed's VMs), it fails for real and
 * explains why, and on one that can, it passes. Starts pause containers and removes them; no kubelet,
 * so no lock is needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sandboxCheck } from '../../src/engine/doctor/checks/docker.ts';
import { hasCapability, realDoctorInputs } from '../../src/engine/doctor/realInputs.ts';
import type { CheckResult } from '../../src/engine/doctor/types.ts';
import { labEnv } from '../../src/core/context.ts';
import { DockerDriver } from '../../src/machine/docker.ts';
import { needsRealEnv } from '../helpers/realenv.ts';

async function leftovers(docker: DockerDriver): Promise<number> {
  return (await docker.api.listContainers({ all: true, filters: { label: ['mvk-lab.doctor'] } })).length;
}

describe('doctor: starting a pod sandbox on the real Docker', () => {
  it("passes with Docker's default runtime and leaves no container behind", async (t) => {
    if (!needsRealEnv(t)) return;
    const docker = new DockerDriver();
    const outcome = (await sandboxCheck.run(realDoctorInputs(labEnv(), docker))) as CheckResult;
    assert.equal(outcome.status, 'pass', outcome.detail);
    assert.equal(await leftovers(docker), 0);
  });

  // Plain runc (no clamping wrapper) answers differently on the two kinds of machine, and both are
  // checked: where oom_score_adj cannot be lowered (the test bed's sandboxed VMs) the sandbox fails and
  // the check names the cause; where it can, plain runc starts it like the default runtime. Nothing to skip.
  it('with plain runc: fails naming the cause where oom_score_adj cannot be lowered, passes where it can', async (t) => {
    if (!needsRealEnv(t)) return;
    const canLower = hasCapability(readFileSync('/proc/self/status', 'utf8'), 24);
    assert.notEqual(canLower, undefined, 'the capability bounding set (CapBnd) is readable in /proc/self/status');
    const docker = new DockerDriver();
    const outcome = (await sandboxCheck.run(realDoctorInputs(labEnv(), docker, { sandboxRuntime: 'runc' }))) as CheckResult;
    if (canLower) {
      assert.equal(outcome.status, 'pass', `with CAP_SYS_RESOURCE plain runc starts the sandbox: ${outcome.detail}`);
      assert.doesNotMatch(outcome.detail, /cannot lower oom_score_adj/);
    } else {
      assert.equal(outcome.status, 'fail');
      assert.match(outcome.detail, /final child's PID/);
      assert.match(outcome.fix!, /oom_score_adj -998/);
    }
    assert.equal(await leftovers(docker), 0);
  });
});
