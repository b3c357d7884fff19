import type { LabEnv } from '../../core/context.ts';
import { loadVersions, type ImageRole } from '../../core/versions.ts';

export interface LabImage {
  role: ImageRole;
  /** The name the lab uses (mirrored when a mirror is set). */
  name: string;
  /** The name in labs/versions.yaml. */
  upstream: string;
}

/** Every image the lab runs, in the order of labs/versions.yaml (pause first: every pod needs it). */
export function labImages(env: LabEnv): LabImage[] {
  const upstream = loadVersions().images;
  return (Object.keys(env.versions.images) as ImageRole[]).map((role) => ({
    role,
    name: env.versions.images[role],
    upstream: upstream[role],
  }));
}

export function imagesForRoles(env: LabEnv, roles: ImageRole[]): LabImage[] {
  const wanted = new Set(roles);
  return labImages(env).filter((image) => wanted.has(image.role));
}
