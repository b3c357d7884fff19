/**
 * `lab dev check` (issue 13, item 2; rustlings' `dev check` is the model): the lab's content checked
 * statically, every problem listed with its file and line, so a content change that breaks a rule fails
 * CI before a student meets it. The rules, each a `rule` name in the output:
 *
 * - `load`: what the lab checks when it starts (src/content/load.ts: the schema of step.yaml, step
 *   numbers, probe ids and `needs`, code probes and actions, fixtures named by `apply`, lab-run blocks),
 *   here every problem at once instead of the first;
 * - `probe-text`: every probe has a title, a cause and a hint (the schema's fields; shown when it fails);
 * - `fixture-lint`: every pod manifest among the fixtures, and every Pod a lesson's command writes
 *   (a heredoc), lints clean with `lab lint`'s linter (src/engine/manifestLint.ts); other fixtures parse;
 * - `lesson-section`: every diagnosis's `lessonSection` (src/engine/diagnosis/catalogue.ts) and every
 *   `lesson N, "Heading"` in step.yaml or a lesson names a heading of that lesson;
 * - `hint-reference`: a hint or cause that points at "the lesson's `command`" quotes text the lesson has;
 * - `image`: every image role a step names is in labs/versions.yaml, every image there is pinned (a tag,
 *   never :latest), and every image a fixture, a lesson's code or step.yaml writes (`image:`,
 *   `--pod-infra-container-image`) is `{{images.<role>}}` of versions.yaml or one of its names;
 * - `lab-run`: each `sh lab-run` block is something test/engine/student-path.test.ts can run as written:
 *   it parses (flags, fences), `env` is not mixed with other flags, a `lab-expect` follows a block whose
 *   output the test reads (not an `env` or `kubelet` block), a `kubelet` block starts kubelet, and the
 *   rendered script passes `bash -n`. Whether it then does what the lesson says only the real machine
 *   shows (the engine test);
 * - `placeholder`: every `{{name}}` in lessons, step.yaml and fixtures is a template variable
 *   (src/core/template.ts), a machine fact or `nginxIp`.
 *
 * - `map`: every step adds parts to the cluster map (`map:` in step.yaml, drawn by src/engine/clusterMap.ts),
 *   a static pod role is declared by one step only, and a map part names a static pod its step or an
 *   earlier one declares.
 *
 * Not checked here: "every step starts unsolved on a reset machine" needs the machine:
 * `lab dev check --live` (`liveCheck` below).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../core/context.ts';
import { bashSyntaxError, hasBash } from '../machine/run.ts';
import { lintManifestText } from './manifestLint.ts';
import { repoRoot } from '../core/paths.ts';
import { machinePlaceholders, placeholdersIn, type TemplateVars } from '../core/template.ts';
import { loadVersions, versionsFile as defaultVersionsFile } from '../core/versions.ts';
import { yaml } from '../core/yaml.ts';
import { describeIssue, parserMessage, readYaml } from '../core/yamlFile.ts';
import { lessonCommands, LessonFormatError, type LessonCommand } from '../content/lessonBlocks.ts';
import { declarationProblems, staticPodPlaceholders } from '../content/declared.ts';
import { defaultFixturesDir, defaultLabsDir, stepDirName, stepProblems, type Step } from '../content/load.ts';
import { contentSchemas, type StepMeta } from '../content/schema.ts';

export type CheckRule =
  | 'load'
  | 'probe-text'
  | 'fixture-lint'
  | 'lesson-section'
  | 'hint-reference'
  | 'image'
  | 'lab-run'
  | 'placeholder'
  | 'map';

export interface ContentProblem {
  rule: CheckRule;
  /** Absolute path. */
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** A diagnosis as far as the check cares: its id and the lesson section it sends the student to. */
export interface SectionRef {
  id: string;
  lessonSection: string;
}

export interface CheckOptions {
  labsDir?: string;
  fixturesDir?: string;
  versionsFile?: string;
  /** Default: the diagnosis catalogue. */
  diagnoses?: readonly SectionRef[];
  /** Where the diagnoses are written, to name the line of each `lessonSection`; default the catalogue's source. */
  diagnosesFile?: string;
  codeProbes?: readonly string[];
  codeActions?: readonly string[];
  /** Template variables other than images and machine facts; default the engine's (src/engine/steps.ts). */
  placeholders?: readonly string[];
  /** Run `bash -n` on each lab-run block (default: when bash is on the machine). */
  bashSyntax?: boolean;
}

