import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { labSteps } from '../../src/engine/steps.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { env, lab, labContainers, noLabKubelet, verifyJson } from './helpers.ts';

/** The etcd backup step: apply from reset, every earlier step still passing, and reset leaving none of its files. */
const STEP = labSteps().find((s) => s.meta.slug === 'etcd-backup')!.number;

describe('the etcd backup step on the real machine', { timeout: 600_000 }, () => {
  resetMachineAfter();

  realMachineTest('lab apply from reset restores etcd; every step passes; reset removes the snapshot and the restored data', async (t) => {
    const before = await verifyJson(STEP);
    assert.equal(before.code, 1, `verify ${STEP} fails on a reset machine`);

    const apply = await lab('apply', String(STEP));
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    t.diagnostic(`apply ${STEP} from reset: ${(apply.ms / 1000).toFixed(1)}s`);
    assert.match(apply.stdout, /snapshot save/);
    assert.match(apply.stdout, /snapshot restore/);

    const after = await verifyJson(STEP);
    assert.equal(
      after.code,
      0,
      JSON.stringify(
        after.results.filter((r) => r.status !== 'pass'),
        null,
        2,
      ),
    );
    const all = await lab('verify', '--all');
    assert.equal(all.code, 0, all.stdout);

    const snapshot = path.join(env.varDir, 'backup', 'snapshot.db');
    const restored = path.join(env.varDir, 'etcd-restored', 'member', 'snap', 'db');
    assert.ok(existsSync(snapshot) && existsSync(restored), 'the snapshot and the restored data are under the lab directory');

    // Done is done: a second apply restores nothing again.
    const again = await lab('apply', String(STEP));
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /snapshot restore/);
    t.diagnostic(`apply ${STEP} again: ${(again.ms / 1000).toFixed(1)}s`);

    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(existsSync(env.varDir), false, `${env.varDir} (snapshot, restored data, old data) is gone`);
    assert.ok(await noLabKubelet(), 'no kubelet left');
    assert.deepEqual(await labContainers(), []);
  });
});
