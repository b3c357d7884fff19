export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, in one line. */
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DockerFacts {
  version: string;
  apiVersion: string;
  minApiVersion: string;
  cgroupDriver: string;
  /** "1" or "2"; Docker 20.10+ reports it. */
  cgroupVersion?: string;
  rootDir: string;
}

export interface PortHolderFact {
  port: number;
  address: string;
  pid?: number;
  name?: string;
  /** Held by this lab's kubelet or by a container of the lab's pods. */
  ours: boolean;
}

export interface ProcessFact {
  pid: number;
  name: string;
  /** The first arguments, for the message. */
  command: string;
  ours: boolean;
}

/** Outcome of starting the pause image the way kubelet starts a pod sandbox. */
export interface SandboxTrial {
  started: boolean;
  /** Docker's error when it could not start it. */
  error?: string;
  /** Why it was not tried. */
  skipped?: string;
  /** Whether CAP_SYS_RESOURCE is in this process's bounding set (needed to lower oom_score_adj). */
  capSysResource?: boolean;
}

export interface ArtifactFact {
  name: string;
  present: boolean;
  problem?: string;
}

/**
 * Everything the checks read, behind small functions, so a test can hand in a machine with swap on,
 * cgroup v2 or a systemd-driven Docker without changing the real one.
 */
export interface DoctorInputs {
  platform: string;
  /** Node's name (x64, arm64, …). */
  arch: string;
  uid?: number;
  readFile(file: string): string | undefined;
  exists(file: string): boolean;
  /** Full path of a command, or undefined. */
  which(tool: string): string | undefined;
  /** `systemctl --version`'s number (257) when systemd is PID 1, else undefined. */
  systemdVersion(): Promise<number | undefined>;
  /** Throws when Docker does not answer. */
  docker(): Promise<DockerFacts>;
  portHolders(ports: number[]): Promise<PortHolderFact[]>;
  /** kubelet, k3s, k0s, kube-apiserver, etcd processes on the machine. */
  kubernetesProcesses(): Promise<ProcessFact[]>;
  /** Bytes free for an unprivileged write at `dir` (or its nearest existing parent). */
  freeBytes(dir: string): number | undefined;
  binaries(): Promise<ArtifactFact[]>;
  images(): Promise<ArtifactFact[]>;
  /** Starts (and removes) a pause container with oom_score_adj -998, as kubelet does for every pod. */
  sandboxTrial(): Promise<SandboxTrial>;
  /** Whether labs/checksums.yaml has an archive for this architecture (binaries obtainable). */
  downloadableArch(arch: string): boolean;
  binDir: string;
  cacheDir: string;
  mirror?: string;
}

export interface DoctorCheck {
  id: string;
  title: string;
  run(inputs: DoctorInputs): CheckResult | CheckResult[] | Promise<CheckResult | CheckResult[]>;
}
