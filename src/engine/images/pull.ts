import type { LabEnv } from '../../core/context.ts';
import type { DockerDriver } from '../../machine/docker.ts';
import { LabError } from '../../core/errors.ts';
import { loadLabConfig } from '../../core/labConfig.ts';
import type { ImageRole } from '../../core/versions.ts';
import { imagesForRoles, type LabImage } from './list.ts';
import { toLayerProgress, type LayerProgress } from './layerProgress.ts';

export class ImagePullError extends LabError {
  constructor(image: string, reason: string, mirrored: boolean, cause?: unknown) {
    super(
      `the image ${image} is not on this machine and pulling it failed: ${reason}`,
      mirrored
        ? 'check that the mirror holds this image (`lab images list` shows the names) and that Docker can reach it'
        : 'check the network, or use a mirror (`--registry-mirror PREFIX` or registryMirror in lab.config.yaml), or load a class ' +
            'bundle with `lab images load FILE`',
      { cause },
    );
  }
}

/** Pulls one image through Docker, reporting each layer's progress; throws ImagePullError. */
export async function pullImage(
  docker: DockerDriver,
  image: string,
  onProgress: (event: LayerProgress) => void,
  mirrored = false,
): Promise<void> {
  await docker.ensureUp();
  let failure: string | undefined;
  try {
    await docker.pull(image, (event) => {
      // Docker reports a failed pull as an event in the stream, not as an HTTP error.
      const { error } = event as { error?: string };
      if (error) failure ??= error;
      else onProgress(toLayerProgress(image, event as Parameters<typeof toLayerProgress>[1]));
    });
  } catch (error) {
    throw new ImagePullError(image, firstLine(error), mirrored, error);
  }
  if (failure) throw new ImagePullError(image, failure.split('\n')[0]!, mirrored);
  // A pull can end without an error event yet leave nothing (an interrupted stream); check.
  if (!(await docker.imagePresent(image))) throw new ImagePullError(image, 'Docker finished the pull but the image is not there', mirrored);
}

function firstLine(error: unknown): string {
  const json = (error as { json?: { message?: string } }).json;
  return (json?.message ?? (error as Error).message ?? String(error)).split('\n')[0]!;
}

export interface EnsureOptions {
  log: (line: string) => void;
  onProgress?: (event: LayerProgress) => void;
  /** A pull the student did not ask for (apply, setup): skipped when pulls are turned off. */
  automatic?: boolean;
  /** Called before each pull with the whole list of missing images, for a display of them all. */
  onImage?: (image: string, missing: string[]) => void;
}

/** MVK_NO_PULL=1 or `pullImages: false` in lab.config.yaml: an offline machine fails at once, naming the image. */
export function automaticPullsAllowed(): boolean {
  if (process.env.MVK_NO_PULL === '1') return false;
  return loadLabConfig().pullImages !== false;
}

/** Which of the images are not on this machine. */
export async function missingImages(docker: DockerDriver, images: LabImage[]): Promise<LabImage[]> {
  const missing: LabImage[] = [];
  for (const image of images) if (!(await docker.imagePresent(image.name))) missing.push(image);
  return missing;
}

/**
 * Makes sure the images of these roles are present, pulling the missing ones with visible progress,
 * so a student never waits on a pull kubelet does silently. Returns the names it pulled.
 */
export async function ensureImages(env: LabEnv, docker: DockerDriver, roles: ImageRole[], options: EnsureOptions): Promise<string[]> {
  if (options.automatic && !automaticPullsAllowed()) return [];
  const images = imagesForRoles(env, roles);
  const missing = await missingImages(docker, images);
  for (const image of missing) {
    options.onImage?.(
      image.name,
      missing.map((m) => m.name),
    );
    options.log(`pulling ${image.name}`);
    await pullImage(docker, image.name, options.onProgress ?? (() => {}), image.name !== image.upstream);
  }
  return missing.map((image) => image.name);
}
