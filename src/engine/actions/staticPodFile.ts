import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../../core/context.ts';
import { yaml } from '../../core/yaml.ts';
import type { DockerDriver } from '../../machine/docker.ts';
import { setAside, writeStudentFile } from './files.ts';

/** Longer than a pod's default 30 s grace period, so a process that ignores SIGTERM is gone too. */
const STOP_TIMEOUT_MS = 45_000;

function podOf(text: string): { name: string; namespace: string } | undefined {
  try {
    const doc = yaml().parse(text) as { kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (doc?.kind !== 'Pod' || !doc.metadata?.name) return undefined;
    return { name: doc.metadata.name, namespace: doc.metadata.namespace ?? 'default' };
  } catch {
    return undefined;
  }
}

/** How many of a static pod's containers run now (0 for a file that is no pod). */
async function runningContainers(env: LabEnv, docker: DockerDriver, pod: { name: string; namespace: string } | undefined) {
  if (!pod) return 0;
  const containers = await docker.podContainers({ podName: `${pod.name}-${env.nodeName}`, namespace: pod.namespace });
  return containers.filter((c) => c.state === 'running').length;
}

async function awaitStopped(env: LabEnv, docker: DockerDriver, pod: { name: string; namespace: string }): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while ((await runningContainers(env, docker, pod)) > 0 && Date.now() < deadline) await sleep(250);
}

/**
 * Writes a new version of a static pod manifest that kubelet runs now. Edited in place, the file
 * becomes a new pod (kubelet hashes the manifest into the pod's UID) while the old version still
 * terminates; kubelet skips the new one as "pending termination" and retries only after its 10 s
 * back-off. Taking the old file away and waiting for its containers to stop lets the new one start at
 * once. Anything else (a new file, a pod not running, a file outside pods/) is a plain write.
 */
export async function writeStaticPodFile(
  env: LabEnv,
  docker: DockerDriver,
  relative: string,
  content: string,
  log: (line: string) => void,
  references: string[] = [],
): Promise<void> {
  const file = path.join(env.repoRoot, relative);
  const inPodsDir = !path.relative(env.podsDir, file).startsWith('..');
  const old = inPodsDir && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const pod = old !== undefined && old !== content ? podOf(old) : undefined;
  if (!pod || (await runningContainers(env, docker, pod)) === 0) return writeStudentFile(env, relative, content, log, references);
  setAside(env, relative, references, log);
  log(`took ${relative} away; waiting for kubelet to stop ${pod.name}-${env.nodeName} before its new version starts`);
  await awaitStopped(env, docker, pod);
  writeFileSync(file, content);
  log(`updated ${relative}`);
}

/**
 * Runs `during` with a static pod stopped: its file waits in .lab/aside/ (where a student finds it
 * should the lab be interrupted) and comes back unchanged afterwards, even when `during` fails.
 */
export async function withStaticPodStopped(
  env: LabEnv,
  docker: DockerDriver,
  relative: string,
  log: (line: string) => void,
  during: () => Promise<void>,
): Promise<void> {
  const file = path.join(env.repoRoot, relative);
  const pod = existsSync(file) ? podOf(readFileSync(file, 'utf8')) : undefined;
  if (!pod) return during();
  const aside = path.join(env.stateDir, 'aside', relative);
  mkdirSync(path.dirname(aside), { recursive: true });
  renameSync(file, aside);
  log(`moved ${relative} to ${path.relative(env.repoRoot, aside)} so that kubelet stops ${pod.name}-${env.nodeName}`);
  try {
    await awaitStopped(env, docker, pod);
    await during();
  } finally {
    renameSync(aside, file);
    log(`moved ${relative} back`);
  }
}
