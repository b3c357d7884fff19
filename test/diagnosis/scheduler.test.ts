import assert from 'node:assert/strict';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { api, assertShows, env, fixture, lab, waitForDiagnosis, writeRepoFile } from './helpers.ts';

const web = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: { ...spec, containers: [{ name: 'web', image: env.versions.images.nginx }] },
});

/** kubectl against the lab's apiserver (a patch needs its content types; kubectl knows them). */
async function kubectl(...args: string[]): Promise<void> {
  const run = await execa(path.join(env.binDir, 'kubectl'), ['-s', env.apiserverUrl, ...args], { reject: false });
  assert.equal(run.exitCode, 0, `kubectl ${args.join(' ')}: ${run.stderr}`);
}

/** Step 7 on the real test bed: each mistake a student makes with the scheduler, and what verify says. */
describe('diagnoses for the scheduler (step 7)', { timeout: 900_000 }, () => {
  resetMachineAfter();

  realMachineTest('names each mistake of step 7', async (t) => {
    const applied = await lab('apply', '7');
    assert.equal(applied.code, 0, applied.stderr);

    await t.test('the node tainted not-ready again: the scheduler places nothing, and the fix lifts the taint', async () => {
      await kubectl('taint', 'node', env.nodeName, 'node.kubernetes.io/not-ready:NoSchedule');
      const seen = await waitForDiagnosis(7, 'node-tainted', { timeoutMs: 15_000 });
      assert.equal(seen.result.id, 'node-schedulable');
      assertShows(seen.text, 'node-tainted', [
        /node lifecycle controller/,
        /taint node mvk-node node\.kubernetes\.io\/not-ready:NoSchedule-/,
      ]);
    });

    await t.test("the pod web waits on the taint: the scheduler's own FailedScheduling message is shown", async () => {
      await api('DELETE', '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0');
      assert.equal(await api('POST', '/api/v1/namespaces/default/pods', web()), 201);
      const seen = await waitForDiagnosis(7, 'node-tainted', {
        timeoutMs: 30_000,
        showing: /had taint \{node\.kubernetes\.io\/not-ready: \}/,
      });
      assert.equal(seen.result.id, 'pod-scheduled');
    });

    await t.test('lifting the taint lets the scheduler place web by itself', async () => {
      await kubectl('taint', 'node', env.nodeName, 'node.kubernetes.io/not-ready:NoSchedule-');
      const verify = await lab('verify', '7');
      const deadline = Date.now() + 60_000;
      let last = verify;
      while (last.code !== 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        last = await lab('verify', '7');
      }
      assert.equal(last.code, 0, last.stdout);
      assert.match(last.stdout, /default-scheduler placed default\/web on mvk-node/);
    });

    await t.test('a pod asking for a scheduler that does not run waits with no events', async () => {
      await api('DELETE', '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0');
      assert.equal(await api('POST', '/api/v1/namespaces/default/pods', web({ schedulerName: 'my-scheduler' })), 201);
      const seen = await waitForDiagnosis(7, 'pod-other-scheduler', { timeoutMs: 30_000 });
      assertShows(seen.text, 'pod-other-scheduler', [/schedulerName "my-scheduler"/, /without schedulerName/]);
      await api('DELETE', '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0');
    });

    await t.test('the scheduler pointed at the wrong address holds no Lease', async () => {
      writeRepoFile(
        'pods/scheduler.yaml',
        fixture('scheduler.yaml').replace('--master=http://127.0.0.1:8080', '--master=http://127.0.0.1:8081'),
      );
      // The Lease the lesson's scheduler renewed stays fresh for half a minute after it stops.
      const seen = await waitForDiagnosis(7, 'control-plane-wrong-apiserver', { timeoutMs: 120_000 });
      // Either probe about the scheduler may carry it first: web is gone, so no pod is scheduled either.
      assert.ok(['scheduler-active', 'pod-scheduled'].includes(seen.result.id), seen.result.id);
      assertShows(seen.text, 'control-plane-wrong-apiserver', [
        /--master=http:\/\/127\.0\.0\.1:8081/,
        /--master=http:\/\/127\.0\.0\.1:8080/,
      ]);
    });

    await t.test('the scheduler without hostNetwork cannot reach the apiserver on the host', async () => {
      writeRepoFile('pods/scheduler.yaml', fixture('scheduler.yaml').replace(/^\s*hostNetwork: true\n/m, ''));
      const seen = await waitForDiagnosis(7, 'scheduler-not-host-network', { timeoutMs: 120_000 });
      assertShows(seen.text, 'scheduler-not-host-network', [/does not set hostNetwork: true/, /its own loopback/]);
    });

    await t.test('the lesson’s file brings it all back: lab apply 7 passes again', async () => {
      writeRepoFile('pods/scheduler.yaml', fixture('scheduler.yaml'));
      const again = await lab('apply', '7');
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    });
  });
});
