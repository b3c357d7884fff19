import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readyImage } from './image.ts';
import { bootVm, type SshResult, type Vm } from './qemu.ts';
import { labSteps } from '../../src/engine/steps.ts';

/**
 * The classic track on the machine students have in 2026: Debian 13 with systemd 257 as PID 1, cgroup
 * v2 only, Docker 26 with the systemd cgroup driver (`npm run testbed:vm` builds it with the repo's own
 * vm/provision.sh). The lab runs inside the VM from the checkout (shared read-only), with its work files
 * on the VM's disk, and the test bed's binaries and images.
 *
 * Under TCG (no usable KVM, as on our CI machines) the VM is some ten times slower than the host: the
 * whole track takes about half an hour, so `npm test` (CI) runs the reduced form, doctor + step 1 + two
 * diagnoses + reset, and `npm run test:vm` (MVK_VM_FULL=1) the whole track, apply of the last step and verify --all.
 */
const FULL = process.env.MVK_VM_FULL === '1';
const LAST_STEP = FULL ? labSteps().length : 1;

let vm: Vm | undefined;
let missing: string | undefined;
const timings: Record<string, number> = {};

function labEnv(): Record<string, string> {
  // Every wait of the lab's (apply's step budgets, probes, kubectl) stretched to an emulated CPU.
  return { MVK_WORK_DIR: '/root/work', MVK_NO_PULL: '1', NO_COLOR: '1', MVK_TIMEOUT_SCALE: vm?.accel === 'tcg' ? '8' : '1' };
}

async function inVm(command: string, timeoutSeconds = 300): Promise<SshResult> {
  return vm!.ssh(command, { timeoutSeconds, env: labEnv() });
}

async function lab(args: string, timeoutSeconds = 600): Promise<SshResult> {
  const started = Date.now();
  const result = await inVm(`cd /lab && node bin/lab.mjs ${args}`, timeoutSeconds);
  timings[`lab ${args}`] = Math.round((Date.now() - started) / 1000);
  return result;
}

const show = (r: SshResult) => `exit ${r.exitCode}\n${r.stdout}\n${r.stderr}`;

/** kubelet's pod slices (systemd driver): kubepods.slice and the QoS and pod slices under it. */
const kubeSlices = `systemctl list-units --all --plain --no-legend 'kubepods*' | awk '{print $1}'`;

