import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { loadVersions } from '../../src/core/versions.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { api, assertShows, waitForDiagnosis, writeRepoFile } from '../diagnosis/helpers.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { env, lab, labContainers, noLabKubelet, sleepMs, verifyJson } from './helpers.ts';

/**
 * The etcd backup step: apply from reset, every earlier step still passing; then its mistakes, made
 * one after the other on that cluster (one cluster for both: the apply from reset is the slow part);
 * last, reset leaving none of its files.
 */
const STEP = labSteps().find((s) => s.meta.slug === 'etcd-backup')!.number;
const image = loadVersions().images.etcd;
const VAR = env.varDir;
const etcdFile = () => readFileSync(path.join(env.podsDir, 'etcd.yaml'), 'utf8');
/** pods/etcd.yaml with its data hostPath moved to `dir` (kubelet replaces etcd). */
const pointEtcdAt = (dir: string) =>
  writeRepoFile('pods/etcd.yaml', etcdFile().replace(/path: \/var\/lib\/mvk-lab\/[^\n]*/, `path: ${dir}`));

async function etcdctl(dockerArgs: string[], ...args: string[]) {
  return execa('docker', ['run', '--rm', ...dockerArgs, image, 'etcdctl', ...args], { reject: false, timeout: 60_000 });
}

describe('the etcd backup step on the real machine', { timeout: 900_000 }, () => {
  resetMachineAfter(() => execa('docker', ['rm', '-f', 'mvk-test-snapshot'], { reject: false }));

  realMachineTest(
    'lab apply from reset restores etcd; every step passes; each mistake is named; reset removes the snapshot and the restored data',
    async (t) => {
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

      await t.test('a restore without restarting the apiserver: its cache is stale', async () => {
        const saved = await etcdctl(['--network', 'host', '-v', `${VAR}:${VAR}`], 'snapshot', 'save', `${VAR}/backup/second.db`);
        assert.equal(saved.exitCode, 0, saved.stderr);
        assert.equal(await api('DELETE', '/api/v1/namespaces/default/configmaps/precious'), 200);
        const restored = await etcdctl(
          ['-v', `${VAR}:${VAR}`],
          'snapshot',
          'restore',
          `${VAR}/backup/second.db`,
          `--data-dir=${VAR}/etcd-second`,
        );
        assert.equal(restored.exitCode, 0, restored.stderr);
        pointEtcdAt(`${VAR}/etcd-second`);
        const seen = await waitForDiagnosis(STEP, 'apiserver-stale-cache', { timeoutMs: 120_000 });
        assert.equal(seen.result.id, 'apiserver-cache');
        assertShows(seen.text, 'apiserver-stale-cache', [/watch cache/, /went back in time/, /docker stop/]);
      });

      await t.test('etcd back on its step 2 data: the restored data is named', async () => {
        pointEtcdAt(`${VAR}/etcd`);
        const seen = await waitForDiagnosis(STEP, 'etcd-restore-not-in-use', { timeoutMs: 120_000 });
        assert.equal(seen.result.id, 'etcd-restored');
        assertShows(seen.text, 'etcd-restore-not-in-use', [
          /etcd still runs on \/var\/lib\/mvk-lab\/etcd,/,
          /etcd-(restored|second)/,
          /hostPath/,
        ]);
      });

      await t.test('etcd pointed at a directory that does not exist: an empty cluster', async () => {
        pointEtcdAt(`${VAR}/etcd-restord`);
        const seen = await waitForDiagnosis(STEP, 'etcd-empty-data-dir', { timeoutMs: 120_000 });
        assertShows(seen.text, 'etcd-empty-data-dir', [/etcd-restord/, /new, empty store/, /Point the hostPath/]);
      });

      await t.test('a snapshot saved from a container without --network host never finishes', async () => {
        for (const name of readdirSync(`${VAR}/backup`)) rmSync(path.join(`${VAR}/backup`, name), { force: true });
        const started = await execa(
          'docker',
          [
            'run',
            '-d',
            '--name',
            'mvk-test-snapshot',
            '-v',
            `${VAR}:${VAR}`,
            image,
            'etcdctl',
            '--endpoints=http://127.0.0.1:2379',
            'snapshot',
            'save',
            `${VAR}/backup/snapshot.db`,
          ],
          { reject: false },
        );
        assert.equal(started.exitCode, 0, started.stderr);
        await sleepMs(5000);
        await execa('docker', ['rm', '-f', 'mvk-test-snapshot'], { reject: false });
        assert.deepEqual(readdirSync(`${VAR}/backup`), ['snapshot.db.part']);
        const seen = await waitForDiagnosis(STEP, 'etcd-snapshot-wrong-endpoint', { timeoutMs: 30_000 });
        assert.equal(seen.result.id, 'etcd-snapshot');
        assertShows(seen.text, 'etcd-snapshot-wrong-endpoint', [/snapshot\.db\.part/, /--network host/]);
      });

      const reset = await lab('reset', '--yes');
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(existsSync(env.varDir), false, `${env.varDir} (snapshot, restored data, old data) is gone`);
      assert.ok(await noLabKubelet(), 'no kubelet left');
      assert.deepEqual(await labContainers(), []);
    },
  );
});
