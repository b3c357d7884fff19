import { chmodSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import path from 'node:path';
import { removeTree } from '../../machine/files.ts';
import { runCommand } from '../../machine/run.ts';
import { LabError } from '../../core/errors.ts';

/**
 * Takes the named binaries out of a release archive into `destDir`. Extraction goes to a temporary
 * directory beside `destDir` and each file is renamed into place, so a failure never leaves a
 * half-written kubelet behind.
 */
export async function extractBinaries(archive: string, binDirInArchive: string, names: string[], destDir: string): Promise<void> {
  mkdirSync(destDir, { recursive: true });
  const staging = mkdtempSync(path.join(path.dirname(destDir), '.extract-'));
  try {
    const members = names.map((name) => path.posix.join(binDirInArchive, name));
    const result = await runCommand('tar', ['-xzf', archive, '-C', staging, ...members]);
    if (result.exitCode !== 0) {
      throw new LabError(
        `cannot extract ${names.join(', ')} from ${path.basename(archive)}: ${result.stderr.split('\n')[0]}`,
        'the archive passed its checksum, so check free disk space and that `tar` is installed',
      );
    }
    for (const name of names) {
      const file = path.join(staging, binDirInArchive, name);
      chmodSync(file, 0o755);
      renameSync(file, path.join(destDir, name));
    }
  } finally {
    removeTree(staging);
  }
}
