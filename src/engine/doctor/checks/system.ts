import { supportedGoArch } from '../../../core/arch.ts';
import type { DoctorCheck } from '../types.ts';
import { gib, result } from './result.ts';

/** Where a student without Linux gets a machine: the repo's own VM recipes (vm/). */
export const LINUX_VM_FIX =
  'kubelet and dockershim run on Linux only: start a Debian 13 VM with the recipes in vm/ (macOS: `limactl start ' +
  '--name=mvk-lab vm/lima.yaml`; Windows, macOS or Linux with Multipass: `multipass launch 24.04 --name mvk-lab ' +
  '--cloud-init vm/cloud-init.yaml`), copy this checkout in and run the lab there';

export const platformCheck: DoctorCheck = {
  id: 'platform',
  title: 'Linux on amd64 or arm64',
  run({ platform, arch }) {
    if (platform !== 'linux')
      return result(
        this.id,
        this.title,
        'fail',
        `this is ${platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform}`,
        LINUX_VM_FIX,
      );
    const name = supportedGoArch(arch);
    if (!name)
      return result(
        this.id,
        this.title,
        'fail',
        `linux/${arch}`,
        'Kubernetes v1.19 release binaries exist for amd64 and arm64 (and others the lab does not test); use an amd64 or arm64 machine',
      );
    return result(this.id, this.title, 'pass', `linux/${name}`);
  },
};

/**
 * The init system, for what it changes: with systemd as PID 1 Docker picks the systemd cgroup driver on
 * cgroup v2, and systemd 256+ no longer boots cgroup v1 at all (systemd#31442), so "boot into v1" is no
 * longer a way out. Without systemd (containers, minimal VMs, our CI) the lab still runs kubelet itself.
 */
export const initSystemCheck: DoctorCheck = {
  id: 'init-system',
  title: 'init system',
  async run(inputs) {
    const init = inputs.readFile('/proc/1/comm')?.trim() || 'unknown';
    if (init !== 'systemd')
      return result(this.id, this.title, 'pass', `PID 1 is ${init}, not systemd: the lab starts kubelet itself and needs no init system`);
    const version = await inputs.systemdVersion();
    const v2Only = version !== undefined && version >= 256 ? ', which boots cgroup v2 only' : '';
    return result(this.id, this.title, 'pass', `systemd${version ? ` ${version}` : ''} as PID 1${v2Only}`);
  },
};

/** WSL2's kernel says so in its release string ("…-microsoft-standard-WSL2"). */
export const isWsl = (osrelease: string | undefined) => /microsoft/i.test(osrelease ?? '');

/**
 * WSL2 mounts cgroup v1 and v2 side by side (hybrid): kubelet 1.19 then takes v1 for some controllers
 * and Docker v2 for others. Pure v2 is one kernel parameter away (microsoft/WSL#6662).
 */
export const wslCheck: DoctorCheck = {
  id: 'wsl',
  title: 'WSL2 cgroups',
  run({ readFile, exists }) {
    if (!isWsl(readFile('/proc/sys/kernel/osrelease'))) return [];
    const pureV2 = exists('/sys/fs/cgroup/cgroup.controllers') && !exists('/sys/fs/cgroup/unified') && !exists('/sys/fs/cgroup/memory');
    if (pureV2) return result(this.id, this.title, 'pass', 'WSL2 with pure cgroup v2');
    return result(
      this.id,
      this.title,
      'warn',
      'WSL2 mounts cgroup v1 and v2 side by side (hybrid); the lab is proven on pure v1 and pure v2 machines only',
      'switch WSL2 to pure cgroup v2: in Windows, add to %UserProfile%\\.wslconfig the lines `[wsl2]` and `kernelCommandLine = ' +
        'cgroup_no_v1=all`, enable systemd in the distribution (/etc/wsl.conf: `[boot]` and `systemd=true`), run `wsl --shutdown` ' +
        'in PowerShell and open the distribution again',
    );
  },
};

