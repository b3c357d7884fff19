import path from 'node:path';
import type { ContainerDetails, PodContainer } from '../../machine/docker.ts';
import { lintPodsDir, type LintedManifest } from '../manifestLint.ts';
import { memo, PODS_LINT, type ProbeContext } from './types.ts';

/**
 * kubelet replaces a static pod some seconds after its file changes (it re-reads pods/ every 20 s, or
 * at once on an inotify event, then stops the old pod within its grace period). Until it has, what runs
 * is the previous version of the file, and judging it would give a stale pass or a wrong diagnosis.
 */

/**
 * The first way a running container differs from its container spec in the manifest (image, command
 * line, hostPath mounts by volume name in `hostPaths`), in words; undefined when it matches.
 */
export function driftOf(
  spec: any,
  hostPaths: Record<string, string>,
  running: ContainerDetails,
  wantedImageId: string | undefined,
): string | undefined {
  if (wantedImageId && running.imageId && wantedImageId !== running.imageId) return `image ${String(spec?.image)} is not the image it runs`;
  const command: string[] | undefined = Array.isArray(spec?.command) ? spec.command.map(String) : undefined;
  const args: string[] = Array.isArray(spec?.args) ? spec.args.map(String) : [];
  // With a command, Docker runs exactly command + args; without one, the image's entrypoint comes first.
  const wanted = command ? [...command, ...args] : args;
  const tail = running.argv.slice(running.argv.length - wanted.length);
  const same = command
    ? running.argv.length === wanted.length && wanted.every((arg, i) => arg === running.argv[i])
    : wanted.every((arg, i) => arg === tail[i]);
  if (!same) return `it runs \`${running.argv.join(' ')}\`, the file says \`${wanted.join(' ')}\``;
  for (const mount of spec?.volumeMounts ?? []) {
    const hostPath = hostPaths[String(mount?.name)];
    if (!hostPath || !mount?.mountPath) continue;
    const seen = running.mounts.find((m) => m.destination === String(mount.mountPath).replace(/\/$/, ''));
    if (!seen || path.resolve(seen.source) !== path.resolve(String(hostPath)))
      return `${mount.mountPath} is mounted from ${seen?.source ?? 'nowhere'}, the file says ${hostPath}`;
  }
  return undefined;
}

/** The manifest in pods/ that defines a static pod, by its name without the node suffix. */
export function manifestFor(ctx: ProbeContext, namespace: string, podName: string): Promise<LintedManifest | undefined> {
  return memo(ctx, `manifest:${namespace}/${podName}`, async () => {
    // The runner's lint of pods/ for this run (PODS_LINT), shared with the diagnosis layer.
    const { manifests } = await memo(ctx, PODS_LINT, async () => lintPodsDir(ctx.env.podsDir, ctx.env.repoRoot));
    const staticName = podName.endsWith(`-${ctx.env.nodeName}`) ? podName.slice(0, -ctx.env.nodeName.length - 1) : undefined;
    return staticName ? manifests.find((m) => m.podName === staticName && (m.namespace ?? 'default') === namespace) : undefined;
  });
}

export interface Drift {
  file: string;
  difference: string;
}

/**
 * Whether `container` (of a static pod defined in pods/) is still the previous version of its file.
 * Never throws: a drift that cannot be worked out is no drift.
 */
export async function staticPodDrift(ctx: ProbeContext, container: PodContainer): Promise<Drift | undefined> {
  try {
    const manifest = await manifestFor(ctx, container.podNamespace, container.podName);
    const spec = (manifest?.value?.spec?.containers ?? []).find((c: any) => c?.name === container.containerName);
    if (!manifest || !spec) return undefined;
    const volumes: Record<string, string> = {};
    for (const volume of manifest.value?.spec?.volumes ?? [])
      if (volume?.name && volume?.hostPath?.path) volumes[volume.name] = String(volume.hostPath.path);
    const [running, wantedImageId] = await Promise.all([
      ctx.machine.docker.inspectContainer(container.id),
      spec.image ? ctx.machine.docker.imageId(String(spec.image)).catch(() => undefined) : undefined,
    ]);
    const difference = driftOf(spec, volumes, running, wantedImageId);
    return difference ? { file: manifest.file, difference } : undefined;
  } catch {
    return undefined;
  }
}
