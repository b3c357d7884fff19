import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PROC_SYS = '/proc/sys';

/** A kernel setting by its /proc/sys path (`vm/overcommit_memory`), undefined when it cannot be read. */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(path.join(PROC_SYS, key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Sets a kernel setting; throws when the kernel refuses (not root, a read-only /proc/sys). */
export function writeSysctl(key: string, value: string): void {
  writeFileSync(path.join(PROC_SYS, key), value);
}