describe(`the classic track on Debian 13 (systemd, cgroup v2, Docker 26): ${FULL ? 'whole' : 'doctor, step 1, reset'}`, {
  timeout: FULL ? 5_400_000 : 2_700_000,
}, () => {
  before(async () => {
    const image = await readyImage();
    if (!image) {
      missing = 'the Debian 13 VM image is not built for these inputs (run npm run testbed:vm)';
      if (process.env.LAB_E2E === 'required') throw new Error(`LAB_E2E=required but ${missing}`);
      return;
    }
    vm = await bootVm(image, { log: (line) => console.log(`vm: ${line}`) });
    timings.boot = vm.bootSeconds;
    assert.equal((await inVm('mkdir -p /root/work/pods')).exitCode, 0);
  });

  after(async () => {
    await vm?.stop();
    console.log(`vm: timings in seconds ${JSON.stringify(timings)}${vm ? `, accel ${vm.accel}` : ''}`);
  });

  test('the machine is what students have: cgroup2fs, systemd as PID 1, Docker with cgroup v2 and the systemd driver', async (t) => {
    if (missing) return t.skip(missing);
    assert.equal((await inVm('stat -fc %T /sys/fs/cgroup')).stdout.trim(), 'cgroup2fs');
    assert.equal((await inVm('cat /proc/1/comm')).stdout.trim(), 'systemd');
    assert.match((await inVm('systemctl --version')).stdout, /^systemd 2(5[6-9]|[6-9]\d)\b/);
    const docker = await inVm(`docker info --format '{{.ServerVersion}} {{.CgroupVersion}} {{.CgroupDriver}}'`);
    assert.match(docker.stdout.trim(), /^2[6-9]\.\S+ 2 systemd$/, show(docker));
  });

  test('lab doctor passes every check, and says what this machine is', async (t) => {
    if (missing) return t.skip(missing);
    const doctor = await lab('doctor');
    assert.equal(doctor.exitCode, 0, show(doctor));
    assert.doesNotMatch(doctor.stdout, /^(FAIL|WARN)/m, show(doctor));
    assert.match(doctor.stdout, /systemd 2\d\d as PID 1, which boots cgroup v2 only/);
    assert.match(doctor.stdout, /cgroup v2 with Docker's systemd driver/);
    assert.match(doctor.stdout, /Docker 26\.\S+ \(API 1\.\d+\), a version the lab is tested with/);
  });

  test(`lab apply ${LAST_STEP} builds the cluster, kubelet on systemd slices, and lab verify passes`, async (t) => {
    if (missing) return t.skip(missing);
    const applied = await lab(`apply ${LAST_STEP}`, 3600);
    assert.equal(applied.exitCode, 0, show(applied));
    // The flag the lab chose from Docker's driver, and the slices kubelet made through systemd with it.
    assert.match((await inVm('cat /proc/$(pgrep -xo kubelet)/cmdline | tr "\\0" " "')).stdout, /--cgroup-driver=systemd/);
    assert.match((await inVm(kubeSlices)).stdout, /^kubepods\.slice$/m);
    assert.match(
      (
        await inVm(
          `cat /proc/$(docker inspect --format '{{.State.Pid}}' $(docker ps -q --filter label=io.kubernetes.container.name=POD | ` +
            `head -1))/cgroup`,
        )
      ).stdout,
      /^0::\/kubepods\.slice\/kubepods-\w+\.slice\//m,
    );
    const verified = await lab(FULL ? 'verify --all' : 'verify 1', 1800);
    assert.equal(verified.exitCode, 0, show(verified));
  });

  test('diagnoses on this machine: Docker not answering, then kubelet gone', async (t) => {
    if (missing) return t.skip(missing);
    // Docker not answering is the machine not being ready (exit 3), with the diagnosis on the check.
    const dockerDown = await inVm('cd /lab && MVK_DOCKER_SOCKET=/tmp/no-docker.sock node bin/lab.mjs verify 1 --json');
    assert.equal(dockerDown.exitCode, 3, show(dockerDown));
    const report = JSON.parse(dockerDown.stdout) as { error?: { kind: string }; steps: { results: { diagnosis?: { id: string } }[] }[] };
    assert.equal(report.error?.kind, 'machine-not-ready');
    assert.ok(
      report.steps[0]!.results.some((r) => r.diagnosis?.id === 'docker-down'),
      show(dockerDown),
    );

    assert.equal(
      (
        await inVm('pkill -x kubelet; for i in $(seq 30); do pgrep -x kubelet >/dev/null || break; sleep 1; done; pgrep -x kubelet || true')
      ).stdout.trim(),
      '',
    );
    const kubeletGone = await lab('verify 1 --json');
    assert.equal(kubeletGone.exitCode, 1, show(kubeletGone));
    const gone = JSON.parse(kubeletGone.stdout) as { steps: { results: { diagnosis?: { id: string } }[] }[] };
    assert.ok(
      gone.steps[0]!.results.some((r) => r.diagnosis?.id === 'kubelet-not-running'),
      show(kubeletGone),
    );
  });

  test("lab reset leaves nothing behind: containers, kubelet, and kubelet's systemd slices", async (t) => {
    if (missing) return t.skip(missing);
    const reset = await lab('reset --yes', 900);
    assert.equal(reset.exitCode, 0, show(reset));
    assert.equal((await inVm('docker ps -aq | wc -l')).stdout.trim(), '0');
    assert.equal((await inVm('pgrep -x kubelet || true')).stdout.trim(), '');
    assert.equal((await inVm(kubeSlices)).stdout.trim(), '', `kubepods slices left after reset:\n${show(reset)}`);
    assert.equal((await inVm('ls -d /sys/fs/cgroup/kubepods* 2>/dev/null | wc -l')).stdout.trim(), '0');
    assert.equal((await inVm(`systemctl list-units --all --plain --no-legend 'docker-*.scope' | wc -l`)).stdout.trim(), '0');
    assert.equal((await inVm('ls /var/lib/mvk-lab 2>/dev/null | wc -l')).stdout.trim(), '0');
  });
});
