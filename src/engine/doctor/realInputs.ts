import { accessSync, constants, existsSync, readFileSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../../core/context.ts';
import { DockerDriver } from '../../machine/docker.ts';
import { allKubelets, labKubelets } from '../../machine/kubelet.ts';
import { portHolders } from '../../machine/ports.ts';
import { insideContainer, listProcesses, ownStatus, processName } from '../../machine/proc.ts';
import { runCommand } from '../../machine/run.ts';
import { labImages } from '../images/list.ts';
import { registryMirror } from '../../core/imageMirror.ts';
import { cacheDir } from '../../core/paths.ts';
import { labContainers } from '../ownership.ts';
import { checkBinaries } from '../setup/setup.ts';
import { loadChecksums } from '../setup/checksums.ts';
import { SANDBOX_OOM_SCORE_ADJ } from './checks/docker.ts';
import type { DockerFacts, DoctorInputs, ProcessFact, SandboxTrial } from './types.ts';

const PATH_EXTRA = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function which(tool: string): string | undefined {
  // Root's tools live in sbin, which a sudo'd or minimal PATH may lack: look there too.
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...PATH_EXTRA];
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function readFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function freeBytes(dir: string): number | undefined {
  let current = path.resolve(dir);
  // The directory may not exist yet (a fresh cache): measure the filesystem it will be created on.
  while (!existsSync(current) && current !== path.dirname(current)) current = path.dirname(current);
  try {
    const stats = statfsSync(current);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

const KUBERNETES_PROCESSES = new Set([
  'kubelet',
  'k3s',
  'k3s-server',
  'k3s-agent',
  'k0s',
  'kube-apiserver',
  'etcd',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
]);

/** The container ids of the lab's pods (hostNetwork etcd and apiserver hold ports from inside them). */
async function labContainerIds(env: LabEnv, docker: DockerDriver): Promise<string[]> {
  try {
    return (await labContainers(env, docker)).map((c) => c.id);
  } catch {
    return [];
  }
}

/** Whether a capability is in the bounding set, from /proc/self/status's CapBnd (hex bit mask). */
export function hasCapability(status: string | undefined, bit: number): boolean | undefined {
  const mask = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status ?? '')?.[1];
  return mask === undefined ? undefined : ((BigInt(`0x${mask}`) >> BigInt(bit)) & 1n) === 1n;
}

const CAP_SYS_RESOURCE = 24;

/** Starts the pause image with kubelet's sandbox oom_score_adj, then removes it whatever happened. */
async function sandboxTrial(env: LabEnv, docker: DockerDriver, runtime?: string): Promise<SandboxTrial> {
  const capSysResource = hasCapability(ownStatus(), CAP_SYS_RESOURCE);
  const image = env.versions.images.pause;
  if (!(await docker.imagePresent(image)))
    return { started: false, skipped: `the pause image ${image} is not on this machine yet`, capSysResource };
  const trial = await docker.trialRun({
    Image: image,
    Labels: { 'mvk-lab.doctor': 'sandbox-trial' },
    HostConfig: { OomScoreAdj: SANDBOX_OOM_SCORE_ADJ, NetworkMode: 'none', ...(runtime ? { Runtime: runtime } : {}) },
  });
  return { ...trial, capSysResource };
}

/** The doctor's inputs read from this machine. Docker is asked once per run. */
export function realDoctorInputs(env: LabEnv, docker = new DockerDriver(), options: { sandboxRuntime?: string } = {}): DoctorInputs {
  let dockerFacts: Promise<DockerFacts> | undefined;
  let ours: Promise<{ kubelets: Set<number>; containers: string[] }> | undefined;
  const ownership = () =>
    (ours ??= (async () => ({ kubelets: new Set(labKubelets(env).map((k) => k.pid)), containers: await labContainerIds(env, docker) }))());
  const isOurs = async (pid: number | undefined) => {
    if (pid === undefined) return false;
    const { kubelets, containers } = await ownership();
    return kubelets.has(pid) || insideContainer(pid, containers);
  };
  return {
    platform: process.platform,
    arch: process.arch,
    uid: process.getuid?.(),
    readFile,
    exists: existsSync,
    which,
    async systemdVersion() {
      if (processName(1) !== 'systemd') return undefined;
      const out = await runCommand('systemctl', ['--version'], { timeoutMs: 5000 });
      const version = /^systemd (\d+)/.exec(out.stdout)?.[1];
      return version ? Number(version) : undefined;
    },
    docker: () =>
      (dockerFacts ??= (async () => {
        const { version, info } = await docker.engineFacts();
        const v = version as { Version: string; ApiVersion: string; MinAPIVersion?: string };
        const i = info as { CgroupDriver?: string; CgroupVersion?: string; DockerRootDir?: string };
        return {
          version: v.Version,
          apiVersion: v.ApiVersion,
          minApiVersion: v.MinAPIVersion ?? '1.12',
          cgroupDriver: i.CgroupDriver ?? 'cgroupfs',
          cgroupVersion: i.CgroupVersion,
          rootDir: i.DockerRootDir ?? '/var/lib/docker',
        };
      })()),
    async portHolders(ports) {
      const holders = portHolders(ports);
      return Promise.all(holders.map(async (h) => ({ ...h, ours: await isOurs(h.pid) })));
    },
    async kubernetesProcesses() {
      const facts: ProcessFact[] = [];
      const kubeletPids = new Set(allKubelets().map((k) => k.pid));
      for (const proc of listProcesses()) {
        const name = path.basename(proc.argv[0] ?? '');
        if (!KUBERNETES_PROCESSES.has(name) && !kubeletPids.has(proc.pid)) continue;
        facts.push({ pid: proc.pid, name, command: proc.argv.slice(0, 3).join(' ').slice(0, 100), ours: await isOurs(proc.pid) });
      }
      return facts;
    },
    freeBytes,
    async binaries() {
      const states = await checkBinaries(env.binDir, env.versions.binaries, env.versions.kubernetes);
      return states.map((s) => ({ name: s.name, present: s.ok, problem: s.problem }));
    },
    async images() {
      const result = [];
      for (const image of labImages(env)) result.push({ name: image.name, present: await docker.imagePresent(image.name) });
      return result;
    },
    // Docker's default runtime unless told (a test picks plain runc to see the real failure).
    sandboxTrial: () => sandboxTrial(env, docker, options.sandboxRuntime),
    downloadableArch(arch) {
      try {
        return loadChecksums(undefined, env.versions.kubernetes).archives.some((a) => a.arch === arch);
      } catch {
        return false;
      }
    },
    binDir: env.binDir,
    cacheDir: cacheDir(),
    mirror: registryMirror(),
  };
}
