/** How each binary reports its version (kubectl 1.19 has no --version flag). */
export function versionArgs(name: string): string[] {
  return name === 'kubectl' ? ['version', '--client', '--short'] : ['--version'];
}

/** The vX.Y.Z a binary prints, or why it printed none. */
export async function binaryVersion(file: string, name: string): Promise<{ version?: string; problem?: string }> {
  // execa (~150 ms to load) only when a binary is asked, not with every command that could ask one.
  const { execa } = await import('execa');
  const result = await execa(file, versionArgs(name), { reject: false, timeout: 15_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false });
  const output = `${result.stdout}\n${result.stderr}`;
  const version = /\bv\d+\.\d+\.\d+\b/.exec(output)?.[0];
  if (version) return { version };
  const reason = result.failed && result.exitCode === undefined ? (result.shortMessage ?? 'does not run') : output.trim().split('\n')[0] || `exit code ${result.exitCode}`;
  return { problem: `does not print a version (${reason.slice(0, 120)})` };
}
