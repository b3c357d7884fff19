import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { portHolders } from '../../src/machine/ports.ts';
import { realMachineTest, resetMachineAfter, until, withSquatter } from '../helpers/realmachine.ts';
import { assertShows, env, fixture, lab, waitForDiagnosis, writeRepoFile } from './helpers.ts';

/** Step 2's mistakes on one etcd, injected and reverted in turn. */
describe('diagnoses for etcd (step 2)', { timeout: 480_000 }, () => {
  resetMachineAfter();

  realMachineTest('names each etcd mistake in lab verify 2', async (t) => {
    const applied = await lab('apply', '2');
    assert.equal(applied.code, 0, applied.stderr);
    const etcd = fixture('etcd.yaml');

    await t.test('hostnetwork misspelt: an unknown field kubelet ignores, with its position', async () => {
      writeRepoFile('pods/etcd.yaml', etcd.replace('hostNetwork: true', 'hostnetwork: true'));
      const seen = await waitForDiagnosis(2, 'manifest-unknown-field', { timeoutMs: 10_000 });
      assert.equal(seen.result.id, 'etcd-manifest');
      assertShows(seen.text, 'manifest-unknown-field', [
        /pods\/etcd\.yaml:7:3: spec\.hostnetwork is not a Pod field \(did you mean hostNetwork\?\)/,
        /ignores it without a word|without any error/,
      ]);
    });

    await t.test('3: etcd without hostNetwork', async () => {
      writeRepoFile('pods/etcd.yaml', etcd.replace('  hostNetwork: true\n', ''));
      const seen = await waitForDiagnosis(2, 'etcd-not-host-network', { timeoutMs: 10_000 });
      assertShows(seen.text, 'etcd-not-host-network', [/network namespace of its own/, /127\.0\.0\.1:2379/, /hostNetwork: true/]);
    });

    await t.test('4: etcd without the hostPath volume', async () => {
      const noVolume = etcd.replace(/ {4}volumeMounts:\n(.*\n){2}/, '').replace(/ {2}volumes:\n(.*\n)*$/, '');
      assert.ok(!noVolume.includes('hostPath'), noVolume);
      writeRepoFile('pods/etcd.yaml', noVolume);
      rmSync(env.etcdDataDir, { recursive: true, force: true });
      const seen = await waitForDiagnosis(2, 'etcd-no-data-volume', { timeoutMs: 60_000 });
      assertShows(seen.text, 'etcd-no-data-volume', [/--data-dir=\/var\/lib\/etcd/, /lost/, /hostPath/]);
    });

    await t.test('13: a second file with the same pod name', async () => {
      writeRepoFile('pods/etcd.yaml', etcd);
      // A backup the student kept of an earlier, broken version: written last and sorting last, it is the one kubelet keeps.
      writeRepoFile('pods/etcd.yaml.bak', etcd.replace('  hostNetwork: true\n', ''));
      const seen = await waitForDiagnosis(2, 'duplicate-pod-name', { timeoutMs: 90_000 });
      assertShows(seen.text, 'duplicate-pod-name', [
        /pods\/etcd\.yaml and pods\/etcd\.yaml\.bak both define the pod kube-system\/etcd/,
        /drops the other without a word/,
        /move the copy you do not want out of pods\//,
      ]);
      rmSync(path.join(env.podsDir, 'etcd.yaml.bak'), { force: true });
    });

    await t.test('a misspelt etcd flag: the container exits, its error line is shown', async () => {
      writeRepoFile('pods/etcd.yaml', etcd.replace('--listen-client-urls=', '--listen-client-url='));
      const seen = await waitForDiagnosis(2, 'container-crashes', { timeoutMs: 60_000 });
      assertShows(seen.text, 'container-crashes', [
        /Container etcd exits with code \d+/,
        /listen-client-url/,
        /docker logs k8s_etcd_etcd-mvk-node/,
      ]);
    });

    await t.test('12: something else holds 127.0.0.1:2379', async () => {
      rmSync(path.join(env.podsDir, 'etcd.yaml'), { force: true });
      await until(() => portHolders([2379]).length === 0, 60_000, 'etcd to free port 2379');
      await withSquatter(2379, '127.0.0.1', async (squatter) => {
        writeRepoFile('pods/etcd.yaml', etcd);
        const seen = await waitForDiagnosis(2, 'port-busy', { timeoutMs: 60_000 });
        assertShows(seen.text, 'port-busy', [
          new RegExp(`python3 \\(pid ${squatter.pid}\\) already listens on 127\\.0\\.0\\.1:2379`),
          /address already in use/,
          new RegExp(`kill ${squatter.pid}`),
        ]);
      });
    });
  });
});
