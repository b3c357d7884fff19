import type { DoctorCheck } from '../types.ts';
import { result } from './result.ts';

/** cgroup v2 puts cgroup.controllers at the root of /sys/fs/cgroup; v1 (and hybrid) does not. */
export function cgroupVersion(inputs: { exists(file: string): boolean }, fromDocker?: string): '1' | '2' {
  if (fromDocker === '1' || fromDocker === '2') return fromDocker;
  return inputs.exists('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1';
}

export const cgroupVersionCheck: DoctorCheck = {
  id: 'cgroup-version',
  title: 'cgroup v1 (what kubelet 1.19 is made for)',
  async run(inputs) {
    let fromDocker: string | undefined;
    try {
      fromDocker = (await inputs.docker()).cgroupVersion;
    } catch {
      fromDocker = undefined;
    }
    if (cgroupVersion(inputs, fromDocker) === '1') return result(this.id, this.title, 'pass', 'cgroup v1');
    return result(
      this.id,
      this.title,
      'warn',
      'cgroup v2 (unified hierarchy): kubelet 1.19 has only early v2 support (stable from Kubernetes 1.25), and kubelet 1.19 + dockershim on v2 has not been verified with this lab',
      'if kubelet will not start or pods do not run, boot with the kernel parameter systemd.unified_cgroup_hierarchy=0 to get cgroup v1 (Debian/Ubuntu: add it to GRUB_CMDLINE_LINUX in /etc/default/grub, `update-grub`, reboot)',
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
      `swap is on (${devices.join(', ')}); kubelet refuses to start with swap unless given --fail-swap-on=false, which the lab adds for you`,
      'nothing to do for the lab; a real node turns swap off (`swapoff -a`, and remove it from /etc/fstab)',
    );
  },
};
