import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { DockerDriver } from '../../src/machine/docker.ts';
import { kubeletArgs, labKubelets } from '../../src/machine/kubelet.ts';
import { machineFacts } from '../../src/engine/machineFacts.ts';
import { portHolders } from '../../src/machine/ports.ts';
import { realMachineTest, resetMachineAfter, until } from '../helpers/realmachine.ts';
import { cleanShellEnv, env, lab, labPorts, sleepMs, verifyJson } from './helpers.ts';

type Result = {
  id: string;
  status: string;
  seen: string;
  note?: string;
  settling?: boolean;
  diagnosis?: { id: string; explanation: string };
};

/** `lab verify n --json` until `done` holds for its results; every report on the way goes to `each`. */
async function verifyUntil(
  step: number,
  done: (results: Result[]) => boolean,
  each: (results: Result[]) => void = () => {},
  timeoutMs = 180_000,
): Promise<Result[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const results = (await verifyJson(step)).results as Result[];
    each(results);
    if (done(results)) return results;
    if (Date.now() > deadline) assert.fail(`lab verify ${step} never got there:\n${JSON.stringify(results, null, 2)}`);
    await sleepMs(1000);
  }
}
const byId = (results: Result[], id: string) => results.find((r) => r.id === id)!;
const allPass = (results: Result[]) => results.every((r) => r.status === 'pass');

const etcdServer = (dataDir?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: etcd-server
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: ${env.versions.images.etcd}
    command: [etcd, --data-dir=/data, --listen-client-urls=http://127.0.0.1:2379, --advertise-client-urls=http://127.0.0.1:2379]
${dataDir ? `    volumeMounts:\n    - {name: data, mountPath: /data}\n  volumes:\n  - name: data\n    hostPath: {path: ${dataDir}, type: DirectoryOrCreate}\n` : ''}`;

describe('clusters built other ways than the lesson (issue 9)', { timeout: 1_200_000 }, () => {
  resetMachineAfter();

  realMachineTest(
    'another node name, another file and pod name for etcd: passes, then a true diagnosis when its data volume goes',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'mvk-etcd-data-'));
      try {
        const machine = await machineFacts(new DockerDriver());
        const args = kubeletArgs(env, machine, { kubeconfig: false }).map((arg) =>
          arg.startsWith('--hostname-override=') ? '--hostname-override=Node-A' : arg,
        );
        mkdirSync(env.podsDir, { recursive: true });
        const log = openSync(path.join(env.repoRoot, 'kubelet-node-a.log'), 'a');
        spawn(path.join(env.binDir, 'kubelet'), args, { cwd: env.repoRoot, detached: true, stdio: ['ignore', log, log] }).unref();
        closeSync(log);
        await until(() => labKubelets(env).length > 0, 10_000, 'kubelet to start');
        writeFileSync(
          path.join(env.podsDir, 'hello.yaml'),
          `apiVersion: v1\nkind: Pod\nmetadata: {name: hello}\nspec:\n  containers:\n  - {name: hello, image: ${env.versions.images.busybox}` +
            `, command: [echo, hello world!]}\n`,
        );
        const step1 = await verifyUntil(1, allPass);
        assert.match(byId(step1, 'hello-sandbox').seen, /hello-node-a/, 'kubelet lower-cases the name, and so does the lab');

        writeFileSync(path.join(env.podsDir, 'db.yaml'), etcdServer(dataDir));
        const step2 = await verifyUntil(2, allPass);
        assert.match(byId(step2, 'etcd-manifest').seen, /pods\/db\.yaml/);
        assert.match(byId(step2, 'etcd-data').note ?? '', new RegExp(dataDir));

        // Take the data volume away: while kubelet still runs the old pod, verify must not pass on it.
        writeFileSync(path.join(env.podsDir, 'db.yaml'), etcdServer());
        const failed = await verifyUntil(
          2,
          (results) => byId(results, 'etcd-data').diagnosis?.id === 'etcd-no-data-volume',
          (results) => {
            const data = byId(results, 'etcd-data');
            if (data.status === 'pass')
              assert.doesNotMatch(data.seen, new RegExp(dataDir), 'a stale pass on the previous version of the pod');
            if (data.status === 'fail' && data.diagnosis) assert.notEqual(data.diagnosis.id, 'unrecognised', JSON.stringify(data));
          },
        );
        assert.match(byId(failed, 'etcd-data').diagnosis!.explanation, /no hostPath volume is mounted there/);

        const reset = await lab('reset', '--yes');
        assert.equal(reset.code, 0, `${reset.stdout}\n${reset.stderr}`);
        const left = (await new DockerDriver().podContainers()).filter((c) => c.podName.endsWith('-node-a'));
        assert.deepEqual(
          left.map((c) => c.name),
          [],
        );
        assert.deepEqual(portHolders(labPorts), []);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  realMachineTest('a curl pod with restartPolicy Never that cannot connect is described as it is', async () => {
    const apply = await lab('apply', '6');
    assert.equal(apply.code, 0, apply.stderr);
    const kubectl = (args: string[], input?: string) =>
      execa(path.join(env.binDir, 'kubectl'), args, {
        cwd: env.repoRoot,
        env: cleanShellEnv(),
        extendEnv: false,
        input,
        reject: false,
        all: true,
      });
    const ip = (await kubectl(['get', 'pod', 'nginx', '-o', 'jsonpath={.status.podIP}'])).stdout.trim();
    assert.equal((await kubectl(['delete', 'pod', 'curl'])).exitCode, 0);
    const pod =
      `apiVersion: v1\nkind: Pod\nmetadata: {name: curl}\nspec:\n  nodeName: ${env.nodeName}\n  restartPolicy: Never\n  ` +
      `containers:\n  - {name: curl, image: ${env.versions.images.curl}, command: [curl, -sS, "http://${ip}:81/"]}\n`;
    assert.equal((await kubectl(['apply', '-f', '-'], pod)).exitCode, 0);
    const results = await verifyUntil(6, (r) => /exited with code 7/.test(byId(r, 'curl-completed').seen));
    const curl = byId(results, 'curl-completed');
    assert.equal(curl.status, 'fail');
    assert.doesNotMatch(
      `${curl.seen} ${curl.diagnosis?.explanation ?? ''}`,
      /keeps restarting|runs it again/,
      'kubelet restarts nothing with restartPolicy Never',
    );
    assert.equal(byId(results, 'curl-logs').status, 'skip');
  });
});
