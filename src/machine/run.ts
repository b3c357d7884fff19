import { spawn, spawnSync } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Undefined when the command did not run to an exit (not found, killed). */
  exitCode?: number;
  timedOut: boolean;
  failed: boolean;
  /** execa's one-line account of a failure ("Command failed with ENOENT: …"). */
  shortMessage?: string;
}

export interface CommandOptions {
  timeoutMs?: number;
  /** The whole environment of the command (none of ours is passed on when given). */
  env?: Record<string, string>;
}

/** Runs a command to its end and never throws for its exit: the caller reads the result. */
export async function runCommand(file: string, args: string[], options: CommandOptions = {}): Promise<CommandResult> {
  // execa (~150 ms to load) only when a command runs, not with every lab command that could run one.
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    reject: false,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  return {
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    exitCode: result.exitCode,
    timedOut: result.timedOut ?? false,
    failed: result.failed ?? false,
    shortMessage: result.shortMessage,
  };
}

/** bash -n's complaint about a script, undefined when it parses. */
export function bashSyntaxError(script: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-n'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve(code === 0 ? undefined : stderr));
    child.stdin.end(script);
  });
}

export const hasBash = () => spawnSync('bash', ['-c', 'true'], { stdio: 'ignore' }).status === 0;
