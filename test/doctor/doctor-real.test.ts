/**
 * `lab doctor` on the real test bed: every check must pass (or only warn) here, both on a reset machine
 * and with the lab's own kubelet holding its ports. Starts kubelet: run under the shared lock, e.g.
 *   flock /tmp/mvk-realenv.lock node --import tsx --test test/doctor/doctor-real.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckResult } from '../../src/engine/doctor/types.ts';
import { requireNoForeignKubelet } from '../engine/helpers.ts';
import { needsRealEnv } from '../helpers/realenv.ts';
import { lab } from '../images/helpers.ts';

interface DoctorJson {
  format: number;
  passed: boolean;
  checks: CheckResult[];
}

describe('lab doctor on the test bed', () => {
  let dir: string;
  const env = () => ({ MVK_CONFIG: path.join(dir, 'no-config.yaml') });

  async function doctor(): Promise<{ code: number; report: DoctorJson }> {
    const run = await lab(['doctor', '--json'], env());
    return { code: run.code, report: JSON.parse(run.stdout) as DoctorJson };
  }

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-doctor-'));
  });
  after(async () => {
    await lab(['reset', '--yes'], env());
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes on a reset machine, with the checks the issue asks for', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    assert.equal((await lab(['reset', '--yes'], env())).code, 0);
    const { code, report } = await doctor();
    const failed = report.checks.filter((c) => c.status === 'fail');
    assert.deepEqual(failed, [], 'no check fails on the test bed');
    assert.equal(code, 0);
    assert.equal(report.passed, true);
    const ids = new Set(report.checks.map((c) => c.id));
    for (const id of [
      'platform',
      'root',
      'docker',
      'docker-api',
      'cgroup-driver',
      'sandbox',
      'cgroup-version',
      'swap',
      'machine-id',
      'tool-mount',
      'tool-iptables',
      'tool-conntrack',
      'other-kubernetes',
      'port-2379',
      'port-2380',
      'port-6443',
      'port-8080',
      'port-10248',
      'port-10250',
      'binaries',
      'images',
    ]) {
      assert.ok(ids.has(id), `check ${id} is reported`);
    }
    for (const id of ['platform', 'root', 'docker', 'docker-api', 'sandbox', 'binaries', 'images']) {
      assert.equal(report.checks.find((c) => c.id === id)!.status, 'pass', id);
    }
    const text = await lab(['doctor'], env());
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^PASS {2}Docker engine reachable: Docker /m);
  });

  it("still passes while the lab's own kubelet holds its ports", async (t) => {
    if (!needsRealEnv(t)) return;
    const apply = await lab(['apply', '1'], env());
    assert.equal(apply.code, 0, apply.stderr);
    const { code, report } = await doctor();
    assert.deepEqual(
      report.checks.filter((c) => c.status === 'fail'),
      [],
    );
    assert.equal(code, 0);
    const port = report.checks.find((c) => c.id === 'port-10250')!;
    assert.equal(port.status, 'pass');
    assert.match(port.detail, /held by this lab's kubelet/);
  });
});
