import { readFileSync } from 'node:fs';

/** Mount points from /proc/self/mountinfo (field 5, with the kernel's octal escapes undone). */
export function parseMountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4]!)
    .map((point) => point.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
}

export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (
    parseMountPoints(mountinfo)
      .filter((point) => point === dir || point.startsWith(prefix))
      // Deepest first, so nested mounts come off before their parents.
      .sort((a, b) => b.split('/').length - a.split('/').length)
  );
}

/** Unmounts everything under dir; a busy mount is detached lazily so the next step can proceed. */
export async function unmountAllUnder(dir: string): Promise<string[]> {
  const done: string[] = [];
  for (const point of mountsUnder(dir)) {
    // execa loads only when there is something to unmount (~150 ms).
    const { execa } = await import('execa');
    const plain = await execa('umount', [point], { reject: false });
    if (plain.exitCode !== 0) await execa('umount', ['-l', point], { reject: false });
    done.push(point);
  }
  return done;
}
