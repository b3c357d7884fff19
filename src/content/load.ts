import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ZodIssue } from 'zod';
import { LabError } from '../errors.ts';
import { repoRoot } from '../paths.ts';
import { machinePlaceholders, placeholdersIn } from '../template.ts';
import { lessonCommands, LessonFormatError } from './lessonBlocks.ts';
import { stepMetaSchema, type StepMeta } from './schema.ts';

export interface Step {
  meta: StepMeta;
  number: number;
  dir: string;
  metaFile: string;
  lessonFile: string;
  /** Lesson markdown with placeholders still in it; render with template.ts before showing. */
  lesson: string;
}

export interface ContentOptions {
  labsDir?: string;
  fixturesDir?: string;
  /** Names of code probes and code actions that exist, so a typo in metadata is caught at load. */
  codeProbes?: readonly string[];
  codeActions?: readonly string[];
  /** Placeholder names content may use besides machine facts. */
  knownPlaceholders?: readonly string[];
}

export const defaultLabsDir = path.join(repoRoot, 'labs');
export const defaultFixturesDir = path.join(repoRoot, 'fixtures');

const stepDirName = /^(\d\d)-[a-z0-9-]+$/;

function contentError(file: string, message: string): LabError {
  const shown = path.relative(repoRoot, file) || file;
  return new LabError(`${shown}: ${message}`, 'fix that field (see labs/README.md for the format) or restore the file with git');
}

function describeIssue(issue: ZodIssue): string {
  const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'the document';
  return `${where}: ${issue.message}`;
}

export function parseStepMeta(file: string, text: string): StepMeta {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const line = error.linePos?.[0].line;
    throw contentError(file, `YAML error${line ? ` at line ${line}` : ''}: ${error.message.split('\n')[0]}`);
  }
  const result = stepMetaSchema.safeParse(doc.toJS());
  if (!result.success) throw contentError(file, describeIssue(result.error.issues[0]!));
  return result.data;
}

/** Checks that hold across fields or files, which the schema alone cannot express. */
function checkStep(step: Step, options: Required<Pick<ContentOptions, 'fixturesDir'>> & ContentOptions): void {
  const { meta, metaFile } = step;
  if (meta.step !== step.number) throw contentError(metaFile, `field step: is ${meta.step} but the directory says ${step.number}`);
  const seen = new Set<string>();
  meta.probes.forEach((probe, index) => {
    if (seen.has(probe.id)) throw contentError(metaFile, `field probes.${index}.id: "${probe.id}" is used twice`);
    for (const need of probe.needs) {
      if (!seen.has(need)) throw contentError(metaFile, `field probes.${index}.needs: "${need}" is not an earlier probe of this step`);
    }
    if (probe.kind === 'code' && options.codeProbes && !options.codeProbes.includes(probe.module)) {
      throw contentError(metaFile, `field probes.${index}.module: no code probe named "${probe.module}" (known: ${options.codeProbes.join(', ')})`);
    }
    seen.add(probe.id);
  });
  meta.apply.forEach((action, index) => {
    const fixture = 'write' in action ? action.write.fixture : 'kubectlApply' in action ? action.kubectlApply : undefined;
    if (fixture && !existsSync(path.join(options.fixturesDir, fixture))) {
      throw contentError(metaFile, `field apply.${index}: fixture ${fixture} does not exist in fixtures/`);
    }
    if ('code' in action && options.codeActions && !options.codeActions.includes(action.code)) {
      throw contentError(metaFile, `field apply.${index}.code: no code action named "${action.code}" (known: ${options.codeActions.join(', ')})`);
    }
  });
  if (options.knownPlaceholders) {
    const known = new Set([...options.knownPlaceholders, ...machinePlaceholders]);
    const texts: [string, string][] = [[step.lessonFile, step.lesson], [metaFile, JSON.stringify(meta)]];
    for (const [file, text] of texts) {
      const unknown = placeholdersIn(text).filter((name) => !known.has(name));
      if (unknown.length > 0) throw contentError(file, `unknown placeholder {{${unknown[0]}}} (known: ${[...known].join(', ')})`);
    }
  }
  try {
    lessonCommands(step.lesson);
  } catch (error) {
    if (error instanceof LessonFormatError) throw contentError(step.lessonFile, error.message);
    throw error;
  }
}

/** Loads and validates every step under labs/; throws a LabError naming the file and field at the first problem. */
export function loadSteps(options: ContentOptions = {}): Step[] {
  const labsDir = options.labsDir ?? defaultLabsDir;
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir;
  const dirs = readdirSync(labsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && stepDirName.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const steps = dirs.map((name): Step => {
    const dir = path.join(labsDir, name);
    const metaFile = path.join(dir, 'step.yaml');
    const lessonFile = path.join(dir, 'lesson.md');
    if (!existsSync(metaFile)) throw contentError(metaFile, 'missing (every step directory needs step.yaml)');
    if (!existsSync(lessonFile)) throw contentError(lessonFile, 'missing (every step directory needs lesson.md)');
    const meta = parseStepMeta(metaFile, readFileSync(metaFile, 'utf8'));
    return { meta, number: Number(stepDirName.exec(name)![1]), dir, metaFile, lessonFile, lesson: readFileSync(lessonFile, 'utf8') };
  });
  steps.forEach((step, index) => {
    if (step.number !== index + 1) throw contentError(step.dir, `step directories must be numbered 01, 02, … without gaps; expected ${String(index + 1).padStart(2, '0')}`);
    checkStep(step, { ...options, fixturesDir });
  });
  if (steps.length === 0) throw contentError(labsDir, 'holds no step directories (NN-name)');
  return steps;
}
