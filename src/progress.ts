import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { LabEnv } from './context.ts';

export const PROGRESS_VERSION = 1;

const progressSchema = z.object({
  version: z.literal(PROGRESS_VERSION),
  /** Step number (as text) -> when it last passed `lab verify` or `lab apply`. */
  passed: z.record(z.string().regex(/^\d+$/), z.string()),
  /** The step the student is on: the first one not passed, or where the walkthrough left them. */
  current: z.number().int().min(1),
  updatedAt: z.string(),
});

export type Progress = z.infer<typeof progressSchema>;

export const progressFile = (env: LabEnv) => path.join(env.stateDir, 'progress.json');

export function emptyProgress(): Progress {
  return { version: PROGRESS_VERSION, passed: {}, current: 1, updatedAt: new Date().toISOString() };
}

/** Reads saved progress; an unreadable or older-format file starts over rather than failing the lab. */
export function loadProgress(env: LabEnv): Progress {
  try {
    const parsed = progressSchema.safeParse(JSON.parse(readFileSync(progressFile(env), 'utf8')));
    return parsed.success ? parsed.data : emptyProgress();
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
