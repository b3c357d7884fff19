import type { Command } from 'commander';
import { labEnv } from '../core/context.ts';
import { DockerDriver } from '../machine/docker.ts';
import { labImages } from '../engine/images/list.ts';
import { layerProgressPrinter } from '../engine/images/layerProgress.ts';
import { ensureImages } from '../engine/images/pull.ts';
import { downloadProgressBar } from '../engine/setup/progressBar.ts';
import { setupBinaries } from '../engine/setup/setup.ts';

const out = (line = '') => process.stdout.write(`${line}\n`);

interface SetupFlags {
  from?: string;
  baseUrl?: string;
  arch?: string;
  keepArchive?: boolean;
  checksums?: string;
  images?: boolean;
}

async function setup(flags: SetupFlags): Promise<number> {
  const bar = downloadProgressBar(process.stdout, '  kubernetes');
  try {
    await setupBinaries({
      log: out,
      from: flags.from,
      baseUrl: flags.baseUrl,
      arch: flags.arch,
      keepArchive: flags.keepArchive,
      checksums: flags.checksums,
      onProgress: bar.update,
    });
  } finally {
    bar.done();
  }
  if (flags.images !== false) {
    const env = labEnv();
    const pulled = await ensureImages(
      env,
      new DockerDriver(),
      labImages(env).map((i) => i.role),
      { log: out, onProgress: layerProgressPrinter(process.stdout), automatic: true },
    );
    out(pulled.length === 0 ? 'images: all on this machine' : `images: pulled ${pulled.join(', ')}`);
  }
  out('setup done. `lab doctor` checks the rest of the machine.');
  return 0;
}

export function registerSetupCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('setup')
    .option('--from <dir>', 'use the binaries in this directory (checked for the pinned version) instead of downloading')
    .option('--base-url <url>', 'release host to download from (default https://dl.k8s.io; also MVK_RELEASE_URL)')
    .option('--arch <arch>', 'amd64 or arm64 (default: this machine)')
    .option('--keep-archive', 'keep the downloaded release archive in the cache')
    .option('--checksums <file>', 'checksums file to verify against (default labs/checksums.yaml; tests use their own)')
    .option('--no-images', 'do not pull the missing images')
    .description('get the pinned Kubernetes binaries (verified download) and the images the lab runs')
    .action(async (flags) => setExit(await setup(flags)));
}
