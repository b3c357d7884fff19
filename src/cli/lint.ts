import type { Command } from 'commander';
import { labEnv } from '../core/context.ts';
import { formatProblem, lintPodsDir } from '../engine/manifestLint.ts';

/**
 * `lab lint`: checks the files in pods/ before kubelet reads them and prints every problem as
 * file:line:column. Exit 1 on an error (kubelet would skip the file), 0 with warnings only.
 */
export function lintReport(podsDir: string, repoRoot: string): { lines: string[]; errors: number } {
  const { manifests, duplicates } = lintPodsDir(podsDir, repoRoot);
  const lines: string[] = [];
  let errors = 0;
  for (const manifest of manifests) {
    for (const problem of manifest.problems) {
      if (problem.severity === 'error') errors++;
      lines.push(`${problem.severity === 'error' ? 'error' : 'warning'}: ${formatProblem(problem)}`);
    }
  }
  for (const dup of duplicates) {
    errors++;
    lines.push(
      `error: ${dup.files.join(' and ')} both define pod ${dup.namespace}/${dup.name}; kubelet keeps only one of them (usually ${dup.files.at(-1)}` +
        `) and silently drops the other`,
    );
  }
  if (manifests.length === 0) lines.push('pods/ holds no pod files yet');
  else if (lines.length === 0) lines.push(`${manifests.length} file${manifests.length === 1 ? '' : 's'} in pods/, no problems found`);
  return { lines, errors };
}

export function registerLintCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description('check the pod files in pods/ before kubelet reads them (file:line:column)')
    .action(() => {
      const env = labEnv();
      const { lines, errors } = lintReport(env.podsDir, env.repoRoot);
      process.stdout.write(`${lines.join('\n')}\n`);
      setExit(errors > 0 ? 1 : 0);
    });
}
