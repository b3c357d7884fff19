import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doctorChecks } from '../../src/engine/doctor/checks/index.ts';
import { compareApiVersions } from '../../src/engine/doctor/checks/result.ts';
import { doctorPassed, formatDoctor, runDoctor } from '../../src/engine/doctor/doctor.ts';
import { hasCapability } from '../../src/engine/doctor/realInputs.ts';
import type { CheckResult, DockerFacts, DoctorInputs } from '../../src/engine/doctor/types.ts';

const healthyDocker: DockerFacts = {
  version: '20.10.24',
  apiVersion: '1.41',
  minApiVersion: '1.12',
  cgroupDriver: 'cgroupfs',
  cgroupVersion: '1',
  rootDir: '/var/lib/docker',
};
const files: Record<string, string> = {
  '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
  '/proc/swaps': 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
};

/** A machine where every check passes; each test changes one input. */
function fakeInputs(overrides: Partial<DoctorInputs> = {}): DoctorInputs {
  return {
    platform: 'linux',
    arch: 'x64',
    uid: 0,
    readFile: (file) => files[file],
    exists: () => false,
    which: (tool) => `/usr/bin/${tool}`,
    systemdVersion: async () => undefined,
    docker: async () => healthyDocker,
    portHolders: async () => [],
    kubernetesProcesses: async () => [],
    freeBytes: () => 50 * 2 ** 30,
    binaries: async () => ['kubelet', 'kubectl'].map((name) => ({ name, present: true })),
    images: async () => ['registry.k8s.io/pause:3.2'].map((name) => ({ name, present: true })),
    sandboxTrial: async () => ({ started: true, capSysResource: true }),
    downloadableArch: (arch) => arch === 'amd64' || arch === 'arm64',
    binDir: '/cache/bin',
    cacheDir: '/cache',
    ...overrides,
  };
}

async function run(overrides: Partial<DoctorInputs> = {}) {
  const results = await runDoctor(fakeInputs(overrides));
  const byId = (id: string): CheckResult => {
    const found = results.find((r) => r.id === id);
    assert.ok(found, `no result ${id} in ${results.map((r) => r.id).join(', ')}`);
    return found;
  };
  return { results, byId, passed: doctorPassed(results) };
}

