/**
 * The `lab` command's exit codes, the contract graders script against (README "Exit codes", `lab --help`):
 * 0 pass, 1 a step or check fails, 2 the command line is wrong, 3 the machine is not ready (Docker down,
 * not root, binaries or images missing), 70 an internal error: a bug in the lab (EX_SOFTWARE of sysexits.h).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notReady: 3, internal: 70 } as const;

/** What `--json` calls each non-zero exit code (`error.kind`). */
export type ErrorKind = 'failed' | 'usage' | 'machine-not-ready' | 'internal';

export function errorKind(exitCode: number): ErrorKind {
  if (exitCode === EXIT.usage) return 'usage';
  if (exitCode === EXIT.notReady) return 'machine-not-ready';
  if (exitCode === EXIT.internal) return 'internal';
  return 'failed';
}

/**
 * Every failure a student can meet is a LabError: what went wrong, in their terms, and what to do next.
 * The CLI prints both and exits with `exitCode`; nothing else should reach the student as a stack trace.
 */
export class LabError extends Error {
  readonly hint: string;
  readonly exitCode: number;

  constructor(message: string, hint: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'LabError';
    this.hint = hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A failure as the walkthrough shows it: what went wrong and what to do. */
export interface Failure {
  message: string;
  hint: string;
}

/** A LabError's own message and hint; anything else (a bug, a library's error) with `fallbackHint`. */
export function failureOf(error: unknown, fallbackHint: string): Failure {
  if (error instanceof LabError) return { message: error.message, hint: error.hint };
  return { message: (error as Error)?.message ?? String(error), hint: fallbackHint };
}

/** Wrong command-line usage: exit code 2, as the CLI contract says. */
export class UsageError extends LabError {
  constructor(message: string, hint: string) {
    super(message, hint, { exitCode: EXIT.usage });
    this.name = 'UsageError';
  }
}

/**
 * Issue 5: a source of diagnosis evidence that is not there (no kubelet log because the student's
 * kubelet logs to their terminal, Docker down, apiserver not up). Gathering records it and goes on;
 * a diagnosis never fails a verify run.
 */
export class EvidenceUnavailableError extends Error {
  constructor(
    readonly source: 'kubeletLog' | 'docker' | 'apiserver' | 'manifests',
    reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'EvidenceUnavailableError';
  }
}

/** A pinned binary (kubelet, kubectl, …) is not where the lab keeps them. */
export class MissingBinaryError extends LabError {
  constructor(name: string, dir: string) {
    super(
      `${name} is not in ${dir}`,
      'run `lab setup` to download the pinned binaries (checked against labs/checksums.yaml) or `lab setup --from DIR` to use ' +
        'yours; on the test bed `npm run testbed` builds them',
      { exitCode: EXIT.notReady },
    );
  }
}
