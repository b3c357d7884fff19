import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../core/errors.ts';
import { builtFile, repoRoot } from '../core/paths.ts';
import { machinePlaceholders, placeholdersIn } from '../core/template.ts';
import { formatAt, parseYamlFile, readYaml } from '../core/yamlFile.ts';
import { declarationProblems, staticPodPlaceholders, staticPodsOf } from './declared.ts';
import { lessonCommands, LessonFormatError } from './lessonBlocks.ts';
import { contentSchemas, type StepMeta } from './schema.ts';

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
  /**
   * Validated content to reuse (see ContentCache): the build's `dist/content-cache.json` when the
   * compiled lab loads the checkout's own labs/ and fixtures/; none otherwise (tsx, other directories).
   */
  cacheFile?: string;
}

/**
 * What the build validated (`npm run build` writes it to dist/content-cache.json with
 * `writeContentCache`): per step directory, the exact text of step.yaml and lesson.md and the metadata
 * parsed from them, for the code probes, code actions and placeholders the checks ran with. A step
 * whose two texts are still exactly these skips the YAML parse, the schema and the checks that depend
 * on the texts alone (the fixtures it names must still exist); anything edited since the build goes
 * through them all, so errors still name the file and field. Written by the compiled code it serves,
 * so a change to the schema or the checks means a new build and a new cache.
 */
export interface ContentCache {
  format: 1;
  codeProbes?: readonly string[];
  codeActions?: readonly string[];
  knownPlaceholders?: readonly string[];
  steps: { dirName: string; metaText: string; lesson: string; meta: StepMeta }[];
}

/** The build's cache beside the compiled loader; undefined when the lab runs from its sources (tsx). */
export const builtCacheFile = builtFile('content-cache.json');

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The cache, if there is one and it was made with these options; a missing or unreadable cache is no error. */
function readCache(options: ContentOptions, labsDir: string, fixturesDir: string): ContentCache | undefined {
  const file = options.cacheFile ?? (labsDir === defaultLabsDir && fixturesDir === defaultFixturesDir ? builtCacheFile : undefined);
  if (!file) return undefined;
  let cache: ContentCache;
  try {
    cache = JSON.parse(readFileSync(file, 'utf8')) as ContentCache;
  } catch {
    return undefined;
  }
  if (cache?.format !== 1 || !Array.isArray(cache.steps)) return undefined;
  if (
    !sameList(cache.codeProbes, options.codeProbes) ||
    !sameList(cache.codeActions, options.codeActions) ||
    !sameList(cache.knownPlaceholders, options.knownPlaceholders)
  )
    return undefined;
  return cache;
}

export const defaultLabsDir = path.join(repoRoot, 'labs');
export const defaultFixturesDir = path.join(repoRoot, 'fixtures');

/** A step's directory under labs/: `NN-name`. */
export const stepDirName = /^(\d\d)-[a-z0-9-]+$/;

