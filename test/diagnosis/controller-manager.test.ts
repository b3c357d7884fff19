import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { api, assertShows, env, fixture, lab, sleepMs, waitForDiagnosis, writeRepoFile } from './helpers.ts';

const LEASE = 'http://127.0.0.1:8080/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager';

async function leaseHolder(): Promise<string | undefined> {
  try {
    const response = await fetch(LEASE);
    const lease = (await response.json()) as { spec?: { holderIdentity?: string } };
    return response.status === 200 ? lease.spec?.holderIdentity : undefined;
  } catch {
    return undefined;
  }
}

/** A restarted controller manager is a new leader: it works once it holds the Lease under a new identity. */
async function newLeader(previous: string | undefined, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holder = await leaseHolder();
    if (holder && holder !== previous) return;
    if (Date.now() > deadline) throw new Error(`no new controller manager took the Lease within ${timeoutMs / 1000}s (holder ${holder})`);
    await sleepMs(1000);
  }
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** Step 8's mistakes, each made on a cluster that passed step 8 and put right before the next. */
describe('diagnoses for the controller manager (step 8)', { timeout: 900_000 }, () => {
  resetMachineAfter();

  realMachineTest('names each mistake of step 8', async (t) => {
    const applied = await lab('apply', '8');
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);

    await t.test('the controller manager without hostNetwork', async () => {
      writeRepoFile('pods/controller-manager.yaml', fixture('controller-manager.yaml').replace(/^\s*hostNetwork: true\n/m, ''));
      const seen = await waitForDiagnosis(8, 'controller-manager-not-host-network', { timeoutMs: 60_000 });
      t.diagnostic(`diagnosed after ${seen.waitedMs} ms`);
      assertShows(seen.text, 'controller-manager-not-host-network', [/does not set hostNetwork: true/, /127\.0\.0\.1:8080/]);
    });

    await t.test('no private key: the token controller is disabled', async () => {
      const holder = await leaseHolder();
      writeRepoFile(
        'pods/controller-manager.yaml',
        fixture('controller-manager.yaml').replace(/^\s*- --service-account-private-key-file=.*\n/m, ''),
      );
      // The old leader's Lease runs out first (15 s); only then does the new one make accounts.
      await newLeader(holder);
      assert.equal(await api('POST', '/api/v1/namespaces', namespace('keyless')), 201);
      const seen = await waitForDiagnosis(8, 'serviceaccount-token-controller-disabled', { timeoutMs: 60_000 });
      t.diagnostic(`diagnosed after ${seen.waitedMs} ms`);
      assertShows(seen.text, 'serviceaccount-token-controller-disabled', [
        /no --service-account-private-key-file/,
        /"serviceaccount-token" is disabled/,
        /keyless\/default/,
      ]);
      writeRepoFile('pods/controller-manager.yaml', fixture('controller-manager.yaml'));
      const back = await lab('apply', '8');
      assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    });

    await t.test('the apiserver checks tokens with a key that is not the pair of the signing key', async () => {
      const { publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      const other = path.join(env.varDir, 'pki', 'other.pub');
      writeFileSync(other, publicKey);
      writeRepoFile('pods/apiserver.yaml', fixture('apiserver-sa.yaml').replace('/pki/sa.pub', '/pki/other.pub'));
      const seen = await waitForDiagnosis(8, 'serviceaccount-key-mismatch', { timeoutMs: 120_000 });
      t.diagnostic(`diagnosed after ${seen.waitedMs} ms`);
      assertShows(seen.text, 'serviceaccount-key-mismatch', [/rejects tokens/, /other\.pub/, /cryptographic primitive/]);
      // apply 8 writes the lesson's file back and waits for kubelet to restart the apiserver with it.
      const back = await lab('apply', '8');
      rmSync(other);
      assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    });

    await t.test('a Deployment gets no pods while the controller manager is down', async () => {
      rmSync(path.join(env.repoRoot, 'pods', 'controller-manager.yaml'));
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'lonely', namespace: 'demo' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'lonely' } },
          template: {
            metadata: { labels: { app: 'lonely' } },
            spec: { containers: [{ name: 'nginx', image: env.versions.images.nginx }] },
          },
        },
      };
      // The controller manager counts as down once its Lease is 30 s old; waitForDiagnosis polls until then.
      assert.equal(await api('POST', '/apis/apps/v1/namespaces/demo/deployments', deployment), 201);
      const seen = await waitForDiagnosis(8, 'deployment-no-controller-manager', { timeoutMs: 90_000 });
      t.diagnostic(`diagnosed after ${seen.waitedMs} ms`);
      assertShows(seen.text, 'deployment-no-controller-manager', [/demo\/lonely/, /no ReplicaSet/, /deployment controller/]);
      const back = await lab('apply', '8');
      assert.equal(back.code, 0, `${back.stdout}\n${back.stderr}`);
    });
  });
});
