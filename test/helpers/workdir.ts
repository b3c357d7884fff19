/**
 * The student's working files of the lab under test (pods/, kubeconfig.yaml and the state dir .lab/),
 * never the developer's checkout: importing this module points MVK_WORK_DIR at one temporary directory
 * for this test process (created here, once, and removed when the process exits). labEnv() in this
 * process reads it, and every `lab`, kubelet or shell the tests start inherits it with process.env.
 * Lessons, fixtures and the `lab` command itself still come from the checkout (`repoRoot`).
 *
 * Import it before anything calls labEnv() (the shared helpers import it first).
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const PREFIX = 'mvk-lab-work-';
/** Holds the pid of the test process that owns a work dir. */
const OWNER_FILE = '.owner-pid';

function createWorkDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), PREFIX));
  // mkdtemp makes it 0700; the checkout it stands in for is readable by all (a test runs `lab` as nobody).
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, OWNER_FILE), `${process.pid}\n`);
  // As a fresh checkout has it: an empty pods/ (the checkout keeps pods/.gitkeep); no kubeconfig, no state.
  mkdirSync(path.join(dir, 'pods'));
  return dir;
}

export const workDir = createWorkDir();
process.env.MVK_WORK_DIR = workDir;
// A developer's own state dir override must not catch the tests' state either: it lives in the work dir.
delete process.env.MVK_STATE_DIR;

process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
// Work dirs of test processes that were killed (no exit hook ran) are tidied up by the next one.
removeAbandonedWorkDirs();

/** A file or directory of the student's, by its path relative to the work dir (`pods/etcd.yaml`). */
export const workPath = (relative: string) => path.join(workDir, relative);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `dir` is another test process's work dir whose process is gone (killed before its exit hook). */
function abandonedWorkDir(dir: string): boolean {
  if (dir === workDir || path.dirname(dir) !== path.resolve(tmpdir()) || !path.basename(dir).startsWith(PREFIX)) return false;
  // Gone altogether: its process ended (the exit hook removed it) while a kubelet it started ran on.
  if (!existsSync(dir)) return true;
  try {
    const owner = path.join(dir, OWNER_FILE);
    // No owner yet: a process that is creating it right now, unless that was a while ago.
    if (!existsSync(owner)) return Date.now() - statSync(dir).mtimeMs > 60_000;
    const pid = Number(readFileSync(owner, 'utf8').trim());
    return !Number.isInteger(pid) || pid <= 0 || !alive(pid);
  } catch {
    return false;
  }
}

/**
 * Whether `podsDir` is the pods/ of an abandoned test work dir: a kubelet serving it is a leftover of an
 * earlier run (it ended without its reset, or was killed), not someone else's cluster.
 */
export function abandonedTestPodsDir(podsDir: string | undefined): boolean {
  if (!podsDir || path.basename(podsDir.replace(/\/+$/, '')) !== 'pods') return false;
  return abandonedWorkDir(path.dirname(path.resolve(podsDir)));
}

/** Removes abandoned work dirs that no process (a leftover kubelet) still names on its command line. */
function removeAbandonedWorkDirs(): void {
  const abandoned = readdirSync(tmpdir())
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => path.join(tmpdir(), name))
    .filter(abandonedWorkDir);
  if (abandoned.length === 0) return;
  const commandLines = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    });
  for (const dir of abandoned) {
    if (commandLines.some((line) => line.includes(dir))) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another test process is removing it too
    }
  }
}
