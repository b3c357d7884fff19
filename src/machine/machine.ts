import { readFile, stat } from 'node:fs/promises';
import type { LabEnv } from '../core/context.ts';
import { DockerDriver } from './docker.ts';
import { httpRequest, type HttpReply, type HttpRequestOptions } from './http.ts';
import { kubectl, type KubectlResult } from './kubectl.ts';
import { portHolders, type PortHolder } from './ports.ts';
import { listProcesses, type ProcessInfo } from './proc.ts';

/** What that code asks Docker: the DockerDriver methods it calls. */
export type Docker = Pick<
  DockerDriver,
  'ensureUp' | 'podContainers' | 'logs' | 'startError' | 'inspectContainer' | 'imageId' | 'imagePresent'
>;

export type PathKind = 'file' | 'directory' | 'other';

/**
 * The machine as the probes, apply's waiting, reset's last check and the diagnoses see it (issue 13's
 * seam): Docker, the processes in /proc, listening ports, HTTP, kubectl and files outside the repo.
 * `realMachine` is this machine, through the drivers; the unit tests use a fake
 * (test/helpers/fakeMachine.ts), so that code is tested without Docker, kubelet or a cluster.
 */
export interface Machine {
  docker: Docker;
  /** Every process whose command line can be read (kubelets are found among them). */
  processes(): ProcessInfo[];
  /** Who listens on these TCP ports (the host's network namespace, hostNetwork pods included). */
  portHolders(ports: number[]): PortHolder[];
  /** Throws HttpUnreachableError when nothing answers. */
  http(url: string, options?: HttpRequestOptions): Promise<HttpReply>;
  kubectl(env: LabEnv, args: string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** A file's text; throws when it cannot be read. */
  readFile(file: string): Promise<string>;
  /** What is at a path (symbolic links followed), undefined when nothing is. */
  pathKind(target: string): Promise<PathKind | undefined>;
}

export function realMachine(docker: Docker = new DockerDriver()): Machine {
  return {
    docker,
    processes: listProcesses,
    portHolders,
    http: httpRequest,
    kubectl,
    readFile: (file) => readFile(file, 'utf8'),
    async pathKind(target) {
      try {
        const info = await stat(target);
        return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
      } catch {
        return undefined;
      }
    },
  };
}
