import { doctorChecks } from './checks/index.ts';
import { result } from './checks/result.ts';
import type { CheckResult, DoctorCheck, DoctorInputs } from './types.ts';

/** What the walkthrough draws while the doctor runs: which check is under way, and each result. */
export interface DoctorProgress {
  onCheck?: (check: DoctorCheck, index: number, total: number) => void;
  onResult?: (result: CheckResult) => void;
}

/** Runs every check; a check that throws is reported as failed rather than ending the run. */
export async function runDoctor(
  inputs: DoctorInputs,
  checks: DoctorCheck[] = doctorChecks,
  progress: DoctorProgress = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [index, check] of checks.entries()) {
    progress.onCheck?.(check, index, checks.length);
    let outcome: CheckResult[];
    try {
      const value = await check.run(inputs);
      outcome = Array.isArray(value) ? value : [value];
    } catch (error) {
      outcome = [
        result(
          check.id,
          check.title,
          'fail',
          `the check itself failed: ${(error as Error).message}`,
          'report this as a lab bug, with the output of `lab doctor --json`',
        ),
      ];
    }
    results.push(...outcome);
    for (const r of outcome) progress.onResult?.(r);
  }
  return results;
}

export const doctorPassed = (results: CheckResult[]) => results.every((r) => r.status !== 'fail');

const label = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function formatDoctor(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${label[r.status]}  ${r.title}: ${r.detail}`);
    if (r.fix) lines.push(`      fix: ${r.fix}`);
  }
  const count = (status: string) => results.filter((r) => r.status === status).length;
  lines.push('');
  lines.push(
    `${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail` +
      (count('fail') > 0 ? ': fix the FAIL lines, then run `lab doctor` again' : ': this machine can run the lab'),
  );
  return lines.join('\n');
}
