import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
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
  /** A file's bytes, or its first `length` bytes (a file format's magic number); throws when it cannot be read. */
  readBytes(file: string, length?: number): Promise<Buffer>;
  /** The entries of a directory with what each is (links followed); empty when it cannot be read. */
  listDir(dir: string): Promise<{ name: string; kind: PathKind | undefined }[]>;
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
    async readBytes(file, length) {
      if (length === undefined) return readFile(file);
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async listDir(dir) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        return [];
      }
      const kindOf = async (target: string): Promise<PathKind | undefined> => {
        try {
          const info = await stat(target);
          return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
        } catch {
          return undefined;
        }
      };
      return Promise.all(names.sort().map(async (name) => ({ name, kind: await kindOf(path.join(dir, name)) })));
    },
  };
}
