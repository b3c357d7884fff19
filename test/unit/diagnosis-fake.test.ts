import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { contentSchemas } from '../../src/content/schema.ts';
import { labEnv } from '../../src/core/context.ts';
import { diagnose } from '../../src/engine/diagnosis/index.ts';
import { registerDiagnoser } from '../../src/engine/probes/diagnosis.ts';
import { runProbe } from '../../src/engine/runner.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { fakeMachine, podContainer, processInfo, type FakeMachineSetup } from '../helpers/fakeMachine.ts';

/**
 * A failed probe's diagnosis with its evidence gathered from a fake machine: gathering (the seam) and
 * matching together, where diagnosis-matchers.test.ts feeds the matchers recorded evidence directly.
 */
function scene(setup: (env: ReturnType<typeof labEnv>) => FakeMachineSetup) {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-diagnose-'));
  mkdirSync(path.join(root, 'pods'));
  const env = labEnv({ repoRoot: root });
  const busybox = env.versions.images.busybox;
  writeFileSync(
    path.join(env.podsDir, 'hello.yaml'),
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: ${busybox}\n    ` +
      `command: ["ecko", "hello"]\n`,
  );
  const machine = fakeMachine(setup(env));
  return { env, machine, ctx: { env, vars: templateVars(env), machine, step: 1, memo: new Map() } };
}

const helloRunning = contentSchemas().probeSpecSchema.parse({
  id: 'hello-running',
  title: 'hello runs',
  kind: 'container',
  pod: 'hello-{{nodeName}}',
  namespace: 'default',
  container: 'hello',
  state: 'running',
  cause: 'c',
  hint: 'h',
});
// A pid no process has: its log's whereabouts are then unknown, as for a kubelet started elsewhere.
const KUBELET_PID = 2 ** 22 + 7;

describe('diagnosis through the fake machine', () => {
  afterEach(() => registerDiagnoser(undefined));

  it("a command the image lacks: Docker's start error becomes container-cannot-start", async () => {
    const { ctx } = scene((env) => {
      const hello = podContainer({
        podName: 'hello-mvk-node',
        podNamespace: 'default',
        containerName: 'hello',
        state: 'created',
        status: 'Created',
        image: env.versions.images.busybox,
      });
      return {
        processes: [
          processInfo(KUBELET_PID, [
            'kubelet',
            `--pod-manifest-path=${env.podsDir}`,
            `--pod-infra-container-image=${env.versions.images.pause}`,
          ]),
        ],
        containers: [podContainer({ podName: 'hello-mvk-node', podNamespace: 'default', containerName: 'POD' }), hello],
        startErrors: { [hello.id]: 'OCI runtime create failed: exec: "ecko": executable file not found in $PATH' },
        // What Docker made is what the file says (else the probe waits for kubelet to catch up, undiagnosed).
        details: { [hello.id]: { imageId: 'sha256:b', argv: ['ecko', 'hello'], mounts: [] } },
        images: { [env.versions.images.pause]: 'sha256:p', [env.versions.images.busybox]: 'sha256:b' },
      };
    });
    registerDiagnoser(diagnose);
    const result = await runProbe(helloRunning, ctx);
    assert.equal(result.status, 'fail');
    assert.equal(result.diagnosis?.id, 'container-cannot-start');
    assert.match(result.diagnosis!.explanation, /The command "ecko" does not exist in the image/);
  });

  it('no kubelet for this repo: kubelet-not-running, whatever Docker holds', async () => {
    const { ctx } = scene(() => ({ processes: [processInfo(7, ['kubelet', '--pod-manifest-path=/etc/kubernetes/manifests'])] }));
    registerDiagnoser(diagnose);
    assert.equal((await runProbe(helloRunning, ctx)).diagnosis?.id, 'kubelet-not-running');
  });

  it('Docker down: docker-down', async () => {
    const { ctx } = scene(() => ({ dockerDown: true }));
    registerDiagnoser(diagnose);
    assert.equal((await runProbe(helloRunning, ctx)).diagnosis?.id, 'docker-down');
  });
});
