import path from 'node:path';
import type { Command } from 'commander';
import { labEnv } from '../core/context.ts';
import { DockerDriver } from '../machine/docker.ts';
import { LabError } from '../core/errors.ts';
import type { ImageRole } from '../core/versions.ts';
import { loadImages, saveImages } from '../engine/images/bundle.ts';
import { labImages } from '../engine/images/list.ts';
import { registryMirror } from '../core/imageMirror.ts';
import { layerProgressPrinter } from '../engine/images/layerProgress.ts';
import { ensureImages, missingImages } from '../engine/images/pull.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

async function list(options: { json?: boolean; missing?: boolean }): Promise<number> {
  const env = labEnv();
  let images = labImages(env);
  if (options.missing) images = await missingImages(new DockerDriver(), images);
  if (options.json) out(JSON.stringify({ mirror: registryMirror() ?? null, images }, null, 2));
  else for (const image of images) out(image.name);
  return 0;
}

async function pull(): Promise<number> {
  const env = labEnv();
  const roles = labImages(env).map((image) => image.role as ImageRole);
  const pulled = await ensureImages(env, new DockerDriver(), roles, { log: out, onProgress: layerProgressPrinter(process.stdout) });
  out(
    pulled.length === 0
      ? 'all lab images are already on this machine'
      : `pulled ${pulled.length} image(s); all lab images are on this machine`,
  );
  return 0;
}

async function save(file: string): Promise<number> {
  const env = labEnv();
  const docker = new DockerDriver();
  const images = labImages(env);
  const roles = images.map((image) => image.role as ImageRole);
  // An instructor saves on a machine with network: pull what is missing first.
  await ensureImages(env, docker, roles, { log: out, onProgress: layerProgressPrinter(process.stdout) });
  const bytes = await saveImages(
    docker,
    images.map((image) => image.name),
    path.resolve(file),
  );
  out(
    `saved ${images.length} images to ${file} (${(bytes / 1e6).toFixed(1)} MB). On each student machine: lab images load ${path.basename(file)}`,
  );
  return 0;
}

async function load(file: string): Promise<number> {
  const env = labEnv();
  const docker = new DockerDriver();
  const loaded = await loadImages(docker, path.resolve(file));
  for (const name of loaded) out(`loaded ${name}`);
  const missing = await missingImages(docker, labImages(env));
  if (missing.length > 0) {
    throw new LabError(
      `the archive did not hold ${missing.map((image) => image.name).join(', ')}`,
      'the bundle was saved with another image list or mirror; use the same --registry-mirror as when it was saved, or `lab images pull`',
    );
  }
  out('all lab images are on this machine');
  return 0;
}

export function registerImagesCommand(program: Command, setExit: (code: number) => void): void {
  const images = program.command('images').description('the container images the lab runs: list, pull, save and load them');
  images
    .command('list')
    .option('--json', 'machine-readable output')
    .option('--missing', 'only the images not on this machine')
    .description('print every image the lab needs (mirror applied), one per line')
    .action(async (options) => setExit(await list(options)));
  images
    .command('pull')
    .description('pull the images that are not on this machine, showing each layer')
    .action(async () => setExit(await pull()));
  images
    .command('save')
    .argument('<file>', 'archive to write, e.g. mvk-images.tar')
    .description('write all lab images into one archive (an instructor prepares one for the class)')
    .action(async (file) => setExit(await save(file)));
  images
    .command('load')
    .argument('<file>', 'archive written by `lab images save`')
    .description('load the lab images from an archive, with no registry at all')
    .action(async (file) => setExit(await load(file)));
}
