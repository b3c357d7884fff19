import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { DockerDriver } from '../../src/machine/docker.ts';
import { labKubelets } from '../../src/machine/kubelet.ts';
import { machineFacts } from '../../src/engine/machineFacts.ts';
import { realMachineTest, resetMachineAfter, until, withSquatter } from '../helpers/realmachine.ts';
import { assertShows, env, fixture, lab, restartKubeletWith, waitForDiagnosis, writeRepoFile } from './helpers.ts';

/**
 * Mistake 12 beyond etcd (its 2379 case is in etcd.test.ts): something else holds the port of kubelet
 * or of the apiserver when it starts. The squatter is python3's http.server, on the very address the
 * component binds, and is stopped whatever happens.
 */
describe('diagnoses for a port that something else holds (kubelet 10250, apiserver 8080)', { timeout: 480_000 }, () => {
  resetMachineAfter();

  realMachineTest('names who holds the port in lab verify', async (t) => {
    await t.test('something holds 10250 on the node IP when kubelet starts (step 1)', async () => {
      // kubelet serves its API on --address, the docker0 address (kubeletArgs), not on 127.0.0.1.
      const { nodeIp } = await machineFacts(new DockerDriver());
      await withSquatter(10250, nodeIp, async (squatter) => {
        writeRepoFile('pods/hello.yaml', fixture('hello.yaml'));
        // Started by hand as the student would: `lab apply 1` refuses to start kubelet on a taken port.
        const pid = await restartKubeletWith({ kubeconfig: false });
        await until(() => !labKubelets(env).some((k) => k.pid === pid), 30_000, 'kubelet to stop on the taken port');
        const seen = await waitForDiagnosis(1, 'port-busy', { timeoutMs: 30_000 });
        assert.equal(seen.result.id, 'kubelet-running');
        const address = nodeIp.replace(/\./g, '\\.');
        assertShows(seen.text, 'port-busy', [
          new RegExp(`python3 \\(pid ${squatter.pid}\\) already listens on ${address}:10250, the port kubelet needs`),
          new RegExp(
            `stops right after it starts, with "address already in use" \\(\\.lab/kubelet\\.log: listen tcp ${address}:10250: bind: ` +
              `address already in use\\)`,
          ),
          new RegExp(`kill ${squatter.pid}`),
          /start kubelet again/,
        ]);
      });
    });

    await t.test('with the port free again, the engine brings step 2 up', async () => {
      const up = await lab('apply', '2');
      assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    });

    await t.test('something holds 127.0.0.1:8080 when the apiserver starts (step 3)', async () => {
      await withSquatter(8080, '127.0.0.1', async (squatter) => {
        writeRepoFile('pods/apiserver.yaml', fixture('apiserver.yaml'));
        const seen = await waitForDiagnosis(3, 'port-busy', { timeoutMs: 90_000 });
        assertShows(seen.text, 'port-busy', [
          new RegExp(`python3 \\(pid ${squatter.pid}\\) already listens on 127\\.0\\.0\\.1:8080, the port apiserver needs`),
          /address already in use/,
          /whatever answers on 8080 now is not apiserver/,
          new RegExp(`kill ${squatter.pid}`),
        ]);
      });
    });

    await t.test('once the squatter is gone, kubelet starts the same apiserver again and step 3 passes', async () => {
      const up = await lab('apply', '3');
      assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    });
  });
});