describe('lab doctor checks', () => {
  it('a healthy machine passes every check', async () => {
    const { results, passed } = await run();
    assert.deepEqual(
      results.filter((r) => r.status !== 'pass'),
      [],
    );
    assert.equal(passed, true);
    assert.match(formatDoctor(results), /0 fail: this machine can run the lab/);
  });

  it('not Linux, or an unsupported architecture, fails', async () => {
    assert.equal((await run({ platform: 'darwin' })).byId('platform').status, 'fail');
    const arm32 = (await run({ arch: 'arm' })).byId('platform');
    assert.equal(arm32.status, 'fail');
    assert.match(arm32.fix!, /amd64 or arm64/);
    assert.match((await run({ arch: 'arm64' })).byId('platform').detail, /linux\/arm64/);
  });

  it('not root fails with how to run as root', async () => {
    const { byId, passed } = await run({ uid: 1000 });
    assert.equal(byId('root').status, 'fail');
    assert.match(byId('root').fix!, /sudo/);
    assert.equal(passed, false);
  });

  it('Docker down fails the Docker checks, and the run still reports every other check', async () => {
    const { byId, results } = await run({ docker: async () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) });
    assert.equal(byId('docker').status, 'fail');
    assert.match(byId('docker').fix!, /systemctl start docker/);
    assert.equal(byId('docker-api').status, 'fail');
    assert.equal(byId('cgroup-driver').status, 'fail');
    assert.equal(byId('swap').status, 'pass');
    assert.ok(results.length > 15);
  });

  it('Docker 29 (minimum API 1.44) fails and names both settings that lower the minimum', async () => {
    const { byId } = await run({
      docker: async () => ({ ...healthyDocker, version: '29.0.0', apiVersion: '1.52', minApiVersion: '1.44' }),
    });
    const api = byId('docker-api');
    assert.equal(api.status, 'fail');
    assert.match(api.detail, /client version 1\.40 is too old/);
    assert.match(api.fix!, /"min-api-version": "1\.40"/);
    assert.match(api.fix!, /DOCKER_MIN_API_VERSION=1\.40/);
    assert.equal(byId('docker').status, 'warn');
  });

  it('Docker 29 with the minimum lowered to 1.40 passes the API check', async () => {
    const { byId } = await run({
      docker: async () => ({ ...healthyDocker, version: '29.0.0', apiVersion: '1.52', minApiVersion: '1.40' }),
    });
    assert.equal(byId('docker-api').status, 'pass');
  });

  it('a Docker older than API 1.40 fails: kubelet 1.19.16 would be "too new" for it', async () => {
    const { byId } = await run({ docker: async () => ({ ...healthyDocker, version: '18.09.9', apiVersion: '1.39' }) });
    assert.equal(byId('docker-api').status, 'fail');
    assert.match(byId('docker-api').fix!, /19\.03/);
  });

  it('Docker with the systemd cgroup driver passes and says kubelet needs --cgroup-driver=systemd', async () => {
    const { byId } = await run({ docker: async () => ({ ...healthyDocker, cgroupDriver: 'systemd' }) });
    assert.equal(byId('cgroup-driver').status, 'pass');
    assert.match(byId('cgroup-driver').detail, /--cgroup-driver=systemd/);
  });

  it('an unknown cgroup driver fails', async () => {
    assert.equal((await run({ docker: async () => ({ ...healthyDocker, cgroupDriver: 'none' }) })).byId('cgroup-driver').status, 'fail');
  });

  it("cgroup v2 with Docker's systemd driver passes (the Debian 13 VM test proves it); with cgroupfs it warns how to switch", async () => {
    const systemd = (await run({ docker: async () => ({ ...healthyDocker, cgroupVersion: '2', cgroupDriver: 'systemd' }) })).byId(
      'cgroup-version',
    );
    assert.equal(systemd.status, 'pass');
    assert.match(systemd.detail, /cgroup v2 with Docker's systemd driver/);
    const cgroupfs = (await run({ docker: async () => ({ ...healthyDocker, cgroupVersion: '2' }) })).byId('cgroup-version');
    assert.equal(cgroupfs.status, 'warn');
    assert.match(cgroupfs.fix!, /native\.cgroupdriver=systemd/);
    // Without Docker's answer on the version, the filesystem tells.
    const fromFs = (
      await run({
        docker: async () => ({ ...healthyDocker, cgroupVersion: undefined }),
        exists: (f) => f === '/sys/fs/cgroup/cgroup.controllers',
      })
    ).byId('cgroup-version');
    assert.equal(fromFs.status, 'warn');
    assert.equal((await run()).byId('cgroup-version').detail, 'cgroup v1, what kubelet 1.19 was made for');
  });

  it("names the init system, and systemd's version when it is PID 1", async () => {
    assert.match((await run()).byId('init-system').detail, /PID 1 is unknown, not systemd/);
    const comm = (f: string) => (f === '/proc/1/comm' ? 'systemd\n' : files[f]);
    const modern = (await run({ readFile: comm, systemdVersion: async () => 257 })).byId('init-system');
    assert.equal(modern.status, 'pass');
    assert.equal(modern.detail, 'systemd 257 as PID 1, which boots cgroup v2 only');
    assert.equal((await run({ readFile: comm, systemdVersion: async () => 252 })).byId('init-system').detail, 'systemd 252 as PID 1');
  });

  it('WSL2: silent elsewhere, passes on pure cgroup v2, warns on its hybrid cgroups with the .wslconfig fix', async () => {
    assert.equal(
      (await run()).results.some((r) => r.id === 'wsl'),
      false,
    );
    const wsl = (f: string) => (f === '/proc/sys/kernel/osrelease' ? '6.6.87.2-microsoft-standard-WSL2\n' : files[f]);
    const hybrid = (await run({ readFile: wsl, exists: (f) => ['/sys/fs/cgroup/unified', '/sys/fs/cgroup/memory'].includes(f) })).byId(
      'wsl',
    );
    assert.equal(hybrid.status, 'warn');
    assert.match(hybrid.fix!, /cgroup_no_v1=all/);
    assert.match(hybrid.fix!, /wsl --shutdown/);
    assert.equal((await run({ readFile: wsl, exists: (f) => f === '/sys/fs/cgroup/cgroup.controllers' })).byId('wsl').status, 'pass');
  });

  it("macOS and Windows fail with the repo's VM recipes as the fix", async () => {
    for (const platform of ['darwin', 'win32']) {
      const r = (await run({ platform })).byId('platform');
      assert.equal(r.status, 'fail');
      assert.match(r.fix!, /vm\/lima\.yaml/);
      assert.match(r.fix!, /vm\/cloud-init\.yaml/);
    }
  });

  it('Docker 20.10 and 26 are the tested engines; another version warns', async () => {
    assert.equal((await run({ docker: async () => ({ ...healthyDocker, version: '26.1.5+dfsg1' }) })).byId('docker').status, 'pass');
    assert.equal((await run({ docker: async () => ({ ...healthyDocker, version: '28.0.1' }) })).byId('docker').status, 'warn');
  });

  it('swap on warns and names --fail-swap-on=false', async () => {
    const swaps = `${files['/proc/swaps']}/swapfile                                file\t\t1048572\t\t0\t\t-2\n`;
    const { byId, passed } = await run({ readFile: (f) => (f === '/proc/swaps' ? swaps : files[f]) });
    assert.equal(byId('swap').status, 'warn');
    assert.match(byId('swap').detail, /\/swapfile/);
    assert.match(byId('swap').detail, /--fail-swap-on=false/);
    assert.equal(passed, true, 'a warning does not fail the doctor');
  });

  it('no machine id warns with the commands that create one', async () => {
    const { byId } = await run({ readFile: (f) => (f === '/proc/swaps' ? files[f] : undefined) });
    assert.equal(byId('machine-id').status, 'warn');
    assert.match(byId('machine-id').fix!, /systemd-machine-id-setup/);
    const dbusOnly = await run({
      readFile: (f) => (f === '/var/lib/dbus/machine-id' ? 'ffffffffffffffffffffffffffffffff' : f === '/proc/swaps' ? files[f] : undefined),
    });
    assert.equal(dbusOnly.byId('machine-id').status, 'pass');
  });

  it('missing mount or iptables fails, missing conntrack or tar warns', async () => {
    const { byId } = await run({ which: () => undefined });
    assert.equal(byId('tool-mount').status, 'fail');
    assert.equal(byId('tool-iptables').status, 'fail');
    assert.equal(byId('tool-conntrack').status, 'warn');
    assert.equal(byId('tool-tar').status, 'warn');
    assert.match(byId('tool-iptables').fix!, /apt-get install iptables/);
  });

  it('a port held by this lab passes, one held by another process fails and names it', async () => {
    const { byId } = await run({
      portHolders: async () => [
        { port: 2379, address: '127.0.0.1', pid: 10, name: 'etcd', ours: true },
        { port: 8080, address: '0.0.0.0', pid: 11, name: 'nginx', ours: false },
      ],
    });
    assert.equal(byId('port-2379').status, 'pass');
    assert.match(byId('port-2379').detail, /this lab's etcd/);
    assert.equal(byId('port-8080').status, 'fail');
    assert.match(byId('port-8080').detail, /nginx \(pid 11\)/);
    assert.equal(byId('port-6443').status, 'pass');
  });

  it('another kubelet or cluster fails: the lab refuses to touch it', async () => {
    const { byId } = await run({
      kubernetesProcesses: async () => [
        { pid: 5, name: 'kubelet', command: '/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml', ours: false },
        { pid: 6, name: 'kubelet', command: 'kubelet --pod-manifest-path=/work/main/pods', ours: true },
      ],
    });
    const other = byId('other-kubernetes');
    assert.equal(other.status, 'fail');
    assert.match(other.detail, /pid 5/);
    assert.doesNotMatch(other.detail, /pid 6/);
    assert.match(other.fix!, /never touches/);
  });

  it('files of a kubeadm install warn', async () => {
    const { byId } = await run({ exists: (f) => f === '/etc/kubernetes/manifests' });
    assert.equal(byId('kubernetes-traces').status, 'warn');
  });

  it('little disk space warns, very little fails', async () => {
    assert.equal((await run({ freeBytes: () => 2 * 2 ** 30 })).byId('disk-/cache').status, 'warn');
    const low = await run({ freeBytes: (dir) => (dir === '/var/lib/docker' ? 200e6 : 50 * 2 ** 30) });
    assert.equal(low.byId('disk-/var/lib/docker').status, 'fail');
    assert.equal(low.byId('disk-/cache').status, 'pass');
  });

  it('missing binaries warn when lab setup can download them, fail when it cannot', async () => {
    const binaries = async () => [{ name: 'kubelet', present: false, problem: 'missing' }];
    const obtainable = (await run({ binaries })).byId('binaries');
    assert.equal(obtainable.status, 'warn');
    assert.match(obtainable.fix!, /lab setup/);
    const ppc = (await run({ binaries, arch: 'ppc64', downloadableArch: () => false })).byId('binaries');
    assert.equal(ppc.status, 'fail');
    assert.match(ppc.fix!, /--from DIR/);
  });

  it('missing images warn with pull, mirror and bundle as ways to get them', async () => {
    const { byId } = await run({
      images: async () => [{ name: 'registry.k8s.io/pause:3.2', present: false }],
      mirror: '127.0.0.1:5000/lab',
    });
    assert.equal(byId('images').status, 'warn');
    assert.match(byId('images').detail, /pause:3\.2/);
    assert.match(byId('images').fix!, /lab images pull.*127\.0\.0\.1:5000\/lab/);
    assert.match(byId('images').fix!, /lab images load FILE/);
  });

  it('a machine that forbids lowering oom_score_adj fails the sandbox check and explains why pods would fail', async () => {
    const { byId, passed } = await run({
      sandboxTrial: async () => ({
        started: false,
        capSysResource: false,
        error:
          "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: can't get " +
          "final child's PID from pipe: EOF: unknown",
      }),
    });
    const sandbox = byId('sandbox');
    assert.equal(sandbox.status, 'fail');
    assert.match(sandbox.detail, /final child's PID/);
    assert.match(sandbox.fix!, /oom_score_adj -998/);
    assert.match(sandbox.fix!, /CAP_SYS_RESOURCE/);
    assert.equal(passed, false);
  });

  it('the sandbox check passes where Docker copes, warns when the pause image is not there to try', async () => {
    const copes = (await run({ sandboxTrial: async () => ({ started: true, capSysResource: false }) })).byId('sandbox');
    assert.equal(copes.status, 'pass');
    assert.match(copes.detail, /runtime copes/);
    const notTried = (
      await run({
        sandboxTrial: async () => ({ started: false, skipped: 'the pause image registry.k8s.io/pause:3.2 is not on this machine yet' }),
      })
    ).byId('sandbox');
    assert.equal(notTried.status, 'warn');
    const other = (
      await run({ sandboxTrial: async () => ({ started: false, capSysResource: true, error: 'no space left on device' }) })
    ).byId('sandbox');
    assert.equal(other.status, 'fail');
    assert.match(other.fix!, /docker run --rm/);
  });

  it('reads CAP_SYS_RESOURCE from the bounding set', () => {
    assert.equal(hasCapability('Name:\tx\nCapBnd:\t000001fffeffffff\n', 24), false);
    assert.equal(hasCapability('CapBnd:\t000001ffffffffff\n', 24), true);
    assert.equal(hasCapability('no such line', 24), undefined);
  });

  it('a check that throws is reported as failed and the others still run', async () => {
    const results = await runDoctor(fakeInputs({ binaries: async () => Promise.reject(new Error('boom')) }));
    const broken = results.find((r) => r.id === 'binaries')!;
    assert.equal(broken.status, 'fail');
    assert.match(broken.detail, /boom/);
    assert.ok(results.some((r) => r.id === 'images'));
  });

  it('every check has a unique id, and every warn or fail carries a fix', async () => {
    assert.equal(new Set(doctorChecks.map((c) => c.id)).size, doctorChecks.length);
    const worst = await run({
      platform: 'darwin',
      uid: 1000,
      which: () => undefined,
      freeBytes: () => 0,
      readFile: () => undefined,
      docker: async () => ({ ...healthyDocker, version: '29.1.0', apiVersion: '1.52', minApiVersion: '1.44', cgroupVersion: '2' }),
    });
    for (const r of worst.results.filter((x) => x.status !== 'pass')) assert.ok(r.fix, `${r.id} has no fix`);
  });

  it('compares Docker API versions numerically', () => {
    assert.ok(compareApiVersions('1.9', '1.10') < 0);
    assert.ok(compareApiVersions('1.44', '1.40') > 0);
    assert.equal(compareApiVersions('1.40', '1.40'), 0);
  });
});
