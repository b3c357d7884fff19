import { existsSync } from 'node:fs';
import path from 'node:path';
import { binary, type LabEnv } from '../core/context.ts';
import type { DockerDriver } from '../machine/docker.ts';
import { labKubelets } from '../machine/kubelet.ts';
import { portHolders } from '../machine/ports.ts';
import { insideContainer } from '../machine/proc.ts';
import { EXIT, LabError, MissingBinaryError } from '../core/errors.ts';
import { labPorts } from './labPorts.ts';
import type { ImageRole } from '../core/versions.ts';

export class MissingImageError extends LabError {
  constructor(image: string) {
    super(
      `the image ${image} is not on this machine`,
      'run `lab images pull` (behind a firewall: --registry-mirror PREFIX, or `lab images load FILE` with a class bundle); on ' +
        'the test bed `npm run testbed` builds them',
      { exitCode: EXIT.notReady },
    );
  }
}

export function requireRoot(action: string): void {
  if (process.getuid?.() !== 0) {
    throw new LabError(
      `${action} needs root: kubelet manages containers, mounts and cgroups`,
      'run it again as root (for example `sudo -E npm run lab -- …`)',
      { exitCode: EXIT.notReady },
    );
  }
}

export function requireBinaries(env: LabEnv, names: string[]): void {
  for (const name of names) if (!existsSync(binary(env, name))) throw new MissingBinaryError(name, env.binDir);
}

export async function requireImages(env: LabEnv, docker: DockerDriver, roles: ImageRole[]): Promise<void> {
  for (const role of roles) {
    const image = env.versions.images[role];
    if (!(await docker.imagePresent(image))) throw new MissingImageError(image);
  }
}

/**
 * Refuses to start kubelet while someone else holds its ports. Ports held by this repo's own kubelet
 * are fine: apply replaces it.
 */
export function requireKubeletPortsFree(env: LabEnv): void {
  const ours = new Set(labKubelets(env).map((kubelet) => kubelet.pid));
  for (const holder of portHolders(labPorts({ component: 'kubelet' }))) {
    if (holder.pid !== undefined && ours.has(holder.pid)) continue;
    const who = holder.pid ? `${holder.name ?? 'a process'} (pid ${holder.pid})` : 'another process';
    throw new LabError(
      `port ${holder.port} is already taken by ${who}, so the lab's kubelet cannot start`,
      holder.name === 'kubelet'
        ? 'another kubelet runs on this machine; the lab never touches it. Stop it yourself if it is yours, or use a machine ' +
            'without Kubernetes'
        : `stop that process (see \`ss -ltnp 'sport = :${holder.port}'\`) and try again`,
    );
  }
}

/**
 * Refuses to start a static pod (etcd, the apiserver) while something other than the lab's own pod
 * holds its ports: it would crash-loop with "address already in use" and the step would only time out.
 */
export async function requireComponentPortsFree(env: LabEnv, docker: DockerDriver, component: string): Promise<void> {
  const holders = portHolders(labPorts({ component }));
  if (holders.length === 0) return;
  // The lab's own pods under any node name its kubelets used (a student's kubelet may have used the host name).
  const { labContainers } = await import('./ownership.ts');
  const labContainerIds = (await labContainers(env, docker)).map((c) => c.id);
  for (const holder of holders) {
    if (holder.pid !== undefined && insideContainer(holder.pid, labContainerIds)) continue;
    const who = holder.pid ? `${holder.name ?? 'a process'} (pid ${holder.pid})` : 'another process';
    throw new LabError(
      `port ${holder.port} on ${holder.address} is already taken by ${who}, so the lab's ${component} cannot listen there`,
      `stop that process (see \`ss -ltnp 'sport = :${holder.port}'\`) and try again; the lab never stops processes it did not start`,
    );
  }
}

export const relativeToRepo = (env: LabEnv, file: string) => path.relative(env.repoRoot, file) || '.';