export interface CheckResult {
  problems: ContentProblem[];
  counted: { steps: number; probes: number; fixtures: number; diagnoses: number; commands: number };
}

const PROBE_TEXTS = ['title', 'cause', 'hint'] as const;

/** Headings of a lesson (outside code blocks, where `# ` starts a shell comment), with their lines. */
export function lessonHeadings(markdown: string): { text: string; line: number }[] {
  const headings: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((line, index) => {
    const open = /^(`{3,}|~{3,})/.exec(line);
    if (open) {
      if (!fence) fence = open[1];
      else if (line.startsWith(fence)) fence = undefined;
      return;
    }
    if (fence) return;
    const heading = /^#{1,6}\s+(.+?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) headings.push({ text: heading[1]!.trim(), line: index + 1 });
  });
  return headings;
}

/** Lines inside fenced code blocks, with their 1-based numbers. */
function codeLines(markdown: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let fence: string | undefined;
  markdown.split('\n').forEach((text, index) => {
    const open = /^(`{3,}|~{3,})/.exec(text);
    if (open && (!fence || text.startsWith(fence))) {
      fence = fence ? undefined : open[1];
      return;
    }
    if (fence) lines.push({ text, line: index + 1 });
  });
  return lines;
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** The line of a step.yaml field (`probes.2.cause`), or of the nearest enclosing field that is there. */
const fieldLine = (metaText: string, field: readonly (string | number)[]): number | undefined => readYaml(metaText).findField(field)?.line;

/**
 * The template variables the content may use, each with a value to render fixtures and commands with:
 * the engine's own (src/core/template.ts, with this checkout's paths) unless `placeholders` names others,
 * the images of the versions.yaml being checked, and sample machine facts.
 */
async function sampleVars(options: CheckOptions, images: Record<string, string>): Promise<TemplateVars> {
  let vars: TemplateVars;
  if (options.placeholders) vars = Object.fromEntries(options.placeholders.map((name) => [name, `sample-${name.replace(/\W+/g, '-')}`]));
  else {
    const [{ labEnv }, { templateVars }] = await Promise.all([import('../core/context.ts'), import('./templateVars.ts')]);
    const known = (await import('./steps.ts')).labContentOptions().knownPlaceholders ?? [];
    vars = {
      ...Object.fromEntries(known.map((name) => [name, `sample-${name.replace(/\W+/g, '-')}`])),
      ...templateVars(labEnv()),
      nginxIp: '10.22.0.5',
    };
  }
  for (const name of Object.keys(vars)) if (name.startsWith('images.')) delete vars[name];
  for (const [role, image] of Object.entries(images)) vars[`images.${role}`] = image;
  return { ...vars, nodeIp: '10.0.0.10', cgroupDriver: 'cgroupfs', kubeletExtraFlags: '' };
}

/** The static pod roles step.yaml files declare (`staticPods:`), read before any step is checked. */
function declaredRoles(labsDir: string): string[] {
  if (!existsSync(labsDir)) return [];
  return readdirSync(labsDir)
    .filter((name) => stepDirName.test(name) && existsSync(path.join(labsDir, name, 'step.yaml')))
    .flatMap((name) => {
      const pods = readYaml(readFileSync(path.join(labsDir, name, 'step.yaml'), 'utf8')).document?.toJS()?.staticPods;
      return pods && typeof pods === 'object' ? Object.keys(pods) : [];
    });
}

const sampleRoleVars = (roles: string[]): TemplateVars =>
  Object.fromEntries(roles.flatMap(staticPodPlaceholders).map((name) => [name, `sample-${name.replace(/\W+/g, '-')}`]));

/** Fills the placeholders it knows and leaves others as they are (the placeholder rule reports them). */
const fill = (text: string, vars: TemplateVars) =>
  text.replace(/\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g, (whole, name: string) => vars[name] ?? whole);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? filesUnder(path.join(dir, entry.name))
        : entry.isFile() && !entry.name.startsWith('.')
          ? [path.join(dir, entry.name)]
          : [],
    )
    .sort();
}

