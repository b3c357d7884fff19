import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
 * Takes a file out of the way of a new reference version. A file that is an earlier step's reference
 * (`references`: what `lab apply` wrote there before) goes; anything else is the student's work and is
 * moved to a backup, never lost. False when there was no file.
 */
export function setAside(env: LabEnv, relative: string, references: string[], log: (line: string) => void): boolean {
  const file = path.join(env.repoRoot, relative);
  if (!existsSync(file)) return false;
  if (references.includes(readFileSync(file, 'utf8'))) rmSync(file);
  else {
    const saved = backupFile(env, file, timestamp());
    log(`your ${relative} differs from the reference; kept it as ${path.relative(env.repoRoot, saved)}`);
  }
  return true;
}

/**
 * Writes a reference file for the student. A different file already there is set aside first (see
 * `setAside`): an earlier step's reference is replaced, the student's own work is backed up.
 */
export function writeStudentFile(
  env: LabEnv,
  relative: string,
  content: string,
  log: (line: string) => void,
  references: string[] = [],
): void {
  const file = path.join(env.repoRoot, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return;
  const replaced = setAside(env, relative, references, log);
  writeFileSync(file, content);
  log(`${replaced ? 'updated' : 'wrote'} ${relative}`);
}
