import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { api, assertShows, fixture, waitForDiagnosis, writeRepoFile } from '../diagnosis/helpers.ts';
import { env, failingThrough, lab, sleepMs, verifyJson } from './helpers.ts';

const API = 'http://127.0.0.1:8080';

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${API}${path}`);
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

async function send(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${API}${path}`, {
    method,
    body: body ? JSON.stringify(body) : undefined,
    headers: body ? { 'content-type': 'application/json' } : undefined,
  });
  await response.text();
  return response.status;
}

async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleepMs(1000);
  }
}

const sitePods = async (): Promise<{ name: string; phase: string; deleting: boolean }[]> =>
  ((await getJson('/api/v1/namespaces/demo/pods?labelSelector=app%3Dsite')).body.items ?? []).map((p: any) => ({
    name: p.metadata.name,
    phase: p.status?.phase,
    deleting: Boolean(p.metadata.deletionTimestamp),
  }));

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

/**
 * Step 8 on the real machine: what the controllers do by themselves, then each mistake of the step
 * made on that cluster and put right before the next (one cluster for both: an apply from step 7 is
 * the slow part), and last, that reset takes the keys along.
 */
describe('step 8: kube-controller-manager', { timeout: 1_200_000 }, () => {
  resetMachineAfter();

  realMachineTest(
    'fails after step 7, passes after apply 8 with every step before it, its controllers do their work, and its mistakes are named',
    async (t) => {
      const seven = await lab('apply', '7');
      assert.equal(seven.code, 0, `apply 7:\n${seven.stdout}\n${seven.stderr}`);
      const before = await verifyJson(8);
      assert.equal(before.code, 1, 'verify 8 fails before step 8');
      const noAccounts = before.results.find((r) => r.id === 'default-serviceaccounts');
      assert.equal(noAccounts?.status, 'fail');
      assert.match(noAccounts!.seen, /no ServiceAccount default in .*kube-system/);

      const apply = await lab('apply', '8');
      assert.equal(apply.code, 0, `apply 8:\n${apply.stdout}\n${apply.stderr}`);
      t.diagnostic(`apply 8 after 7: ${(apply.ms / 1000).toFixed(1)}s`);
      const after = await verifyJson(8);
      assert.equal(
        after.code,
        0,
        JSON.stringify(
          after.results.filter((r) => r.status !== 'pass'),
          null,
          2,
        ),
      );
      assert.deepEqual(await failingThrough(8), [], 'every step through 8 passes');

      await t.test('the signing key is under the lab directory, readable by root only', () => {
        assert.equal(statSync(`${env.varDir}/pki/sa.key`).mode & 0o777, 0o600);
        assert.ok(existsSync(`${env.varDir}/pki/sa.pub`));
        assert.ok(existsSync(`${env.varDir}/pki/apiserver.crt`), 'the apiserver keeps its certificate in --cert-dir');
      });

      await t.test('a new namespace gets its ServiceAccount default and a token Secret by itself', async () => {
        assert.equal(await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } }), 201);
        const started = Date.now();
        const secret = await eventually('a token for fresh/default', 60_000, async () => {
          const sa = await getJson('/api/v1/namespaces/fresh/serviceaccounts/default');
          return sa.status === 200 && sa.body.secrets?.[0]?.name ? (sa.body.secrets[0].name as string) : undefined;
        });
        t.diagnostic(`ServiceAccount fresh/default with token ${secret} after ${Date.now() - started} ms`);
        const token = await getJson(`/api/v1/namespaces/fresh/secrets/${secret}`);
        assert.equal(token.body.type, 'kubernetes.io/service-account-token');
        assert.deepEqual(Object.keys(token.body.data).sort(), ['ca.crt', 'namespace', 'token']);
      });

      await t.test("deleting one of the Deployment's pods brings a replacement", async () => {
        const pods = await sitePods();
        assert.equal(pods.filter((p) => p.phase === 'Running').length, 2, JSON.stringify(pods));
        const victim = pods[0]!.name;
        assert.equal(await send('DELETE', `/api/v1/namespaces/demo/pods/${victim}`), 200);
        const started = Date.now();
        const replaced = await eventually('a replacement pod', 90_000, async () => {
          const now = await sitePods();
          const running = now.filter((p) => p.phase === 'Running' && !p.deleting && p.name !== victim);
          return running.length === 2 ? running.map((p) => p.name) : undefined;
        });
        t.diagnostic(`${victim} replaced; running ${replaced.join(', ')} after ${Date.now() - started} ms`);
      });

      await t.test('the pod api-reader read the API over HTTPS with its token and ca.crt', async () => {
        const log = await (await fetch(`${API}/api/v1/namespaces/demo/pods/api-reader/log`)).text();
        assert.match(log, /"kind": "PodList"/);
      });

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
      await t.test('reset removes the keys and the certificate with the lab directory', async () => {
        const reset = await lab('reset', '--yes');
        assert.equal(reset.code, 0, reset.stderr);
        assert.ok(!existsSync(`${env.varDir}/pki`), `${env.varDir}/pki is gone`);
      });
    },
  );
  // `lab apply` of every step at once from a reset machine is proven by test/engine/etcd-backup.test.ts (the last step).
});
