import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  argv: string[];
  cwd?: string;
}

/** Every process whose command line we can read (processes may vanish while we scan; they are skipped). */
export function listProcesses(): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!raw) continue;
      const argv = raw.split('\0').filter((arg, index, all) => arg !== '' || index < all.length - 1);
      let cwd: string | undefined;
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        cwd = undefined;
      }
      result.push({ pid: Number(entry), argv, cwd });
    } catch {
      // gone already
    }
  }
  return result;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie is dead for our purposes: it holds no ports and does nothing.
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}
