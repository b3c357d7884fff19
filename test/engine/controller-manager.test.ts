import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
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

/** Step 8's outcomes on the real machine: what the controllers do by themselves, and that reset takes the keys along. */
describe('step 8: kube-controller-manager', { timeout: 900_000 }, () => {
  resetMachineAfter();

  realMachineTest('fails after step 7, passes after apply 8 with every step before it, and its controllers do their work', async (t) => {
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

    await t.test('reset removes the keys and the certificate with the lab directory', async () => {
      const reset = await lab('reset', '--yes');
      assert.equal(reset.code, 0, reset.stderr);
      assert.ok(!existsSync(`${env.varDir}/pki`), `${env.varDir}/pki is gone`);
    });
  });
  // `lab apply` of every step at once from a reset machine is proven by test/engine/etcd-backup.test.ts (the last step).
});
