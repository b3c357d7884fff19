/**
 * A machine made of data (issue 13): the `Machine` the probes, apply and diagnoses use, answering from
 * what a test lays out, so the engine's logic is tested without Docker, kubelet or an apiserver. The
 * real suites (test/engine, test/diagnosis) stay the proof that the real machine answers so.
 */
import { DockerDownError, newestFirst, type ContainerDetails, type PodContainer } from '../../src/machine/docker.ts';
import { HttpUnreachableError, type HttpReply, type UnreachableReason } from '../../src/machine/http.ts';
import type { KubectlResult } from '../../src/machine/kubectl.ts';
import type { Docker, Machine, PathKind } from '../../src/machine/machine.ts';
import type { PortHolder } from '../../src/machine/ports.ts';
import type { ProcessInfo } from '../../src/machine/proc.ts';

export interface FakeMachineSetup {
  /** Docker does not answer: every Docker call throws DockerDownError. */
  dockerDown?: boolean;
  containers?: PodContainer[];
  /** By container id. */
  logs?: Record<string, string>;
  startErrors?: Record<string, string>;
  details?: Record<string, ContainerDetails>;
  /** Local images: name -> id. */
  images?: Record<string, string>;
  processes?: ProcessInfo[];
  listeners?: PortHolder[];
  /** By URL; a URL not listed refuses the connection, as a port nothing listens on. */
  http?: Record<string, HttpReply | UnreachableReason | (() => Promise<HttpReply>)>;
  kubectl?: (args: string[]) => KubectlResult | Promise<KubectlResult>;
  files?: Record<string, string>;
  /** Files read as bytes (a snapshot); `files` entries are readable as bytes too. */
  binaries?: Record<string, Buffer>;
  dirs?: string[];
}

/** A fake machine, and the calls made to it (`docker.logs <id>`, `GET <url>`…) for tests that count them. */
export function fakeMachine(setup: FakeMachineSetup = {}): Machine & { calls: string[] } {
  const calls: string[] = [];
  const up = async () => {
    if (setup.dockerDown) throw new DockerDownError(new Error('connect ENOENT /var/run/docker.sock'));
  };
  const docker: Docker = {
    ensureUp: up,
    async podContainers(filter = {}) {
      await up();
      calls.push(`docker.podContainers ${filter.namespace ?? ''}/${filter.podName ?? ''}`);
      return (setup.containers ?? [])
        .filter(
          (c) =>
            (!filter.podName || c.podName === filter.podName) &&
            (!filter.namespace || c.podNamespace === filter.namespace) &&
            (!filter.container || c.containerName === filter.container),
        )
        .sort(newestFirst);
    },
    async logs(id, tail = 200) {
      await up();
      calls.push(`docker.logs ${id}`);
      return (setup.logs?.[id] ?? '').split('\n').slice(-tail).join('\n');
    },
    async startError(id) {
      await up();
      return setup.startErrors?.[id] ?? '';
    },
    async inspectContainer(id) {
      await up();
      return setup.details?.[id] ?? { imageId: '', argv: [], mounts: [] };
    },
    async imageId(name) {
      await up();
      return setup.images?.[name];
    },
    async imagePresent(name) {
      await up();
      return setup.images?.[name] !== undefined;
    },
  };
  return {
    calls,
    docker,
    processes: () => setup.processes ?? [],
    portHolders: (ports) => (setup.listeners ?? []).filter((holder) => ports.includes(holder.port)),
    async http(url, options = {}) {
      calls.push(`${options.method ?? 'GET'} ${url}`);
      const answer = setup.http?.[url] ?? 'refused';
      if (typeof answer === 'function') return answer();
      if (typeof answer === 'string') throw new HttpUnreachableError(url, answer, answer === 'refused' ? 'connect ECONNREFUSED' : answer);
      return answer;
    },
    async kubectl(_env, args) {
      calls.push(`kubectl ${args.join(' ')}`);
      return setup.kubectl
        ? setup.kubectl(args)
        : { exitCode: 1, stdout: '', stderr: 'The connection to the server localhost:8080 was refused' };
    },
    async readFile(file) {
      const text = setup.files?.[file];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
      return text;
    },
    async pathKind(target): Promise<PathKind | undefined> {
      if (setup.dirs?.includes(target)) return 'directory';
      return setup.files?.[target] !== undefined || setup.binaries?.[target] !== undefined ? 'file' : undefined;
    },
    async readBytes(file, length) {
      const bytes = setup.binaries?.[file] ?? (setup.files?.[file] !== undefined ? Buffer.from(setup.files[file]!) : undefined);
      if (bytes === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT' });
      return length === undefined ? bytes : bytes.subarray(0, length);
    },
    async listDir(dir) {
      // The entries under dir, from every file and directory the setup names.
      const prefix = `${dir.replace(/\/$/, '')}/`;
      const entries = new Map<string, PathKind>();
      for (const file of [...Object.keys(setup.files ?? {}), ...Object.keys(setup.binaries ?? {})]) {
        if (!file.startsWith(prefix)) continue;
        const [name, ...rest] = file.slice(prefix.length).split('/');
        entries.set(name!, rest.length ? 'directory' : 'file');
      }
      for (const sub of setup.dirs ?? []) {
        if (!sub.startsWith(prefix)) continue;
        entries.set(sub.slice(prefix.length).split('/')[0]!, 'directory');
      }
      return [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([name, kind]) => ({ name, kind }));
    },
  };
}

let nextId = 0;

/** A container as dockershim names and labels it; `created` counts up so later ones are newer. */
export function podContainer(fields: Partial<PodContainer> & Pick<PodContainer, 'podName' | 'containerName'>): PodContainer {
  const id = fields.id ?? `c${String(++nextId).padStart(11, '0')}`;
  const podNamespace = fields.podNamespace ?? 'kube-system';
  const podUid = fields.podUid ?? 'uid-1';
  const attempt = fields.attempt ?? 0;
  return {
    id,
    name: `k8s_${fields.containerName}_${fields.podName}_${podNamespace}_${podUid}_${attempt}`,
    image: 'image',
    state: 'running',
    status: 'Up 5 seconds',
    created: 1_700_000_000 + nextId,
    attempt,
    podNamespace,
    podUid,
    sandboxId: 'sandbox',
    ...fields,
  };
}

/** A process as /proc shows it. */
export const processInfo = (pid: number, argv: string[], cwd = '/'): ProcessInfo => ({ pid, argv, cwd });
