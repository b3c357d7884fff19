import type { DockerDriver } from '../machine/docker.ts';
import { swapsText } from '../machine/proc.ts';
import type { MachineFacts } from '../core/template.ts';

export function swapIsOn(text = swapsText()): boolean {
  return text.trim().split('\n').length > 1;
}

/** Reads the facts the kubelet command line depends on (bridge address, cgroup driver, swap). */
export async function machineFacts(docker: DockerDriver): Promise<MachineFacts> {
  const [nodeIp, cgroupDriver] = await Promise.all([docker.bridgeGateway(), docker.cgroupDriver()]);
  let swapOn = false;
  try {
    swapOn = swapIsOn();
  } catch {
    swapOn = false;
  }
  return { nodeIp, cgroupDriver, swapOn };
}
