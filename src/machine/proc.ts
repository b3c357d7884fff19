import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  argv: string[];
  cwd?: string;
}

/**
 * Every process whose command line we can read (processes may vanish while we scan; they are skipped).
 * `cwd` is read when first asked for (only kubelets' is, to resolve their relative flag paths): a
 * readlink for every process would double the cost of a scan the walkthrough makes on every check.
 */
export function listProcesses(): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const raw = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!raw) continue;
      const argv = raw.split('\0').filter((arg, index, all) => arg !== '' || index < all.length - 1);
      result.push(withLazyCwd({ pid: Number(entry), argv }));
    } catch {
      // gone already
    }
  }
  return result;
}

function withLazyCwd(info: ProcessInfo): ProcessInfo {
  let cwd: string | undefined | null = null;
  return Object.defineProperty(info, 'cwd', {
    enumerable: true,
    get() {
      if (cwd === null) {
        try {
          cwd = readlinkSync(`/proc/${info.pid}/cwd`);
        } catch {
          cwd = undefined;
        }
      }
      return cwd;
    },
  });
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

/** A file of /proc, undefined when it cannot be read (the process is gone, or not ours to see). */
function readProc(file: string): string | undefined {
  try {
    return readFileSync(`/proc/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the process runs in one of these containers (its cgroup paths name the container id). */
export function insideContainer(pid: number, containerIds: string[]): boolean {
  const cgroups = readProc(`${pid}/cgroup`) ?? '';
  return containerIds.some((id) => cgroups.includes(id));
}

/** This process's /proc/self/status (its capabilities among others). */
export const ownStatus = (): string | undefined => readProc('self/status');

/** /proc/swaps: a header line, then one line per swap device in use. */
export function swapsText(): string {
  return readFileSync('/proc/swaps', 'utf8');
}

/** Where a process's stderr points (a file, a pipe, a terminal); undefined when it cannot be seen. */
export function stderrTarget(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/fd/2`);
  } catch {
    return undefined;
  }
}
