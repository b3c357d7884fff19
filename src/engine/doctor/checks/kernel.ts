import type { DockerFacts, DoctorCheck } from '../types.ts';
import { result } from './result.ts';

/** cgroup v2 puts cgroup.controllers at the root of /sys/fs/cgroup; v1 (and hybrid) does not. */
export function cgroupVersion(inputs: { exists(file: string): boolean }, fromDocker?: string): '1' | '2' {
  if (fromDocker === '1' || fromDocker === '2') return fromDocker;
  return inputs.exists('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

/**
 * kubelet 1.19 runs on either hierarchy, but not on every combination: on cgroup v2 the lab's Debian 13
 * test (systemd 257, Docker 26) proves it with Docker's systemd driver, which Docker chooses itself on a
 * v2 host with systemd (moby/moby#40846); Flatcar documents Kubernetes 1.19 + Docker 20.10 on v2 as
 * "only supported with the systemd cgroup driver". cgroupfs on v2 is the untested corner.
 */
export const cgroupVersionCheck: DoctorCheck = {
  id: 'cgroup-version',
  title: 'cgroup version and driver kubelet 1.19 runs on',
  async run(inputs) {
    let docker: DockerFacts | undefined;
    try {
      docker = await inputs.docker();
    } catch {
      docker = undefined;
    }
    if (cgroupVersion(inputs, docker?.cgroupVersion) === '1')
      return result(this.id, this.title, 'pass', 'cgroup v1, what kubelet 1.19 was made for');
    if (!docker)
      return result(
        this.id,
        this.title,
        'warn',
        'cgroup v2; Docker does not answer, so its cgroup driver is unknown',
        'see the Docker check above',
      );
    if (docker.cgroupDriver === 'systemd') {
      return result(
        this.id,
        this.title,
        'pass',
        "cgroup v2 with Docker's systemd driver: kubelet 1.19 runs on it with --cgroup-driver=systemd (proven by the lab's Debian 13 test)",
      );
    }
    return result(
      this.id,
      this.title,
      'warn',
      `cgroup v2 with Docker's ${docker.cgroupDriver} driver: kubelet 1.19 with Docker on cgroup v2 is known to work with the ` +
        `systemd driver only`,
      'where systemd is PID 1, switch Docker to it: add "exec-opts": ["native.cgroupdriver=systemd"] to ' +
        '/etc/docker/daemon.json, then `systemctl restart docker` (the lab passes kubelet --cgroup-driver=systemd by itself)',
    );
  },
};

export function swapDevices(swaps: string | undefined): string[] {
  if (!swaps) return [];
  return swaps
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/)[0]!)
    .filter(Boolean);
}

export const swapCheck: DoctorCheck = {
  id: 'swap',
  title: 'swap off',
  run({ readFile }) {
    const devices = swapDevices(readFile('/proc/swaps'));
    if (devices.length === 0) return result(this.id, this.title, 'pass', 'no swap');
    return result(
      this.id,
      this.title,
      'warn',
      `swap is on (${devices.join(', ')}); kubelet refuses to start with swap unless given --fail-swap-on=false, which the lab ` +
        `adds for you`,
      'nothing to do for the lab; a real node turns swap off (`swapoff -a`, and remove it from /etc/fstab)',
    );
  },
};
