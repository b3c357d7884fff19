import { doctorChecks } from './checks/index.ts';
import { result } from './checks/result.ts';
import type { CheckResult, DoctorCheck, DoctorInputs } from './types.ts';

/** Runs every check; a check that throws is reported as failed rather than ending the run. */
export async function runDoctor(inputs: DoctorInputs, checks: DoctorCheck[] = doctorChecks): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      const outcome = await check.run(inputs);
      results.push(...(Array.isArray(outcome) ? outcome : [outcome]));
    } catch (error) {
      results.push(result(check.id, check.title, 'fail', `the check itself failed: ${(error as Error).message}`, 'report this as a lab bug, with the output of `lab doctor --json`'));
    }
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
  lines.push(`${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail${count('fail') > 0 ? ': fix the FAIL lines, then run `lab doctor` again' : ': this machine can run the lab'}`);
  return lines.join('\n');
}
