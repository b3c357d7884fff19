import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The machine seam (issue 13): src/machine/ is the only code that touches the machine, so a fake of it
 * can stand in for the machine in unit tests and a reader knows where the machine is touched. These
 * rules read every source file outside src/machine/ and name each line that breaks one.
 */
const SEAM = 'src/machine/';

interface Rule {
  why: string;
  /** A line that breaks the rule; `text` is the whole file for rules that depend on its imports. */
  breaks(line: string, text: string): boolean;
}

const MACHINE_MODULES = ['execa', 'child_process', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'undici'];
const importsOf = (line: string) =>
  [...line.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
const machineModule = (name: string) => MACHINE_MODULES.includes(name.replace(/^node:/, ''));
const importsFs = (text: string) => /from\s+['"](node:)?fs(\/promises)?['"]/.test(text);

export const RULES: Rule[] = [
  {
    why: 'imports a module that runs processes or opens sockets (execa, child_process, net, http…)',
    breaks: (line) => importsOf(line).some(machineModule),
  },
  {
    why: "imports Docker's API client (use DockerDriver's methods)",
    breaks: (line) => importsOf(line).some((name) => /(^|\/)dockerApi(\.[jt]s)?$/.test(name)),
  },
  { why: "uses DockerDriver.api, Docker's raw API (add a DockerDriver method)", breaks: (line) => /(?<!\.\.)\.api\.\w+\(/.test(line) },
  { why: 'calls fetch (HTTP goes through machine/http.ts)', breaks: (line) => /(?<![\w.$])fetch\s*\(/.test(line) },
  {
    why: 'reads or writes /proc itself (machine/proc.ts, machine/sysctl.ts)',
    breaks: (line, text) => importsFs(text) && /['"`]\/proc\//.test(line),
  },
  { why: 'removes a directory tree itself (machine/files.ts removeTree)', breaks: (line) => /\brmSync\s*\([^)]*recursive/.test(line) },
];

/** Comment lines say what the code does and may name anything. */
const isComment = (line: string) => /^\s*(\/\/|\/\*|\*)/.test(line);

export function seamViolations(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (isComment(line)) return;
    for (const rule of RULES) if (rule.breaks(line, text)) found.push(`${file}:${index + 1}: ${rule.why}: ${line.trim()}`);
  });
  return found;
}

// Both test runners (npm run test:unit, node --test) start in the checkout's root.
const root = process.cwd();

function sourceFiles(): string[] {
  return (readdirSync(path.join(root, 'src'), { recursive: true }) as string[])
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => path.join('src', name).split(path.sep).join('/'));
}

describe('the machine seam', () => {
  it('only src/machine/ touches the machine: processes, sockets, HTTP, Docker, /proc, rm -rf', () => {
    const files = sourceFiles();
    assert.ok(files.includes('src/machine/docker.ts'), `run from the checkout's root (${root} has no src/machine/docker.ts)`);
    const violations = files
      .filter((file) => !file.startsWith(SEAM))
      .flatMap((file) => seamViolations(file, readFileSync(path.join(root, file), 'utf8')));
    assert.deepEqual(violations, []);
  });

  it('names each kind of violation with file and line', () => {
    const text = [
      "import { readFileSync } from 'node:fs';",
      "import { execa } from 'execa';",
      "const { spawn } = await import('node:child_process');",
      "import { DockerEngine } from '../machine/dockerApi';",
      'await docker.api.inspectImage(name);',
      'const reply = await fetch(url);',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the rule's input is source text with a template in it
      "readFileSync(`/proc/${pid}/cgroup`, 'utf8');",
      'rmSync(dir, { recursive: true, force: true });',
      '// a comment may say fetch(url) or /proc/swaps',
      'const all = { ...api, more };',
      'await docker.pull(image, onEvent);',
    ].join('\n');
    const found = seamViolations('src/x.ts', text);
    assert.deepEqual(
      found.map((line) => line.split(':').slice(0, 2).join(':')),
      ['src/x.ts:2', 'src/x.ts:3', 'src/x.ts:4', 'src/x.ts:5', 'src/x.ts:6', 'src/x.ts:7', 'src/x.ts:8'],
    );
    assert.match(found[0]!, /execa, child_process/);
  });

  it('lets a module name /proc when it reads no files itself (through an injected reader)', () => {
    assert.deepEqual(seamViolations('src/engine/doctor/checks/x.ts', "const init = inputs.readFile('/proc/1/comm');"), []);
  });
});
