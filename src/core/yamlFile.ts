import { readFileSync } from 'node:fs';
import type { Document, LineCounter } from 'yaml';
import type { ZodIssue, ZodType, ZodTypeDef } from 'zod';
import { LabError } from './errors.ts';
import { yaml } from './yaml.ts';

/**
 * YAML as the lab reads its files (pods/, kubeconfig.yaml, lab.config.yaml, step.yaml, versions.yaml): problems
 * named by line and column once, in one format, `<file>:<line>:<column>: <message>`, so a student meets
 * the same words in `lab verify`, `lab lint` and a config error.
 */

/** 1-based, as editors count. */
export interface Position {
  line: number;
  column: number;
}

export const YAML_PROBLEM_CODES = ['tab', 'yaml-syntax', 'empty', 'multi-doc'] as const;
export type YamlProblemCode = (typeof YAML_PROBLEM_CODES)[number];

export interface YamlProblem extends Position {
  code: YamlProblemCode;
  message: string;
}

export interface ReadYaml {
  /** Tabs in the indentation (every one), else the parser's first error, else an empty file, else a second document. */
  problems: YamlProblem[];
  /** The first document, when the text parses (also when it holds more than one). */
  document?: Document.Parsed;
  /** The parser's own error behind a yaml-syntax problem (a wrapping error's cause). */
  parserError?: Error;
  /** Where an offset of the text is. */
  at(offset: number | undefined): Position;
  /** Where a field of `document` is (its key; a list item where it starts), or its nearest parent that exists, else the document. */
  fieldAt(field: readonly (string | number)[]): Position;
  /** As fieldAt, but undefined when neither the field nor any parent of it is there. */
  findField(field: readonly (string | number)[]): Position | undefined;
}

export interface ReadOptions {
  /** Why a second document is wrong ("kubelet reads one Pod per file"). */
  oneDocument?: string;
  /**
   * true (pods/, as `lab lint` has always read them): a line that starts with a tab is a problem even
   * where the parser lets it pass (a blank line, a block scalar's text). false: the parser decides, and
   * a tab is named as above only when the text does not parse.
   */
  everyTab?: boolean;
}

/** Reads `text` as one YAML document; only a second document leaves `document` set, since the first still says something. */
export function readYaml(text: string, options: ReadOptions = {}): ReadYaml {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const at = positionIn(lineCounter);
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const real = Array.isArray(docs) ? docs.filter((doc) => doc.contents !== null || doc.errors.length > 0) : [];
  const syntax = real.flatMap((doc) => doc.errors.slice(0, 1))[0];
  // Tabs first: YAML forbids them in indentation and the parser's own message does not say so.
  const problems: YamlProblem[] = options.everyTab || syntax ? tabsIn(text) : [];
  if (syntax && problems.length === 0) problems.push({ ...at(syntax.pos[0]), code: 'yaml-syntax', message: parserMessage(syntax) });
  const failed = { at, fieldAt: () => at(0), findField: () => undefined, ...(syntax ? { parserError: syntax } : {}) };
  if (problems.length > 0) return { problems, ...failed };
  if (real.length === 0) return { problems: [{ line: 1, column: 1, code: 'empty', message: 'the file is empty' }], ...failed };
  if (real.length > 1)
    problems.push({
      ...at(real[1]!.range[0]),
      code: 'multi-doc',
      message: `holds ${real.length} YAML documents; ${options.oneDocument ?? 'the lab reads one document from it'}`,
    });
  const document = real[0]!;
  const findField = (field: readonly (string | number)[]) => {
    const offset = fieldOffset(document, field);
    return offset === undefined ? undefined : at(offset);
  };
  return { problems, document, at, findField, fieldAt: (field) => findField(field) ?? at(document.contents?.range?.[0]) };
}

/** The parser's message without the position and the caret dump it appends (the position is said once, in front). */
export const parserMessage = (error: Error): string => error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

function tabsIn(text: string): YamlProblem[] {
  return text.split('\n').flatMap((line, index) => {
    const match = /^( *)\t/.exec(line);
    return match
      ? [
          {
            line: index + 1,
            column: match[1]!.length + 1,
            code: 'tab' as const,
            message: 'a tab in the indentation; YAML indents with spaces only',
          },
        ]
      : [];
  });
}

const positionIn =
  (lineCounter: LineCounter) =>
  (offset: number | undefined): Position => {
    const { line, col } = lineCounter.linePos(offset ?? 0);
    return { line, column: col };
  };

/**
 * The offset of a field, or of its nearest parent that exists (a missing field is reported there). A
 * mapping's field is where its key is (a block value starts a line later); a list item is where it starts.
 */
function fieldOffset(document: Document.Parsed, field: readonly (string | number)[]): number | undefined {
  type Ranged = { range?: [number, number, number] };
  for (let keys = field.map((k) => (typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : k)); keys.length > 0; keys = keys.slice(0, -1)) {
    const parent = (keys.length > 1 ? document.getIn(keys.slice(0, -1), true) : document.contents) as
      | { items?: { key?: { value?: unknown } & Ranged }[] }
      | undefined;
    const key = parent?.items?.find((item) => item.key?.value === keys.at(-1))?.key;
    if (key?.range) return key.range[0];
    const node = document.getIn(keys, true) as Ranged | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

/** The one way a position in a file is written: `<file>:<line>:<column>: <message>`. */
export const formatAt = (file: string, position: Position, message: string) => `${file}:${position.line}:${position.column}: ${message}`;

/** A schema problem in the lab's words: the field by its dotted path, or the document. */
export function describeIssue(issue: ZodIssue): string {
  const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'the document';
  return `${where}: ${issue.message}`;
}

export interface YamlFileOptions {
  /** How the file is named in messages (a path relative to the checkout, say); the path itself if not given. */
  shownAs?: string;
  /** What to do about any problem, shown as the LabError's hint. */
  hint: string;
  /** The value an empty file stands for; without it an empty file is a problem. */
  ifEmpty?: unknown;
  /** The exit code a problem leads to (LabError's default, 1, unless said). */
  exitCode?: number;
}

/**
 * Parses `text` (the contents of `file`) as one YAML document and checks it against `schema`. Throws a
 * LabError `<file>:<line>:<column>: <message>` with `hint` at the first problem, the YAML's or the
 * schema's (its field located in the file), with the parser's or zod's error as its cause.
 */
export function parseYamlFile<T>(file: string, text: string, schema: ZodType<T, ZodTypeDef, unknown>, options: YamlFileOptions): T {
  const shown = options.shownAs ?? file;
  const read = readYaml(text);
  const problem = read.problems[0];
  let value: unknown;
  if (problem?.code === 'empty' && 'ifEmpty' in options) value = options.ifEmpty;
  else if (problem)
    throw new LabError(formatAt(shown, problem, problem.message), options.hint, { cause: read.parserError, exitCode: options.exitCode });
  else value = read.document!.toJS();
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // An unknown key is shown where it is written, not where its object starts.
  const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  throw new LabError(formatAt(shown, read.fieldAt(at), describeIssue(issue)), options.hint, {
    cause: result.error,
    exitCode: options.exitCode,
  });
}

/** Reads `file` and parses it as `parseYamlFile` does; a file that cannot be read is a LabError too. */
export function loadYamlFile<T>(file: string, schema: ZodType<T, ZodTypeDef, unknown>, options: YamlFileOptions): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabError(`cannot read ${options.shownAs ?? file}: ${(error as Error).message}`, options.hint, {
      cause: error,
      exitCode: options.exitCode,
    });
  }
  return parseYamlFile(file, text, schema, options);
}
