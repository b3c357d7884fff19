import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../../core/context.ts';
import { defaultFixturesDir } from '../../content/load.ts';
import { render, type TemplateVars } from '../../core/template.ts';

export function renderFixture(name: string, vars: TemplateVars, fixturesDir = defaultFixturesDir): string {
  return render(readFileSync(path.join(fixturesDir, name), 'utf8'), vars);
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** Moves a file into .lab/backups/<stamp>/ keeping its path relative to the repo. */
export function backupFile(env: LabEnv, file: string, stamp: string): string {
  const target = path.join(env.stateDir, 'backups', stamp, path.relative(env.repoRoot, file));
  mkdirSync(path.dirname(target), { recursive: true });
  renameSync(file, target);
  return target;
}

/**
 * Writes a reference file for the student. A different file already there is the student's work:
 * it is moved to a backup, never overwritten.
 */
export function writeStudentFile(env: LabEnv, relative: string, content: string, log: (line: string) => void): void {
  const file = path.join(env.repoRoot, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file)) {
    if (readFileSync(file, 'utf8') === content) return;
    const saved = backupFile(env, file, timestamp());
    log(`your ${relative} differs from the reference; kept it as ${path.relative(env.repoRoot, saved)}`);
  }
  writeFileSync(file, content);
  log(`wrote ${relative}`);
}
