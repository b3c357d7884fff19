import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { DockerDriver } from '../../machine/docker.ts';
import { LabError } from '../../core/errors.ts';

/**
 * Writes the images into one `docker save` archive (layers shared between images are stored once).
 * Written to FILE.part and renamed at the end, so an interrupted save never leaves a file that looks whole.
 */
export async function saveImages(docker: DockerDriver, names: string[], file: string): Promise<number> {
  await docker.ensureUp();
  const part = `${file}.part`;
  try {
    const stream = await docker.saveImages(names);
    await pipeline(stream, createWriteStream(part));
    renameSync(part, file);
  } catch (error) {
    rmSync(part, { force: true });
    throw new LabError(
      `could not save the images to ${file}: ${(error as Error).message}`,
      'check free space and that the directory exists; `lab images list` shows what goes in',
      { cause: error },
    );
  }
  return statSync(file).size;
}

interface LoadEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Docker answers a load with JSON lines (and, for a broken archive, sometimes a bare text line). */
export function parseLoadOutput(text: string): { loaded: string[]; error?: string } {
  const loaded: string[] = [];
  let error: string | undefined;
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    let event: LoadEvent;
    try {
      event = JSON.parse(line) as LoadEvent;
    } catch {
      error ??= line;
      continue;
    }
    if (event.error || event.errorDetail?.message) error ??= event.errorDetail?.message ?? event.error;
    const match = /Loaded image(?: ID)?: (\S+)/.exec(event.stream ?? '');
    if (match) loaded.push(match[1]!);
  }
  return { loaded, error };
}

/** Loads a `docker save` archive; returns the image names Docker reports as loaded. */
export async function loadImages(docker: DockerDriver, file: string): Promise<string[]> {
  if (!existsSync(file)) throw new LabError(`${file} does not exist`, 'give the path of an archive written by `lab images save FILE`');
  await docker.ensureUp();
  // Docker reports a bad archive inside its answer, not by status.
  const { loaded, error } = parseLoadOutput(await docker.loadImages(createReadStream(file)));
  if (error)
    throw new LabError(
      `Docker could not load ${file}: ${error}`,
      'is it an archive from `lab images save` (or `docker save`)? It may be truncated: copy it again',
    );
  return loaded;
}
