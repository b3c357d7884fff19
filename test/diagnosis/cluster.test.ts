import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { api, assertShows, env, fixture, lab, restartKubeletWith, waitForDiagnosis, writeRepoFile } from './helpers.ts';

const nginx = (spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'nginx', namespace: 'default' },
  spec: { ...spec, containers: [{ name: 'nginx', image: env.versions.images.nginx }] },
});

/** Steps 3 to 6: the apiserver, kubelet joining, admission and pinning, on one cluster brought up once. */
describe('diagnoses for the apiserver, kubelet joining, admission and pinning (steps 3-6)', { timeout: 600_000 }, () => {
  resetMachineAfter();

  realMachineTest('names each mistake of steps 3 to 6', async (t) => {
    const applied = await lab('apply', '3');
    assert.equal(applied.code, 0, applied.stderr);

    await t.test('5: apiserver with --etcd-servers on the wrong port', async () => {
      writeRepoFile(
        'pods/apiserver.yaml',
        fixture('apiserver.yaml').replace('--etcd-servers=http://127.0.0.1:2379', '--etcd-servers=http://127.0.0.1:2378'),
      );
      const seen = await waitForDiagnosis(3, 'apiserver-etcd-url', { timeoutMs: 90_000 });
      assertShows(seen.text, 'apiserver-etcd-url', [
        /--etcd-servers=http:\/\/127\.0\.0\.1:2378 points at port 2378/,
        /--etcd-servers=http:\/\/127\.0\.0\.1:2379/,
      ]);
      writeRepoFile('pods/apiserver.yaml', fixture('apiserver.yaml'));
    });

    await t.test('the apiserver without hostNetwork cannot reach etcd on the host', async () => {
      writeRepoFile('pods/apiserver.yaml', fixture('apiserver.yaml').replace(/^\s*hostNetwork: true\n/m, ''));
      const seen = await waitForDiagnosis(3, 'apiserver-not-host-network', { timeoutMs: 90_000 });
      assertShows(seen.text, 'apiserver-not-host-network', [/does not set hostNetwork: true/, /cannot reach etcd on 127\.0\.0\.1:2379/]);
      writeRepoFile('pods/apiserver.yaml', fixture('apiserver.yaml'));
    });

    await t.test('the engine brings step 4 up (it waits for the apiserver to come back)', async () => {
      const up = await lab('apply', '4');
      assert.equal(up.code, 0, up.stderr);
    });

    await t.test('6: kubelet restarted without --kubeconfig', async () => {
      await restartKubeletWith({ kubeconfig: false });
      const seen = await waitForDiagnosis(4, 'kubelet-without-kubeconfig', { timeoutMs: 15_000 });
      assert.equal(seen.result.id, 'kubelet-kubeconfig');
      assertShows(seen.text, 'kubelet-without-kubeconfig', [/without --kubeconfig/, /registers no Node/, /mirror pods/]);
    });

    await t.test('7: kubeconfig pointing at https', async () => {
      writeRepoFile('kubeconfig.yaml', fixture('kubeconfig.yaml').replace('http://127.0.0.1:8080', 'https://127.0.0.1:8080'));
      const seen = await waitForDiagnosis(4, 'kubeconfig-wrong-server', { timeoutMs: 10_000 });
      assert.equal(seen.result.id, 'kubeconfig-file');
      assertShows(seen.text, 'kubeconfig-wrong-server', [
        /https:\/\/127\.0\.0\.1:8080/,
        /TLS handshake/,
        /server: http:\/\/127\.0\.0\.1:8080/,
      ]);
      writeRepoFile('kubeconfig.yaml', fixture('kubeconfig.yaml'));
    });

    await t.test('the engine brings step 5 up', async () => {
      const up = await lab('apply', '5');
      assert.equal(up.code, 0, up.stderr);
    });

    await t.test('8: pods created before the ServiceAccount exists', async () => {
      assert.equal(await api('DELETE', '/api/v1/namespaces/default/serviceaccounts/default'), 200);
      const seen = await waitForDiagnosis(5, 'serviceaccount-missing', { timeoutMs: 10_000 });
      assertShows(seen.text, 'serviceaccount-missing', [
        /serviceaccount "default" not found/,
        /kube-controller-manager/,
        /automountServiceAccountToken: false/,
      ]);
    });

    await t.test('9: a ServiceAccount without automountServiceAccountToken: false', async () => {
      assert.equal(
        await api('POST', '/api/v1/namespaces/default/serviceaccounts', {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'default', namespace: 'default' },
        }),
        201,
      );
      const seen = await waitForDiagnosis(5, 'serviceaccount-token-automount', { timeoutMs: 10_000 });
      assertShows(seen.text, 'serviceaccount-token-automount', [
        /No API token found/,
        /token controller/,
        /automountServiceAccountToken: false/,
      ]);
    });

    await t.test('the engine brings step 6 up', async () => {
      const up = await lab('apply', '6');
      assert.equal(up.code, 0, up.stderr);
    });

    await t.test('10: a pod without nodeName waits for a scheduler that does not exist', async () => {
      await api('DELETE', '/api/v1/namespaces/default/pods/nginx?gracePeriodSeconds=0');
      assert.equal(await api('POST', '/api/v1/namespaces/default/pods', nginx({})), 201);
      const seen = await waitForDiagnosis(6, 'pod-pending-no-scheduler', { timeoutMs: 10_000 });
      assert.equal(seen.result.id, 'nginx-pinned');
      assertShows(seen.text, 'pod-pending-no-scheduler', [
        /Pod nginx has no spec\.nodeName/,
        /kube-scheduler/,
        /Pending forever/,
        /nodeName: mvk-node/,
      ]);
    });

    await t.test("11: nodeName that is not the node (the seed article's mink8s)", async () => {
      await api('DELETE', '/api/v1/namespaces/default/pods/nginx?gracePeriodSeconds=0');
      assert.equal(await api('POST', '/api/v1/namespaces/default/pods', nginx({ nodeName: 'mink8s' })), 201);
      const seen = await waitForDiagnosis(6, 'node-name-mismatch', { timeoutMs: 10_000 });
      assertShows(seen.text, 'node-name-mismatch', [
        /bound to node "mink8s"/,
        /runs as node "mvk-node" and no Node "mink8s" is registered/,
        /nodeName: mvk-node/,
      ]);
    });
  });
});
