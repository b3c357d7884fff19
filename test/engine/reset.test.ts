import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe } from 'node:test';
import { execa } from 'execa';
import { DockerDriver } from '../../src/machine/docker.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { realEnvMissing } from '../helpers/realenv.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { env, lab, labContainers, labListeners, noLabKubelet, sleepMs } from './helpers.ts';

const decoyName = 'mvk-decoy';
const decoyDir = '/var/lib/mvk-decoy';
const decoyFile = path.join(decoyDir, 'keep-me.txt');

async function assertNothingLeft(): Promise<void> {
  assert.ok(await noLabKubelet(), 'no kubelet for this repo runs');
  assert.deepEqual(await labContainers(), [], "no container of the lab's pods is left");
  assert.deepEqual(labListeners(), [], "nothing listens on the lab's ports");
  assert.equal(existsSync(env.varDir), false, `${env.varDir} is gone`);
  assert.deepEqual(
    readdirSync(env.podsDir).filter((f) => f !== '.gitkeep'),
    [],
    'pods/ is empty',
  );
  assert.equal(existsSync(env.kubeconfigFile), false, 'kubeconfig.yaml moved away');
}

async function assertDecoysSurvive(): Promise<void> {
  const decoy = (await new DockerDriver().api.inspectContainer(decoyName)) as { State: { Running: boolean } };
  assert.equal(decoy.State.Running, true, 'the decoy container still runs');
  assert.ok(existsSync(decoyFile), 'the decoy file is still there');
}

describe('lab reset', { timeout: 900_000 }, () => {
  before(async () => {
    if (realEnvMissing()) return;
    await execa('docker', ['rm', '-f', decoyName], { reject: false });
    await execa('docker', ['run', '-d', '--name', decoyName, loadVersions().images.busybox, 'sleep', '600']);
    mkdirSync(decoyDir, { recursive: true });
    writeFileSync(decoyFile, "not the lab's\n");
  });

  resetMachineAfter(async () => {
    await execa('docker', ['rm', '-f', decoyName], { reject: false });
    rmSync(decoyDir, { recursive: true, force: true });
  });

  realMachineTest('removes everything the lab made, keeps what it did not, and a second reset is a no-op', async (t) => {
    const hadDefaultKubeletDir = existsSync('/var/lib/kubelet');
    const apply = await lab('apply', '6');
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    // The lab's kubelet keeps all its state under /var/lib/mvk-lab (--cert-dir included), never in kubelet's default dir.
    if (!hadDefaultKubeletDir) assert.equal(existsSync('/var/lib/kubelet'), false, "the lab's kubelet wrote into /var/lib/kubelet");
    writeFileSync(path.join(env.podsDir, 'my-notes.yaml'), '# a student file the lab did not write\n');
    // A pod deleted through the API: kubelet drops its pod directory at once, but its exited
    // containers and sandbox stay in Docker; reset must still know them as the lab's.
    const kubectl = (...args: string[]) =>
      execa(path.join(env.binDir, 'kubectl'), args, { env: { PATH: process.env.PATH ?? '', HOME: env.stateDir }, extendEnv: false });
    const curlUid = (await kubectl('get', 'pod', 'curl', '-o', 'jsonpath={.metadata.uid}')).stdout;
    await kubectl('delete', 'pod', 'curl');
    for (let i = 0; i < 60 && existsSync(path.join(env.kubeletRootDir, 'pods', curlUid)); i++) await sleepMs(500);
    assert.equal(existsSync(path.join(env.kubeletRootDir, 'pods', curlUid)), false, "kubelet dropped the deleted pod's directory");
    assert.ok(
      (await labContainers()).some((name) => name.startsWith('k8s_curl_curl_')),
      "the deleted pod's containers are still in Docker",
    );

    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    t.diagnostic(`reset after step 6: ${(reset.ms / 1000).toFixed(1)}s`);
    assert.match(reset.stdout, /stopped kubelet/);
    assert.match(reset.stdout, /moved .*pods\/my-notes\.yaml.* to \.lab\/backups\//);
    await assertNothingLeft();
    await assertDecoysSurvive();
    const backups = readdirSync(path.join(env.stateDir, 'backups')).sort();
    assert.ok(
      existsSync(path.join(env.stateDir, 'backups', backups.at(-1)!, 'pods', 'my-notes.yaml')),
      'the student file is in the newest backup',
    );

    const second = await lab('reset', '--yes');
    assert.equal(second.code, 0);
    assert.match(second.stdout, /nothing to reset/);
    await assertDecoysSurvive();
  });

  realMachineTest('still works after an apply killed half-way, and after an interrupted reset', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'apply', '4'], { cwd: repoRoot, stdio: 'ignore' });
    // Kill it once etcd is up: kubelet, containers and etcd data exist, the apiserver is on its way.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && !existsSync(path.join(env.etcdDataDir, 'member'))) await sleepMs(250);
    child.kill('SIGKILL');
    assert.ok(existsSync(path.join(env.etcdDataDir, 'member')), 'apply got as far as etcd');

    // Interrupt the first reset as soon as it has stopped kubelet, then let a second one finish the job.
    const interrupted = spawn(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), 'reset', '--yes'], { cwd: repoRoot, stdio: 'ignore' });
    while (!(await noLabKubelet())) await sleepMs(50);
    interrupted.kill('SIGKILL');

    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    await assertNothingLeft();
    await assertDecoysSurvive();
    assert.match((await lab('reset', '--yes')).stdout, /nothing to reset/);
  });

  realMachineTest("refuses, touching nothing, while another copy of the lab's kubelet keeps its state in the lab's directory", async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'mvk-other-copy-'));
    const otherLab = (...args: string[]) =>
      execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], {
        reject: false,
        cwd: repoRoot,
        env: { MVK_WORK_DIR: other },
        input: '',
        timeout: 300_000,
      });
    try {
      const up = await otherLab('apply', '1');
      assert.equal(up.exitCode, 0, `${up.stdout}\n${up.stderr}`);
      const refused = await lab('reset', '--yes');
      const said = `${refused.stdout}\n${refused.stderr}`;
      assert.notEqual(refused.code, 0, said);
      assert.match(
        said,
        /kubelet pid \d+ keeps its state in \/var\/lib\/mvk-lab\/kubelet, under the lab's \/var\/lib\/mvk-lab, but serves \S*mvk-other-copy-\S*\/pods/,
      );
      assert.match(said, /reset touched nothing/);
      assert.match(said, /MVK_WORK_DIR=\S*mvk-other-copy-/);
      assert.doesNotMatch(said, /ENOTEMPTY|internal error/);
      // The other copy is as it was: its kubelet still runs its pod.
      const still = await otherLab('verify', '1');
      assert.equal(still.exitCode, 0, still.stdout);
    } finally {
      const cleaned = await otherLab('reset', '--yes');
      assert.equal(cleaned.exitCode, 0, `${cleaned.stdout}\n${cleaned.stderr}`);
      rmSync(other, { recursive: true, force: true });
    }
  });
});
