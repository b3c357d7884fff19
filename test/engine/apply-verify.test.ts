import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { lab, verifyJson } from './helpers.ts';

/** For each step, from a reset machine: the probe that must fail first, and what it must say. */
const failsBefore: Record<number, { probe: string; seen: RegExp }[]> = {
  1: [
    { probe: 'kubelet-running', seen: /kubelet/ },
    { probe: 'hello-manifest', seen: /pods\/hello\.yaml does not exist/ },
  ],
  2: [{ probe: 'etcd-manifest', seen: /pods\/etcd\.yaml does not exist/ }],
  3: [{ probe: 'apiserver-manifest', seen: /pods\/apiserver\.yaml does not exist/ }],
  4: [
    { probe: 'kubeconfig-file', seen: /kubeconfig\.yaml does not exist/ },
    { probe: 'kubelet-kubeconfig', seen: /runs without --kubeconfig/ },
  ],
  5: [
    { probe: 'default-serviceaccount', seen: /does not exist \(404\)/ },
    { probe: 'pod-admitted', seen: /serviceaccount "default" not found/ },
  ],
  // Step 5 leaves nginx Pending, as its lesson does; step 6 binds it.
  6: [{ probe: 'nginx-pinned', seen: /spec\.nodeName is not set/ }],
  7: [{ probe: 'scheduler-manifest', seen: /pods\/scheduler\.yaml does not exist/ }],
  8: [{ probe: 'controller-manager-manifest', seen: /pods\/controller-manager\.yaml does not exist/ }],
  9: [{ probe: 'etcd-snapshot', seen: /no etcd snapshot under \/var\/lib\/mvk-lab/ }],
};
/** Every shipped step, so a new step cannot be left out of this test (it needs an entry above). */
const LAST = labSteps().length;

describe('lab apply, step by step, from a reset machine', { timeout: 900_000 }, () => {
  resetMachineAfter();

  realMachineTest('each step fails verify for its own reason, then passes after apply; then all of them pass', async (t) => {
    for (let step = 1; step <= LAST; step++) {
      const before = await verifyJson(step);
      assert.equal(before.code, 1, `verify ${step} should fail before apply`);
      assert.ok(failsBefore[step], `step ${step} has no entry in failsBefore`);
      for (const { probe, seen } of failsBefore[step]!) {
        const result = before.results.find((r) => r.id === probe);
        assert.equal(result?.status, 'fail', `step ${step}: ${probe} should fail before apply`);
        assert.match(result!.seen, seen, `step ${step}: ${probe} says why`);
        assert.ok(result!.cause, `step ${step}: ${probe} names a cause`);
      }

      const apply = await lab('apply', String(step));
      assert.equal(apply.code, 0, `apply ${step} failed:\n${apply.stdout}\n${apply.stderr}`);
      t.diagnostic(`apply ${step}: ${(apply.ms / 1000).toFixed(1)}s`);

      const after = await verifyJson(step);
      assert.equal(
        after.code,
        0,
        `verify ${step} after apply:\n${JSON.stringify(
          after.results.filter((r) => r.status !== 'pass'),
          null,
          2,
        )}`,
      );
    }

    const all = await lab('verify', '--all', '--json');
    assert.equal(all.code, 0, all.stdout);
    const report = JSON.parse(all.stdout) as { format: number; passed: boolean; steps: { step: number; passed: boolean }[] };
    assert.equal(report.format, 1);
    assert.deepEqual(
      report.steps.map((s) => [s.step, s.passed]),
      Array.from({ length: LAST }, (_, i) => [i + 1, true]),
    );

    const status = await lab('status');
    assert.equal(status.code, 0);
    assert.match(status.stdout, new RegExp(`PASS {2}${LAST}\\.`));
    assert.match(status.stdout, /kubelet: pid \d+ \(with --kubeconfig\)/);

    // apply of a step that passes does nothing and says so
    const again = await lab('apply', String(LAST));
    assert.equal(again.code, 0);
    assert.match(again.stdout, new RegExp(`step ${LAST} \\(.*\\) already passes`));
  });
});
