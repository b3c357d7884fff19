import { rmSync } from 'node:fs';

/** `rm -rf`: removes a directory tree (or a file); nothing happens when it is not there. */
export function removeTree(target: string): void {
  rmSync(target, { recursive: true, force: true });
}