export const rootCheck: DoctorCheck = {
  id: 'root',
  title: 'running as root',
  run({ uid }) {
    if (uid === 0) return result(this.id, this.title, 'pass', 'uid 0');
    return result(
      this.id,
      this.title,
      'fail',
      `uid ${uid ?? 'unknown'}`,
      'kubelet manages containers, mounts and cgroups: run the lab as root, e.g. `sudo -E npm run lab -- doctor`',
    );
  },
};

export const machineIdCheck: DoctorCheck = {
  id: 'machine-id',
  title: '/etc/machine-id present',
  run({ readFile }) {
    for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
      const id = readFile(file)?.trim();
      if (id && /^[0-9a-f]{32}$/.test(id)) return result(this.id, this.title, 'pass', `${file} holds an id`);
    }
    return result(
      this.id,
      this.title,
      'warn',
      'no machine id in /etc/machine-id or /var/lib/dbus/machine-id',
      'kubelet (through cAdvisor) reports the node by it; create one with `systemd-machine-id-setup` or `dbus-uuidgen ' +
        '--ensure=/etc/machine-id`',
    );
  },
};

interface ToolNeed {
  tool: string;
  level: 'fail' | 'warn';
  why: string;
  pkg: string;
}

const tools: ToolNeed[] = [
  { tool: 'mount', level: 'fail', why: 'kubelet mounts every pod volume with it', pkg: 'mount' },
  { tool: 'iptables', level: 'fail', why: 'Docker sets up the bridge network with it and kubelet calls it', pkg: 'iptables' },
  {
    tool: 'conntrack',
    level: 'warn',
    why: 'kube-proxy needs it; the lab runs no kube-proxy, so only a later extension would',
    pkg: 'conntrack',
  },
  { tool: 'tar', level: 'warn', why: '`lab setup` unpacks the release archive with it', pkg: 'tar' },
];

export const toolChecks: DoctorCheck[] = tools.map((need) => ({
  id: `tool-${need.tool}`,
  title: `${need.tool} installed`,
  run({ which }) {
    const found = which(need.tool);
    if (found) return result(this.id, this.title, 'pass', found);
    return result(
      this.id,
      this.title,
      need.level,
      `${need.tool} is not on PATH (${need.why})`,
      `install it, e.g. \`apt-get install ${need.pkg}\``,
    );
  },
}));

const FAIL_BELOW = 1 * 2 ** 30;
const WARN_BELOW = 3 * 2 ** 30;

export const diskCheck: DoctorCheck = {
  id: 'disk',
  title: 'free disk space',
  async run(inputs) {
    let dockerRoot = '/var/lib/docker';
    try {
      dockerRoot = (await inputs.docker()).rootDir || dockerRoot;
    } catch {
      // Docker's own check reports that; measure the default place meanwhile.
    }
    const places = [
      { dir: inputs.cacheDir, use: 'the binaries cache (about 1 GiB during `lab setup`)' },
      { dir: dockerRoot, use: 'Docker images and containers (about 0.5 GiB)' },
      { dir: '/var/lib', use: "kubelet's and etcd's state under /var/lib/mvk-lab" },
    ];
    return places.map(({ dir, use }) => {
      const id = `disk-${dir}`;
      const title = `free space at ${dir}`;
      const free = inputs.freeBytes(dir);
      if (free === undefined) return result(id, title, 'warn', 'cannot measure', `check with \`df -h ${dir}\`; it holds ${use}`);
      if (free < FAIL_BELOW) return result(id, title, 'fail', `${gib(free)} free`, `free at least 1 GiB there; it holds ${use}`);
      if (free < WARN_BELOW) return result(id, title, 'warn', `${gib(free)} free`, `3 GiB or more is comfortable; it holds ${use}`);
      return result(id, title, 'pass', `${gib(free)} free`);
    });
  },
};
