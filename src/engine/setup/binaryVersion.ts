import { runCommand } from '../../machine/run.ts';

/** How each binary reports its version (kubectl 1.19 has no --version flag). */
export function versionArgs(name: string): string[] {
  return name === 'kubectl' ? ['version', '--client', '--short'] : ['--version'];
}

const VERSION_TIMEOUT_MS = 90_000;

/** The vX.Y.Z a binary prints, or why it printed none. */
export async function binaryVersion(file: string, name: string): Promise<{ version?: string; problem?: string }> {
  // A guard against a binary that hangs, not a speed test: on an emulated machine (a TCG VM) a 100 MB
  // Go binary takes tens of seconds just to start.
  const result = await runCommand(file, versionArgs(name), {
    timeoutMs: VERSION_TIMEOUT_MS,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const version = /\bv\d+\.\d+\.\d+\b/.exec(output)?.[0];
  if (version) return { version };
  if (result.timedOut) return { problem: `printed no version within ${VERSION_TIMEOUT_MS / 1000} s (hung, or a very slow machine)` };
  const reason =
    result.failed && result.exitCode === undefined
      ? (result.shortMessage ?? 'does not run')
      : output.trim().split('\n')[0] || `exit code ${result.exitCode}`;
  return { problem: `does not print a version (${reason.slice(0, 120)})` };
}