const CONTENT_HINT = 'fix that field (see labs/README.md for the format) or restore the file with git';
/** A file inside the checkout by its relative path, any other by its own. */
function shownPath(file: string): string {
  const relative = path.relative(repoRoot, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function contentError(file: string, message: string): LabError {
  return new LabError(`${shownPath(file)}: ${message}`, CONTENT_HINT);
}

export function parseStepMeta(file: string, text: string): StepMeta {
  return parseYamlFile(file, text, contentSchemas().stepMetaSchema, { shownAs: shownPath(file), hint: CONTENT_HINT });
}

const fixtureOf = (action: StepMeta['apply'][number]) =>
  'write' in action ? action.write.fixture : 'kubectlApply' in action ? action.kubectlApply : undefined;

/**
 * A problem one of the checks below found: the file, the step.yaml field when there is one (dotted, as
 * `field probes.2.module` in messages), the line of a lesson when the lesson's parser knows it.
 */
export interface StepProblem {
  file: string;
  field?: string;
  line?: number;
  message: string;
}

/**
 * Checks that hold across fields or files, which the schema alone cannot express, every problem in
 * order (the loader throws the first; `lab dev check` lists them all). `textChecked`: the cache vouches
 * for every check on the step's texts, so only the fixtures on disk are looked at.
 */
export function stepProblems(
  step: Step,
  options: Required<Pick<ContentOptions, 'fixturesDir'>> & ContentOptions,
  textChecked = false,
): StepProblem[] {
  const { meta, metaFile } = step;
  const problems: StepProblem[] = [];
  const fixturesMissing = () =>
    meta.apply.forEach((action, index) => {
      const fixture = fixtureOf(action);
      if (fixture && !existsSync(path.join(options.fixturesDir, fixture)))
        problems.push({ file: metaFile, field: `apply.${index}`, message: `fixture ${fixture} does not exist in fixtures/` });
      if (!textChecked && 'code' in action && options.codeActions && !options.codeActions.includes(action.code)) {
        problems.push({
          file: metaFile,
          field: `apply.${index}.code`,
          message: `no code action named "${action.code}" (known: ${options.codeActions.join(', ')})`,
        });
      }
    });
  if (textChecked) {
    fixturesMissing();
    return problems;
  }
  if (meta.step !== step.number)
    problems.push({ file: metaFile, field: 'step', message: `is ${meta.step} but the directory says ${step.number}` });
  const seen = new Set<string>();
  meta.probes.forEach((probe, index) => {
    if (seen.has(probe.id)) problems.push({ file: metaFile, field: `probes.${index}.id`, message: `"${probe.id}" is used twice` });
    for (const need of probe.needs) {
      if (!seen.has(need))
        problems.push({ file: metaFile, field: `probes.${index}.needs`, message: `"${need}" is not an earlier probe of this step` });
    }
    if (probe.kind === 'code' && options.codeProbes && !options.codeProbes.includes(probe.module)) {
      problems.push({
        file: metaFile,
        field: `probes.${index}.module`,
        message: `no code probe named "${probe.module}" (known: ${options.codeProbes.join(', ')})`,
      });
    }
    seen.add(probe.id);
  });
  fixturesMissing();
  if (options.knownPlaceholders) {
    const known = new Set([...options.knownPlaceholders, ...machinePlaceholders]);
    const texts: [string, string][] = [
      [step.lessonFile, step.lesson],
      [metaFile, JSON.stringify(meta)],
    ];
    for (const [file, text] of texts) {
      const unknown = placeholdersIn(text).filter((name) => !known.has(name));
      if (unknown.length > 0) problems.push({ file, message: `unknown placeholder {{${unknown[0]}}} (known: ${[...known].join(', ')})` });
    }
  }
  try {
    lessonCommands(step.lesson);
  } catch (error) {
    if (!(error instanceof LessonFormatError)) throw error;
    problems.push({ file: step.lessonFile, line: error.line, message: error.message.replace(/^line \d+: /, '') });
  }
  return problems;
}

/** Throws the first of `stepProblems` as the loader's LabError. */
function checkStep(
  step: Step,
  options: Required<Pick<ContentOptions, 'fixturesDir'>> & ContentOptions,
  textChecked: boolean,
  metaText: string,
): void {
  const [first] = stepProblems(step, options, textChecked);
  if (first) throw problemError(first, metaText);
}

/** A problem as the loader throws it: step.yaml's field by its line and column, a lesson's by its line. */
function problemError(problem: StepProblem, metaText: string): LabError {
  const shown = shownPath(problem.file);
  if (problem.field)
    return new LabError(
      formatAt(shown, readYaml(metaText).fieldAt(problem.field.split('.')), `field ${problem.field}: ${problem.message}`),
      CONTENT_HINT,
    );
  // A lesson's parser knows the line only.
  if (problem.line !== undefined) return new LabError(`${shown}:${problem.line}: ${problem.message}`, CONTENT_HINT);
  return contentError(problem.file, problem.message);
}

/** Loads and validates every step under labs/; throws a LabError naming the file and field at the first problem. */
export function loadSteps(options: ContentOptions = {}): Step[] {
  return loadAndRecord(options, true).steps;
}

function loadAndRecord(options: ContentOptions, useCache: boolean): { steps: Step[]; texts: Map<Step, string> } {
  const labsDir = options.labsDir ?? defaultLabsDir;
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir;
  const cache = useCache ? readCache(options, labsDir, fixturesDir) : undefined;
  const cached = new Set<Step>();
  const texts = new Map<Step, string>();
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
    const metaText = readFileSync(metaFile, 'utf8');
    const entry = cache?.steps.find((s) => s.dirName === name && s.metaText === metaText);
    const meta = entry ? entry.meta : parseStepMeta(metaFile, metaText);
    const step: Step = {
      meta,
      number: Number(stepDirName.exec(name)![1]),
      dir,
      metaFile,
      lessonFile,
      lesson: readFileSync(lessonFile, 'utf8'),
    };
    if (entry && entry.lesson === step.lesson) cached.add(step);
    texts.set(step, metaText);
    return step;
  });
  // Content may name the static pods any step declares: {{pods.<role>.name}} and the like.
  const declaredPlaceholders = Object.keys(staticPodsOf(steps)).flatMap(staticPodPlaceholders);
  const knownPlaceholders = options.knownPlaceholders ? [...options.knownPlaceholders, ...declaredPlaceholders] : undefined;
  steps.forEach((step, index) => {
    if (step.number !== index + 1)
      throw contentError(
        step.dir,
        `step directories must be numbered 01, 02, … without gaps; expected ${String(index + 1).padStart(2, '0')}`,
      );
    checkStep(step, { ...options, fixturesDir, knownPlaceholders }, cached.has(step), texts.get(step)!);
  });
  const [declared] = declarationProblems(steps);
  if (declared) throw problemError(declared, texts.get(steps.find((step) => step.metaFile === declared.file)!) ?? '');
  if (steps.length === 0) throw contentError(labsDir, 'holds no step directories (NN-name)');
  return { steps, texts };
}

/**
 * Validates the content as `loadSteps` does, without a cache, and writes what passed to `file` (the
 * build's dist/content-cache.json, see ContentCache). Throws the content's error if it does not pass.
 */
export function writeContentCache(file: string, options: Omit<ContentOptions, 'cacheFile'> = {}): void {
  const { steps, texts } = loadAndRecord(options, false);
  const cache: ContentCache = {
    format: 1,
    ...(options.codeProbes ? { codeProbes: options.codeProbes } : {}),
    ...(options.codeActions ? { codeActions: options.codeActions } : {}),
    ...(options.knownPlaceholders ? { knownPlaceholders: options.knownPlaceholders } : {}),
    steps: steps.map((step) => ({ dirName: path.basename(step.dir), metaText: texts.get(step)!, lesson: step.lesson, meta: step.meta })),
  };
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify(cache)}\n`);
  renameSync(partial, file);
}
