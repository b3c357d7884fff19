/**
 * The sandbox check against the real Docker: with the default runtime it passes on the test bed; with
 * plain runc, on a machine that cannot lower oom_score_adj (the test bed's VMs), it fails for real and
 * explains why. Starts one pause container and removes it; no kubelet, so no lock is needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { sandboxCheck } from '../../src/doctor/checks/docker.ts';
import { hasCapability, realDoctorInputs } from '../../src/doctor/realInputs.ts';
import type { CheckResult } from '../../src/doctor/types.ts';
import { labEnv } from '../../src/context.ts';
import { DockerDriver } from '../../src/drivers/docker.ts';
import { needsRealEnv } from '../helpers/realenv.ts';

async function leftovers(docker: DockerDriver): Promise<number> {
  return (await docker.api.listContainers({ all: true, filters: { label: ['mvk-lab.doctor'] } })).length;
}

describe('doctor: starting a pod sandbox on the real Docker', () => {
  it('passes with Docker\'s default runtime and leaves no container behind', async (t) => {
    if (!needsRealEnv(t)) return;
    const docker = new DockerDriver();
    const outcome = (await sandboxCheck.run(realDoctorInputs(labEnv(), docker))) as CheckResult;
    assert.equal(outcome.status, 'pass', outcome.detail);
    assert.equal(await leftovers(docker), 0);
  });

  it('fails with plain runc where oom_score_adj cannot be lowered, naming the cause', async (t) => {
    if (!needsRealEnv(t)) return;
    if (hasCapability(readFileSync('/proc/self/status', 'utf8'), 24) !== false) {
      t.skip('this machine can lower oom_score_adj: plain runc would start the sandbox');
      return;
    }
    const docker = new DockerDriver();
    const outcome = (await sandboxCheck.run(realDoctorInputs(labEnv(), docker, { sandboxRuntime: 'runc' }))) as CheckResult;
    assert.equal(outcome.status, 'fail');
    assert.match(outcome.detail, /final child's PID/);
    assert.match(outcome.fix!, /oom_score_adj -998/);
    assert.equal(await leftovers(docker), 0);
  });
});
