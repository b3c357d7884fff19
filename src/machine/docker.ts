import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import type { Readable } from 'node:stream';
import { LabError } from '../core/errors.ts';
import { DockerEngine, followJsonLines, type ContainerSummary } from './dockerApi.ts';
import { scaled } from '../core/timeouts.ts';

/** Overridable so tests can show what happens when Docker does not answer. */
export const DOCKER_SOCKET = process.env.MVK_DOCKER_SOCKET ?? '/var/run/docker.sock';

/** Labels dockershim puts on every container it creates; the lab finds its pods by them. */
export const LABEL = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  sandboxId: 'io.kubernetes.sandbox.id',
  dockerType: 'io.kubernetes.docker.type',
} as const;

export interface PodContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  /** Unix seconds: two attempts of a crashing container often share one. */
  created: number;
  /** kubelet's attempt number, the `_N` that ends dockershim's container name. */
  attempt: number;
  podName: string;
  podNamespace: string;
  podUid: string;
  /** `POD` for the sandbox (pause) container. */
  containerName: string;
  /** The pod sandbox the container belongs to (its own id for the sandbox container). */
  sandboxId: string;
}

export interface ContainerDetails {
  imageId: string;
  /** The process Docker started: entrypoint/command and arguments. */
  argv: string[];
  mounts: { source: string; destination: string }[];
}

export class DockerDownError extends LabError {
  constructor(cause?: unknown) {
    super(
      `the Docker engine does not answer at ${DOCKER_SOCKET}`,
      'start Docker (`systemctl start docker`, or on the test bed `npm run testbed`) and check `docker info`',
      { cause, exitCode: 3 }, // 3: the machine is not ready (EXIT.notReady in errors.ts)
    );
  }
}

/**
 * Docker's log stream for a container without a TTY interleaves stdout and stderr in frames with an
 * 8-byte header (stream, 0, 0, 0, big-endian length). Returns the payload as text.
 */