/** Heredoc bodies in a script (`<<'EOF'` … `EOF`), with the 0-based script line their body starts on. */
function heredocs(script: string): { body: string; firstLine: number }[] {
  const lines = script.split('\n');
  const found: { body: string; firstLine: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /<<-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((line, j) => j > i && line.trim() === open[2]);
    if (end < 0) continue;
    found.push({ body: lines.slice(i + 1, end).join('\n'), firstLine: i + 1 });
    i = end;
  }
  return found;
}

/** Checks the lab's content; an empty `problems` means it is all good. Reads files only. */
export async function checkContent(options: CheckOptions = {}): Promise<CheckResult> {
  const labsDir = options.labsDir ?? defaultLabsDir;
  const fixturesDir = options.fixturesDir ?? defaultFixturesDir;
  const versionsPath = options.versionsFile ?? (options.labsDir ? path.join(labsDir, 'versions.yaml') : defaultVersionsFile);
  const problems: ContentProblem[] = [];
  const add = (rule: CheckRule, file: string, line: number | undefined, message: string, column?: number) =>
    problems.push({ rule, file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}), message });
  const counted = { steps: 0, probes: 0, fixtures: 0, diagnoses: 0, commands: 0 };

  // labs/versions.yaml: every image pinned, each reported on its line; then the rest of its schema.
  const images: Record<string, string> = {};
  let versionsText = '';
  try {
    versionsText = readFileSync(versionsPath, 'utf8');
    const doc = yaml().parseDocument(versionsText);
    const listed = (doc.toJS() as { images?: Record<string, unknown> } | null)?.images ?? {};
    let unpinned = 0;
    for (const [role, image] of Object.entries(listed)) {
      images[role] = String(image);
      const node = doc.getIn(['images', role], true) as { range?: [number, number, number] } | undefined;
      const line = node?.range ? lineAt(versionsText, node.range[0]) : undefined;
      if (typeof image !== 'string' || !/^[a-z0-9.\-/:_]+:[A-Za-z0-9._-]+$/.test(image) || /:latest$/.test(image)) {
        unpinned++;
        add(
          'image',
          versionsPath,
          line,
          `image ${role} is ${JSON.stringify(image)}: not pinned; name an exact tag (never untagged or :latest), or kubelet pulls ` +
            `it on every start, which fails offline`,
        );
      }
    }
    if (unpinned === 0) loadVersions(versionsPath);
  } catch (error) {
    add('load', versionsPath, undefined, (error as Error).message);
  }

  // The static pods the checked steps declare give placeholders of their own, as the loader knows them.
  const vars = { ...sampleRoleVars(declaredRoles(labsDir)), ...(await sampleVars(options, images)) };
  const known = new Set([...Object.keys(vars), ...machinePlaceholders]);
  const defaults = options.codeProbes && options.codeActions ? undefined : (await import('./steps.ts')).labContentOptions();
  const codeProbes = options.codeProbes ?? defaults?.codeProbes;
  const codeActions = options.codeActions ?? defaults?.codeActions;

  const placeholderCheck = (file: string, text: string) => {
    text.split('\n').forEach((line, index) => {
      for (const name of new Set(placeholdersIn(line))) {
        if (!known.has(name))
          add('placeholder', file, index + 1, `unknown placeholder {{${name}}} (known: ${[...known].sort().join(', ')})`);
      }
    });
  };

  /** `image:` fields and kubelet's pause image flag in text that is code (fixtures, a lesson's blocks, step.yaml). */
  const imageCheck = (file: string, lines: { text: string; line: number }[]) => {
    const pinnedNames = new Set(Object.values(images));
    for (const { text, line } of lines) {
      const match =
        /^\s*(?:-\s+)?["']?image["']?\s*:\s*(.+?)\s*,?\s*$/.exec(text) ??
        /--pod-infra-container-image(?:=|\s+)(\{\{[^}]+\}\}|[\w.\-/]*[:/][\w.\-:]+)/.exec(text);
      if (!match) continue;
      const value = match[1]!.replace(/\s*\\$/, '').replace(/^["']|["']$/g, '');
      const role = /^\{\{\s*images\.([\w-]+)\s*\}\}$/.exec(value);
      if (role) {
        if (!(role[1]! in images))
          add(
            'image',
            file,
            line,
            `{{images.${role[1]}}} names an image role that labs/versions.yaml does not list (it has: ${Object.keys(images).join(', ')})`,
          );
      } else if (value.includes('{{')) {
        add('image', file, line, `image ${value} is not one of labs/versions.yaml's; write {{images.<role>}}`);
      } else if (!pinnedNames.has(value)) {
        add(
          'image',
          file,
          line,
          `image ${value} is not in labs/versions.yaml; write {{images.<role>}} with a role listed there (the lab pulls, and the ` +
            `test bed builds, exactly those)`,
        );
      }
    }
  };

  // Steps: each directory on its own, so one broken step.yaml does not hide the others' problems.
  const dirs = existsSync(labsDir)
    ? readdirSync(labsDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && stepDirName.test(entry.name))
        .map((entry) => entry.name)
        .sort()
    : [];
  if (dirs.length === 0) add('load', labsDir, undefined, 'holds no step directories (NN-name)');
  const steps: { step: Step; metaText: string }[] = [];
  const lessons = new Map<number, { file: string; text: string }>();
  dirs.forEach((name, index) => {
    const dir = path.join(labsDir, name);
    const number = Number(stepDirName.exec(name)![1]);
    if (number !== index + 1)
      add(
        'load',
        dir,
        undefined,
        `step directories must be numbered 01, 02, … without gaps; expected ${String(index + 1).padStart(2, '0')}`,
      );
    const metaFile = path.join(dir, 'step.yaml');
    const lessonFile = path.join(dir, 'lesson.md');
    const lesson = existsSync(lessonFile) ? readFileSync(lessonFile, 'utf8') : undefined;
    if (lesson === undefined) add('load', lessonFile, undefined, 'missing (every step directory needs lesson.md)');
    else lessons.set(number, { file: lessonFile, text: lesson });
    if (!existsSync(metaFile)) {
      add('load', metaFile, undefined, 'missing (every step directory needs step.yaml)');
      return;
    }
    const metaText = readFileSync(metaFile, 'utf8');
    placeholderCheck(metaFile, metaText);
    imageCheck(
      metaFile,
      metaText.split('\n').map((text, i) => ({ text, line: i + 1 })),
    );
    const doc = yaml().parseDocument(metaText);
    if (doc.errors.length > 0) {
      for (const error of doc.errors)
        add('load', metaFile, error.linePos?.[0].line, `YAML error: ${parserMessage(error)}`, error.linePos?.[0].col);
      return;
    }
    const raw = doc.toJS() as { probes?: unknown } | null;
    // Every probe's title, cause and hint, named by the probe's id rather than as a schema path.
    const missingTexts = new Set<string>();
    if (Array.isArray(raw?.probes)) {
      raw.probes.forEach((probe: Record<string, unknown> | null, i: number) => {
        counted.probes++;
        if (!probe || typeof probe !== 'object') return;
        const absent = PROBE_TEXTS.filter((key) => typeof probe[key] !== 'string' || !(probe[key] as string).trim());
        for (const key of absent) missingTexts.add(`probes.${i}.${key}`);
        if (absent.length > 0) {
          add(
            'probe-text',
            metaFile,
            fieldLine(metaText, ['probes', i]),
            `probe ${probe.id ? `"${String(probe.id)}"` : `#${i + 1}`} has no ${absent.join(', no ')}: every probe needs a title, and ` +
              `a cause and a hint, which the student sees when it fails`,
          );
        }
      });
    }
    const parsed = contentSchemas().stepMetaSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (missingTexts.has(issue.path.join('.'))) continue;
        add('load', metaFile, fieldLine(metaText, issue.path), describeIssue(issue));
      }
      return;
    }
    const meta: StepMeta = parsed.data;
    const step: Step = { meta, number, dir, metaFile, lessonFile, lesson: lesson ?? '' };
    steps.push({ step, metaText });
    counted.steps++;
    for (const problem of stepProblems(step, { fixturesDir, codeProbes, codeActions }, false)) {
      if (problem.file === lessonFile && lesson === undefined) continue;
      const line = problem.line ?? (problem.field ? fieldLine(metaText, problem.field.split('.')) : undefined);
      add(
        problem.file === lessonFile ? 'lab-run' : 'load',
        problem.file,
        line,
        problem.field ? `field ${problem.field}: ${problem.message}` : problem.message,
      );
    }
    meta.images.forEach((role, i) => {
      if (!(role in images))
        add(
          'image',
          metaFile,
          fieldLine(metaText, ['images', i]),
          `image role ${role} is not in labs/versions.yaml (it has: ${Object.keys(images).join(', ')})`,
        );
    });
    if (meta.map.length === 0)
      add(
        'map',
        metaFile,
        fieldLine(metaText, ['title']),
        'the step adds nothing to the cluster map: give it `map:` parts for what it builds, so the student sees it appear',
      );
  });
  // Across steps: static pods declared once, map parts naming static pods that exist by then.
  for (const problem of declarationProblems(steps.map(({ step }) => step))) {
    const metaText = steps.find(({ step }) => step.metaFile === problem.file)?.metaText ?? '';
    add(
      'map',
      problem.file,
      problem.field ? fieldLine(metaText, problem.field.split('.')) : undefined,
      problem.field ? `field ${problem.field}: ${problem.message}` : problem.message,
    );
  }

  // Lessons: placeholders, images in code, headings that references point to, lab-run blocks.
  const headingsOf = (n: number) => lessonHeadings(lessons.get(n)?.text ?? '').map((h) => h.text);
  const sectionCheck = (file: string, line: number | undefined, text: string, who: string) => {
    for (const ref of text.matchAll(/lesson (\d+), "([^"]+)"/g)) {
      const n = Number(ref[1]);
      if (!lessons.has(n)) add('lesson-section', file, line, `${who}names lesson ${n}, which does not exist`);
      else if (!headingsOf(n).includes(ref[2]!)) {
        add(
          'lesson-section',
          file,
          line,
          `${who}names the section "${ref[2]}" of lesson ${n}, which has no such heading (it has: ${headingsOf(n).join(' | ')})`,
        );
      }
    }
  };
  const bash = options.bashSyntax ?? hasBash();
  // bash -n on every block at once (a process each), awaited before the problems are sorted.
  const syntaxChecks: Promise<void>[] = [];
  for (const [number, { file, text }] of lessons) {
    placeholderCheck(file, text);
    const code = codeLines(text);
    imageCheck(file, code);
    text.split('\n').forEach((line, i) => sectionCheck(file, i + 1, line, ''));
    let commands: LessonCommand[];
    try {
      commands = lessonCommands(text);
    } catch (error) {
      if (!(error instanceof LessonFormatError)) throw error;
      // Reported by the load rule already when the step.yaml loads; otherwise here.
      if (!steps.some((s) => s.step.number === number)) add('lab-run', file, error.line, error.message.replace(/^line \d+: /, ''));
      continue;
    }
    for (const command of commands) {
      counted.commands++;
      const where = (offset = 0) => command.line + 1 + offset;
      const flags = command.flags;
      if (flags.includes('env') && flags.length > 1)
        add(
          'lab-run',
          file,
          command.line,
          `an env block with ${flags.filter((f) => f !== 'env').join(', ')}: the engine test only adds an env block to later ` +
            `commands, so ${flags.length > 2 ? 'those flags are' : 'that flag is'} ignored`,
        );
      if (command.expect.length > 0 && (flags.includes('env') || flags.includes('kubelet'))) {
        add(
          'lab-run',
          file,
          command.line,
          `a lab-expect block after ${flags.includes('env') ? 'an env' : 'a kubelet'} block is never checked: the engine test does ` +
            `not read that block's output`,
        );
      }
      if (flags.includes('kubelet') && !/(^|[\s;&|/(])kubelet(\s|$)/m.test(command.script))
        add('lab-run', file, command.line, 'a kubelet block that does not run kubelet: the engine test waits for the kubelet it starts');
      const script = fill(command.script, vars);
      if (bash) {
        syntaxChecks.push(
          bashSyntaxError(script).then((stderr) => {
            if (stderr === undefined) return;
            const [, at, message] = /line (\d+): (.*)/.exec(stderr.split('\n')[0] ?? '') ?? [];
            add(
              'lab-run',
              file,
              at ? where(Math.min(Number(at), script.split('\n').length) - 1) : command.line,
              `not valid shell (bash -n): ${message ?? stderr.trim()}`,
            );
          }),
        );
      }
      // A Pod the command writes or applies is linted as a fixture would be.
      for (const doc of heredocs(command.script)) lintPodText(doc.body, file, where(doc.firstLine), vars, add, 'a Pod in this command');
    }
  }

  // step.yaml: section references, and hints that quote a lesson's command.
  for (const { step, metaText } of steps) {
    metaText.split('\n').forEach((line, i) => sectionCheck(step.metaFile, i + 1, line, ''));
    const lesson = step.lesson;
    const texts: { text: string; field: (string | number)[] }[] = [
      ...step.meta.hints.map((text, i) => ({ text, field: ['hints', i] })),
      ...step.meta.probes.flatMap((probe, i) => [
        { text: probe.hint, field: ['probes', i, 'hint'] },
        { text: probe.cause, field: ['probes', i, 'cause'] },
      ]),
    ];
    for (const { text, field } of texts) {
      for (const quote of text.matchAll(/the lesson's `([^`]+)`/g)) {
        const pieces = quote[1]!
          .split('…')
          .map((p) => p.trim())
          .filter(Boolean);
        let from = 0;
        const missing = pieces.find((piece) => {
          const at = lesson.indexOf(piece, from);
          if (at < 0) return true;
          from = at + piece.length;
          return false;
        });
        if (missing !== undefined)
          add(
            'hint-reference',
            step.metaFile,
            fieldLine(metaText, field),
            `${field.join('.')} quotes the lesson's \`${quote[1]}\`, but lesson ${step.number} has no "${missing}"` +
              (pieces.length > 1 ? ' (pieces around … in that order)' : ''),
          );
      }
    }
  }

  // Diagnoses: each names a section of a lesson that exists.
  const diagnoses = options.diagnoses ?? (await import('./diagnosis/catalogue.ts')).catalogue;
  const diagnosesFile =
    options.diagnosesFile ?? (options.diagnoses ? undefined : path.join(repoRoot, 'src', 'engine', 'diagnosis', 'catalogue.ts'));
  const source = diagnosesFile && existsSync(diagnosesFile) ? readFileSync(diagnosesFile, 'utf8').split('\n') : [];
  const shownDiagnoses = diagnosesFile ?? '(diagnoses)';
  for (const entry of diagnoses) {
    counted.diagnoses++;
    const idLine = source.findIndex((line) => line.includes(`'${entry.id}'`) || line.includes(`"${entry.id}"`));
    const sectionLine = idLine < 0 ? -1 : source.findIndex((line, i) => i >= idLine && line.includes('lessonSection'));
    const line = sectionLine >= 0 ? sectionLine + 1 : idLine >= 0 ? idLine + 1 : undefined;
    if (!/^lesson (\d+), "(.+)"$/.test(entry.lessonSection))
      add(
        'lesson-section',
        shownDiagnoses,
        line,
        `diagnosis ${entry.id}: lessonSection "${entry.lessonSection}" is not 'lesson N, "Heading"'`,
      );
    else sectionCheck(shownDiagnoses, line, entry.lessonSection, `diagnosis ${entry.id} `);
  }

  // Fixtures: pod manifests lint clean; the others parse; placeholders and images as everywhere.
  for (const file of filesUnder(fixturesDir)) {
    counted.fixtures++;
    const text = readFileSync(file, 'utf8');
    placeholderCheck(file, text);
    imageCheck(
      file,
      text.split('\n').map((line, i) => ({ text: line, line: i + 1 })),
    );
    if (/\.ya?ml$/.test(file)) {
      const { isPod, parseError } = lintPodText(text, file, 1, vars, add, '');
      if (!isPod && parseError) add('fixture-lint', file, parseError.line, `not valid YAML: ${parseError.message}`, parseError.column);
    } else if (file.endsWith('.json')) {
      try {
        JSON.parse(fill(text, vars));
      } catch (error) {
        add('fixture-lint', file, undefined, `not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  await Promise.all(syntaxChecks);
  // Grouped by file (in the order files were first met), by line within a file.
  const order = [...new Set(problems.map((p) => p.file))];
  problems.sort((a, b) => order.indexOf(a.file) - order.indexOf(b.file) || (a.line ?? 0) - (b.line ?? 0));
  return { problems, counted };
}

/**
 * Lints `text` (placeholders filled with sample values) with `lab lint`'s linter when it is a Pod; lines
 * are reported from `firstLine` on. Returns whether it was a Pod and, if it does not parse, why.
 */
function lintPodText(
  text: string,
  file: string,
  firstLine: number,
  vars: TemplateVars,
  add: (rule: CheckRule, file: string, line: number | undefined, message: string, column?: number) => void,
  what: string,
): { isPod: boolean; parseError?: { line?: number; column?: number; message: string } } {
  const filled = fill(text, vars);
  const docs = yaml().parseAllDocuments(filled);
  const list = Array.isArray(docs) ? docs : [];
  const error = list.flatMap((doc) => doc.errors)[0];
  const isPod =
    list.some((doc) => {
      const value = doc.errors.length === 0 ? (doc.toJS() as { kind?: unknown } | null) : null;
      return value?.kind === 'Pod';
    }) || /^kind:\s*Pod\s*$/m.test(filled);
  if (!isPod)
    return {
      isPod,
      ...(error ? { parseError: { line: error.linePos?.[0].line, column: error.linePos?.[0].col, message: parserMessage(error) } } : {}),
    };
  for (const problem of lintManifestText(filled, file).problems) {
    add(
      'fixture-lint',
      file,
      firstLine + problem.line - 1,
      `${what ? `${what}: ` : ''}${problem.severity}: ${problem.message}`,
      problem.column,
    );
  }
  return { isPod };
}

/** `file:line:column: message`, the file relative to the checkout when it is inside it. */
export function formatContentProblem(problem: ContentProblem, base = repoRoot): string {
  const relative = path.relative(base, problem.file);
  const file = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : problem.file;
  const at = problem.line !== undefined ? `:${problem.line}${problem.column !== undefined ? `:${problem.column}` : ''}` : '';
  return `${file}${at}: ${problem.message} [${problem.rule}]`;
}

/** What `lab dev check` prints and its exit code (EXIT in errors.ts: 0 all good, 1 problems). */
export async function devCheckReport(options: CheckOptions = {}): Promise<{ lines: string[]; ok: boolean }> {
  const { problems, counted } = await checkContent(options);
  const what =
    `${counted.steps} steps, ${counted.probes} probes, ${counted.commands} lesson commands, ${counted.fixtures} fixtures, ${counted.diagnoses}` +
    ` ` +
    `diagnoses`;
  if (problems.length === 0) return { ok: true, lines: [`content ok: ${what} checked`] };
  return {
    ok: false,
    lines: [
      ...problems.map((p) => formatContentProblem(p)),
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the content (${what} checked)`,
    ],
  };
}

/**
 * `lab dev check --live`: every step starts unsolved. On a machine reset by `lab reset`, no step passes;
 * then, with the steps before it applied (`lab apply N-1`), step N still fails, so the student always
 * arrives at a step that is theirs to solve. Needs root, Docker and the binaries; resets the machine
 * before and after. Returns the problems as lines.
 */
export async function liveCheck(env: LabEnv, log: (line: string) => void): Promise<string[]> {
  const [{ labSteps }, { resetLab }, { applyThrough }, { runStep }, { realMachine }, { requireRoot }] = await Promise.all([
    import('./steps.ts'),
    import('./reset.ts'),
    import('./apply.ts'),
    import('./runner.ts'),
    import('../machine/machine.ts'),
    import('./requirements.ts'),
  ]);
  requireRoot('lab dev check --live');
  const steps = labSteps();
  const machine = realMachine();
  const problems: string[] = [];
  const quiet = () => undefined;
  const passing = async (n: number) => (await runStep(env, steps[n - 1]!, machine)).passed;
  try {
    log('live: lab reset');
    await resetLab(env, { log: quiet });
    for (const step of steps) {
      if (await passing(step.number)) problems.push(`step ${step.number} (${step.meta.title}) passes on a freshly reset machine`);
    }
    log(`live: on a reset machine, ${steps.length - problems.length} of ${steps.length} steps fail as they should`);
    for (const step of steps.slice(1)) {
      log(`live: lab apply ${step.number - 1}, then step ${step.number} must fail`);
      await applyThrough(env, steps, step.number - 1, { log: quiet });
      if (await passing(step.number))
        problems.push(
          `step ${step.number} (${step.meta.title}) already passes once step ${step.number - 1} is applied: there is nothing left ` +
            `for the student to do`,
        );
    }
  } finally {
    log('live: lab reset');
    await resetLab(env, { log: quiet }).catch((error: Error) => problems.push(`the reset after the live check failed: ${error.message}`));
  }
  return problems;
}
