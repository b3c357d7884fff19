import { readFileSync } from 'node:fs';
import type { DockerDriver } from './drivers/docker.ts';
import type { MachineFacts } from './template.ts';

export function swapIsOn(swapsText = readFileSync('/proc/swaps', 'utf8')): boolean {
  return swapsText.trim().split('\n').length > 1;
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