export function demuxDockerLogs(buffer: Buffer): string {
  const looksFramed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!looksFramed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Node lists only interfaces that are up; docker0 is down while no container uses it, so ask `ip`. */
async function interfaceAddress(name: string): Promise<string | undefined> {
  const stdout = await new Promise<string | undefined>((resolve) =>
    execFile('ip', ['-j', '-4', 'addr', 'show', 'dev', name], (error, out) => resolve(error ? undefined : out)),
  );
  if (stdout === undefined) return undefined;
  try {
    const [link] = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
    return link?.addr_info?.find((info) => info.local)?.local;
  } catch {
    return undefined;
  }
}

function toPodContainer(info: ContainerSummary): PodContainer {
  const labels = info.Labels ?? {};
  const name = (info.Names[0] ?? '').replace(/^\//, '');
  return {
    id: info.Id,
    name,
    image: info.Image,
    state: info.State,
    status: info.Status,
    created: info.Created,
    attempt: Number(/_(\d+)$/.exec(name)?.[1] ?? 0),
    podName: labels[LABEL.podName] ?? '',
    podNamespace: labels[LABEL.podNamespace] ?? '',
    podUid: labels[LABEL.podUid] ?? '',
    containerName: labels[LABEL.containerName] ?? '',
    sandboxId: labels[LABEL.dockerType] === 'podsandbox' ? info.Id : (labels[LABEL.sandboxId] ?? ''),
  };
}

/** Sort order of pod containers. Within one second only the attempt number tells a restarted container from the one it replaced. */
export function newestFirst(
  a: Pick<PodContainer, 'created' | 'podUid' | 'attempt'>,
  b: Pick<PodContainer, 'created' | 'podUid' | 'attempt'>,
): number {
  return b.created - a.created || (a.podUid === b.podUid ? b.attempt - a.attempt : 0);
}

const TIMEOUT_MS = 15_000;

/**
 * The UID of a pod's current version: that of its newest running sandbox, when that sandbox is strictly
 * newer than every other version's (Docker gives creation times in whole seconds, so two versions made
 * in one second cannot be told apart, and then it is undefined).
 */
export function currentPodUid(containers: Pick<PodContainer, 'containerName' | 'state' | 'created' | 'podUid'>[]): string | undefined {
  const sandboxes = containers.filter((c) => c.containerName === 'POD');
  const running = sandboxes.filter((c) => c.state === 'running').sort((a, b) => b.created - a.created)[0];
  if (!running) return undefined;
  return sandboxes.some((c) => c.podUid !== running.podUid && c.created >= running.created) ? undefined : running.podUid;
}

export class DockerDriver {
  private reachable?: Promise<void>;
  /**
   * The Engine API on this socket (our own small client, `dockerApi.ts`): the methods below are the
   * lab's only way to it (test/unit/seam.test.ts); tests use it directly to set the scene.
   */
  readonly api: DockerEngine;

  constructor(socketPath = DOCKER_SOCKET) {
    this.api = new DockerEngine(socketPath, scaled(TIMEOUT_MS));
  }

  /** Throws DockerDownError; remembered, so a run with Docker down fails every Docker probe at once. */
  ensureUp(): Promise<void> {
    this.reachable ??= (async () => {
      try {
        await this.api.ping();
      } catch (error) {
        throw new DockerDownError(error);
      }
    })();
    return this.reachable;
  }

  /** Containers dockershim made for pods, newest first. */
  async podContainers(filter: { podName?: string; namespace?: string; container?: string } = {}): Promise<PodContainer[]> {
    await this.ensureUp();
    const labels: string[] = [LABEL.podName];
    if (filter.podName) labels.push(`${LABEL.podName}=${filter.podName}`);
    if (filter.namespace) labels.push(`${LABEL.podNamespace}=${filter.namespace}`);
    if (filter.container) labels.push(`${LABEL.containerName}=${filter.container}`);
    const list = await this.api.listContainers({ all: true, filters: { label: labels } });
    return list.map(toPodContainer).sort(newestFirst);
  }

  async logs(id: string, tail = 200): Promise<string> {
    await this.ensureUp();
    const buffer = await this.api.containerLogs(id, { stdout: true, stderr: true, tail, follow: false });
    return demuxDockerLogs(buffer);
  }

  /** Docker's own error for a container that failed to start (empty when there is none). */
  async startError(id: string): Promise<string> {
    await this.ensureUp();
    const info = (await this.api.inspectContainer(id)) as { State?: { Error?: string } };
    return info.State?.Error ?? '';
  }

  /** What a container actually runs: its image id, command line and bind mounts (for drift against its manifest). */
  async inspectContainer(id: string): Promise<ContainerDetails> {
    await this.ensureUp();
    const info = (await this.api.inspectContainer(id)) as {
      Image?: string;
      Path?: string;
      Args?: string[];
      Mounts?: { Type?: string; Source?: string; Destination?: string }[];
      State?: { StartedAt?: string; FinishedAt?: string };
    };
    return {
      imageId: info.Image ?? '',
      argv: [info.Path ?? '', ...(info.Args ?? [])].filter((arg, index) => index > 0 || arg !== ''),
      mounts: (info.Mounts ?? [])
        .filter((m) => m.Type === 'bind')
        .map((m) => ({ source: m.Source ?? '', destination: m.Destination ?? '' })),
    };
  }

  /** The id of a local image by name, or undefined when it is not on this machine. */
  async imageId(name: string): Promise<string | undefined> {
    await this.ensureUp();
    try {
      return ((await this.api.inspectImage(name)) as { Id?: string }).Id;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.removeContainer(id, { force: true, v: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  async imagePresent(name: string): Promise<boolean> {
    await this.ensureUp();
    try {
      await this.api.inspectImage(name);
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  async cgroupDriver(): Promise<string> {
    await this.ensureUp();
    const info = (await this.api.info()) as { CgroupDriver?: string };
    return info.CgroupDriver ?? 'cgroupfs';
  }

  /**
   * The host's address on Docker's default bridge (usually 172.17.0.1). Docker does not always list
   * the gateway in the network's IPAM config, so fall back to the docker0 interface itself.
   */
  async bridgeGateway(): Promise<string> {
    await this.ensureUp();
    const network = (await this.api.inspectNetwork('bridge')) as {
      IPAM?: { Config?: { Gateway?: string }[] };
      Options?: Record<string, string>;
    };
    const gateway = network.IPAM?.Config?.find((config) => config.Gateway)?.Gateway;
    if (gateway) return gateway;
    const bridgeName = network.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
    const address =
      networkInterfaces()[bridgeName]?.find((entry) => entry.family === 'IPv4')?.address ?? (await interfaceAddress(bridgeName));
    if (address) return address;
    throw new LabError(
      `cannot find the address of Docker's bridge ${bridgeName}`,
      "check `docker network inspect bridge` and `ip addr show docker0`; the lab runs pods on Docker's default bridge",
    );
  }

  /** Docker's version and the info the doctor judges (API range, cgroup driver and version, root dir). */
  async engineFacts(): Promise<{ version: Record<string, unknown>; info: Record<string, unknown> }> {
    await this.ensureUp();
    const [version, info] = await Promise.all([this.api.version(), this.api.info()]);
    return { version, info };
  }

  /**
   * Creates a container from this configuration, starts it and removes it whatever happened: whether
   * Docker can start such a container at all, and Docker's own sentence when it cannot.
   */
  async trialRun(config: Record<string, unknown>): Promise<{ started: true } | { started: false; error: string }> {
    await this.ensureUp();
    const container = await this.api.createContainer(config);
    try {
      await container.start();
      return { started: true };
    } catch (error) {
      const json = (error as { json?: { message?: string } }).json;
      return { started: false, error: json?.message ?? (error as Error).message };
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /**
   * Pulls an image, calling `onEvent` with each progress object of Docker's stream; resolves at its end.
   * A failed pull is often an `error` event in the stream, not a failed request: the caller reads them.
   */
  async pull(image: string, onEvent: (event: Record<string, unknown>) => void): Promise<void> {
    await followJsonLines(await this.api.pull(image), onEvent);
  }

  /** `docker save` of several images: one tar stream (layers shared between images stored once). */
  saveImages(names: string[]): Promise<Readable> {
    return this.api.saveImages(names);
  }

  /** `docker load` of a tar stream; returns Docker's answer (JSON lines, a bad archive reported inside it). */
  async loadImages(archive: Readable): Promise<string> {
    const response = await this.api.loadImage(archive, { quiet: true });
    // The answer is small (a line per image): read it whole.
    let text = '';
    for await (const chunk of response) text += chunk.toString();
    return text;
  }
}

/** Only the container events that change what a probe sees. */
const CONTAINER_EVENTS = ['create', 'start', 'die', 'destroy'];
const RECONNECT_MS = 5000;

/**
 * Docker's event stream, filtered to containers kubelet made (dockershim names them k8s_…). Reconnects
 * when Docker restarts. Returns a stop function.
 */
export function watchPodContainers(onEvent: (name: string) => void, socketPath = DOCKER_SOCKET): () => void {
  // No request timeout here: an event stream is idle most of the time.
  const docker = new DockerEngine(socketPath, 0);
  let abort = new AbortController();
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const reconnectLater = () => {
    if (!stopped) retry = setTimeout(connect, RECONNECT_MS);
  };

  function connect(): void {
    abort = new AbortController();
    docker
      .events({ type: ['container'], event: CONTAINER_EVENTS, label: [LABEL.podName] }, abort.signal)
      .then((stream) =>
        followJsonLines(stream, (event) => {
          const name = (event as { Actor?: { Attributes?: { name?: string } } }).Actor?.Attributes?.name ?? '';
          if (name.startsWith('k8s_')) onEvent(name);
        }),
      )
      // The stream ended (Docker restarted) or never opened (Docker down): try again a little later.
      .then(reconnectLater, reconnectLater);
  }

  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    abort.abort();
  };
}
