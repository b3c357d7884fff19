import type { Command } from 'commander';
import { UsageError } from './errors.ts';
import { loadLabConfig } from './labConfig.ts';
import type { Versions } from './versions.ts';

/** Set by `--registry-mirror` (the CLI copies the flag here so every labEnv() and child process sees it). */
export const MIRROR_ENV = 'MVK_REGISTRY_MIRROR';

/** registry host (optional port) and path, no scheme and no tag: `registry.aliyuncs.com/google_containers`. */
const mirrorPattern = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function validateMirror(prefix: string, source: string): string {
  const trimmed = prefix.trim().replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(trimmed)) {
    throw new UsageError(
      `${source}: "${prefix}" has a URL scheme`,
      'give the image prefix without http:// or https://, for example registry.aliyuncs.com/google_containers',
    );
  }
  if (!mirrorPattern.test(trimmed)) {
    throw new UsageError(
      `${source}: "${prefix}" is not an image prefix`,
      'use host[:port]/path in lower case, for example registry.aliyuncs.com/google_containers or 127.0.0.1:5000/lab',
    );
  }
  return trimmed;
}

/**
 * The image's name under the mirror: the last path segment (name:tag) after the prefix. Mirrors like
 * registry.aliyuncs.com/google_containers are flat, so registry.k8s.io/pause:3.2 becomes
 * <prefix>/pause:3.2 and quay.io/coreos/etcd:v3.4.23 becomes <prefix>/etcd:v3.4.23.
 */
export function mirroredName(image: string, prefix: string): string {
  const base = image.slice(image.lastIndexOf('/') + 1);
  return `${prefix}/${base}`;
}

/** The versions list with every image renamed to the mirror; unchanged without a mirror. */
export function withImageMirror(versions: Versions, prefix: string | undefined): Versions {
  if (!prefix) return versions;
  const images = Object.fromEntries(
    Object.entries(versions.images).map(([role, image]) => [role, mirroredName(image, prefix)]),
  ) as Versions['images'];
  const seen = new Map<string, string>();
  for (const [role, image] of Object.entries(images)) {
    const other = seen.get(image);
    if (other)
      throw new UsageError(
        `with the mirror ${prefix}, the images for ${other} and ${role} would both be ${image}`,
        'rename one of them in labs/versions.yaml or use a mirror that keeps the full paths',
      );
    seen.set(image, role);
  }
  return { ...versions, images };
}

/** The mirror in force: the flag (via the environment) wins over lab.config.yaml; undefined for none. */
export function registryMirror(): string | undefined {
  const fromEnv = process.env[MIRROR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return validateMirror(fromEnv, `--registry-mirror (${MIRROR_ENV})`);
  const fromConfig = loadLabConfig().registryMirror;
  return fromConfig ? validateMirror(fromConfig, 'lab.config.yaml registryMirror') : undefined;
}

/**
 * `--registry-mirror PREFIX` on every command. It is copied into the environment before the command
 * runs, so labEnv() (the one place names are rewritten) and any child `lab` process see it.
 */
export function registerMirrorOption(program: Command): void {
  program.option(
    '--registry-mirror <prefix>',
    'pull every image from this prefix, e.g. registry.aliyuncs.com/google_containers (also registryMirror in lab.config.yaml)',
  );
  program.hook('preAction', (root) => {
    const prefix = root.opts().registryMirror as string | undefined;
    if (prefix !== undefined) process.env[MIRROR_ENV] = validateMirror(prefix, '--registry-mirror');
  });
}
