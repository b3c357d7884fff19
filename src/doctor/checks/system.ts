import type { DoctorCheck } from '../types.ts';
import { gib, result } from './result.ts';

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

export const platformCheck: DoctorCheck = {
  id: 'platform',
  title: 'Linux on amd64 or arm64',
  run({ platform, arch }) {
    if (platform !== 'linux') return result(this.id, this.title, 'fail', `this is ${platform}`, 'kubelet and dockershim run on Linux only: use a Linux machine or VM (for example Multipass or a cloud VM)');
    const name = goArch[arch];
    if (!name) return result(this.id, this.title, 'fail', `linux/${arch}`, 'Kubernetes v1.19 release binaries exist for amd64 and arm64 (and others the lab does not test); use an amd64 or arm64 machine');
    return result(this.id, this.title, 'pass', `linux/${name}`);
  },
};

export const rootCheck: DoctorCheck = {
  id: 'root',
  title: 'running as root',
  run({ uid }) {
    if (uid === 0) return result(this.id, this.title, 'pass', 'uid 0');
    return result(this.id, this.title, 'fail', `uid ${uid ?? 'unknown'}`, 'kubelet manages containers, mounts and cgroups: run the lab as root, e.g. `sudo -E npm run lab -- doctor`');
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
      'kubelet (through cAdvisor) reports the node by it; create one with `systemd-machine-id-setup` or `dbus-uuidgen --ensure=/etc/machine-id`',
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
  { tool: 'conntrack', level: 'warn', why: 'kube-proxy needs it; the lab runs no kube-proxy, so only a later extension would', pkg: 'conntrack' },
  { tool: 'tar', level: 'warn', why: '`lab setup` unpacks the release archive with it', pkg: 'tar' },
];

export const toolChecks: DoctorCheck[] = tools.map((need) => ({
  id: `tool-${need.tool}`,
  title: `${need.tool} installed`,
  run({ which }) {
    const found = which(need.tool);
    if (found) return result(this.id, this.title, 'pass', found);
    return result(this.id, this.title, need.level, `${need.tool} is not on PATH (${need.why})`, `install it, e.g. \`apt-get install ${need.pkg}\``);
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
