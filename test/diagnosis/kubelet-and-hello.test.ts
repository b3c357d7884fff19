import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { stopLabKubelets } from '../../src/machine/kubelet.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { assertShows, env, fixture, lab, removePodContainers, restartKubeletWith, waitForDiagnosis, writeRepoFile } from './helpers.ts';

/**
 * Step 1's mistakes on the real test bed, one after the other on one cluster. Nothing here talks to
 * anything but 127.0.0.1: the "unreachable registry" is 127.0.0.1:5999, where nothing listens.
 */
const DEAD_REGISTRY = '127.0.0.1:5999';
const LOCAL_LATEST = `${DEAD_REGISTRY}/busybox:latest`;

describe('diagnoses for kubelet and the hello pod (step 1)', { timeout: 480_000 }, () => {
  resetMachineAfter(() => execa('docker', ['rmi', LOCAL_LATEST], { reject: false }));

  realMachineTest('names each step-1 mistake in lab verify 1', async (t) => {
    await t.test('15: kubelet not running at all', async () => {
      const seen = await waitForDiagnosis(1, 'kubelet-not-running', { timeoutMs: 10_000 });
      assert.equal(seen.result.id, 'kubelet-running');
      assertShows(seen.text, 'kubelet-not-running', [
        /No kubelet runs for this repo's pods\/ directory/,
        /Start kubelet with the lesson's command/,
      ]);
    });

    await t.test('2: pause image pointed at an unreachable registry', async () => {
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml'));
      await restartKubeletWith({ kubeconfig: false, pauseImage: `${DEAD_REGISTRY}/pause:3.2` });
      const seen = await waitForDiagnosis(1, 'pause-image-unavailable', { timeoutMs: 30_000 });
      assert.equal(seen.result.id, 'hello-sandbox');
      assertShows(seen.text, 'pause-image-unavailable', [
        /127\.0\.0\.1:5999\/pause:3\.2/,
        /sandbox/,
        /--pod-infra-container-image=registry\.k8s\.io\/pause:3\.2/,
      ]);
      await stopLabKubelets(env);
    });

    await t.test('the engine brings step 1 up', async () => {
      const applied = await lab('apply', '1');
      assert.equal(applied.code, 0, applied.stderr);
    });

    await t.test('15: Docker not answering (a dead socket via MVK_DOCKER_SOCKET; the real engine keeps running)', async () => {
      const seen = await waitForDiagnosis(1, 'docker-down', { timeoutMs: 10_000, env: { MVK_DOCKER_SOCKET: '/tmp/mvk-dead-docker.sock' } });
      assertShows(seen.text, 'docker-down', [/Docker does not answer at \/tmp\/mvk-dead-docker\.sock/, /systemctl start docker/]);
    });

    await t.test('YAML with a tab is shown with file, line and column', async () => {
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml').replace('  name: hello', '\tname: hello'));
      const seen = await waitForDiagnosis(1, 'manifest-invalid', { timeoutMs: 10_000 });
      assert.equal(seen.result.id, 'hello-manifest');
      assertShows(seen.text, 'manifest-invalid', [/pods\/hello\.yaml:4:1: a tab/, /spaces/]);
    });

    await t.test('14: hello exits and restarts: expected, the output is what differs', async () => {
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml').replace('"hello world!"', '"hi from the lab"'));
      // Containers of the earlier hello pod still hold "hello world!"; remove them so only the new pod counts.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await removePodContainers(`hello-${env.nodeName}`);
      const seen = await waitForDiagnosis(1, 'container-exits-by-design', { timeoutMs: 60_000 });
      assert.equal(seen.result.id, 'hello-logs');
      assertShows(seen.text, 'container-exits-by-design', [
        /exited with code 0/,
        /restartPolicy defaults to Always/,
        /"hi from the lab"/,
        /"hello world!"/,
      ]);
    });

    await t.test('a command the image does not have: Docker never starts the container', async () => {
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml').replace('["echo"', '["ehco"'));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await removePodContainers(`hello-${env.nodeName}`);
      const seen = await waitForDiagnosis(1, 'container-cannot-start', { timeoutMs: 60_000, showing: /"ehco"/ });
      assertShows(seen.text, 'container-cannot-start', [/"ehco"/, /does not exist in the image/, /which ehco/]);
    });

    await t.test('1: untagged image, pulled every time even though it is on the machine', async () => {
      await execa('docker', ['tag', env.versions.images.busybox, LOCAL_LATEST]);
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml').replace(env.versions.images.busybox, `${DEAD_REGISTRY}/busybox`));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await removePodContainers(`hello-${env.nodeName}`);
      const seen = await waitForDiagnosis(1, 'image-not-pinned', { timeoutMs: 60_000 });
      assertShows(seen.text, 'image-not-pinned', [
        /"127\.0\.0\.1:5999\/busybox" with no tag/,
        /imagePullPolicy is Always/,
        /busybox:1\.35/,
      ]);
    });

    await t.test('a pinned image that is not on the machine and cannot be pulled', async () => {
      // Pinned, so kubelet pulls only because it is missing; the dead registry answers at once, offline.
      writeRepoFile('pods/hello.yaml', fixture('hello.yaml').replace(env.versions.images.busybox, `${DEAD_REGISTRY}/busybox:1.35`));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await removePodContainers(`hello-${env.nodeName}`);
      const seen = await waitForDiagnosis(1, 'image-missing', { timeoutMs: 60_000 });
      assertShows(seen.text, 'image-missing', [/127\.0\.0\.1:5999\/busybox:1\.35, which is not on this machine/, /docker images/]);
    });

    rmSync(path.join(env.podsDir, 'hello.yaml'), { force: true });
  });
});
