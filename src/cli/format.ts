import type { StepReport } from '../engine/runner.ts';
import type { ProbeResult } from '../engine/probes/types.ts';

const colorWanted = () => process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (colorWanted() ? `\x1b[${code}m${text}\x1b[0m` : text);

const mark: Record<ProbeResult['status'], () => string> = {
  pass: () => paint('32', 'PASS'),
  fail: () => paint('31', 'FAIL'),
  skip: () => paint('33', 'SKIP'),
};

export function formatResult(result: ProbeResult): string[] {
  const lines = [`  ${mark[result.status]()}  ${result.title}${result.status === 'pass' ? ` (${result.seen})` : ''}`];
  if (result.status === 'skip') lines.push(`        ${result.seen}`);
  if (result.status === 'pass' && result.note) lines.push(`        note:     ${result.note}`);
  if (result.status === 'fail') {
    lines.push(`        expected: ${result.expected}`, `        seen:     ${result.seen}`);
    // Issue 5: the diagnosis id is shown so a student (or a teacher) can look it up.
    if (result.diagnosis) {
      lines.push(`        why:      ${result.diagnosis.explanation}`, `        fix:      ${result.diagnosis.fix}`);
      lines.push(`        (diagnosis ${result.diagnosis.id}${result.diagnosis.lessonRef ? `; reread ${result.diagnosis.lessonRef}` : ''})`);
    } else {
      if (result.cause) lines.push(`        cause:    ${result.cause}`);
      if (result.hint) lines.push(`        hint:     ${result.hint}`);
    }
  }
  return lines;
}

export function formatReport(report: StepReport): string {
  const passing = report.results.filter((r) => r.status === 'pass').length;
  const verdict = report.passed ? paint('32', 'step passes') : paint('31', 'step does not pass yet');
  return [
    `Step ${report.step}: ${report.title}`,
    ...report.results.flatMap(formatResult),
    `  ${verdict} (${passing}/${report.results.length} checks, ${(report.durationMs / 1000).toFixed(1)}s)`,
  ].join('\n');
}
