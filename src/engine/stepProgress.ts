import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../core/context.ts';

export const PROGRESS_VERSION = 1;

export interface Progress {
  version: typeof PROGRESS_VERSION;
  /** Step number (as text) -> when it last passed `lab verify` or `lab apply`. */
  passed: Record<string, string>;
  /** The step the student is on: the first one not passed, or where the walkthrough left them. */
  current: number;
  updatedAt: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * progress.json's contents if they have this shape (unknown fields dropped), else undefined. Checked by
 * hand rather than with a zod schema: every `lab verify` reads the file, and zod would add ~25 ms to it.
 */
export function parseProgress(raw: unknown): Progress | undefined {
  if (!isRecord(raw)) return undefined;
  const { version, passed, current, updatedAt } = raw;
  if (
    version !== PROGRESS_VERSION ||
    !isRecord(passed) ||
    typeof current !== 'number' ||
    !Number.isInteger(current) ||
    current < 1 ||
    typeof updatedAt !== 'string'
  )
    return undefined;
  const steps: Record<string, string> = {};
  for (const [step, at] of Object.entries(passed)) {
    if (!/^\d+$/.test(step) || typeof at !== 'string') return undefined;
    steps[step] = at;
  }
  return { version, passed: steps, current, updatedAt };
}

export const progressFile = (env: LabEnv) => path.join(env.stateDir, 'progress.json');

export function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, passed: {}, current: 1, updatedAt: new Date().toISOString() };
}

/** Reads saved progress; an unreadable or older-format file starts over rather than failing the lab. */
export function loadProgress(env: LabEnv): Progress {
  try {
    return parseProgress(JSON.parse(readFileSync(progressFile(env), 'utf8'))) ?? emptyProgress();
  } catch {
    return emptyProgress();
  }
}

export function saveProgress(env: LabEnv, progress: Progress): void {
  mkdirSync(env.stateDir, { recursive: true });
  const file = progressFile(env);
  // Write then rename: an interrupted write never leaves half a file behind.
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...progress, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Records a verify result: a pass marks the step; the current step becomes the first one not passed. */
export function recordResult(progress: Progress, step: number, passed: boolean, totalSteps: number): Progress {
  const next = { ...progress, passed: { ...progress.passed } };
  if (passed) next.passed[String(step)] = new Date().toISOString();
  else delete next.passed[String(step)];
  let current = 1;
  while (current <= totalSteps && next.passed[String(current)]) current++;
  next.current = Math.min(current, totalSteps);
  return next;
}
