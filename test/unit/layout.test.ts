import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The layout (src/ENGINE.md): each folder of src/ imports only from the folders it stands on, so a reader
 * can take core/ alone, then machine/, content/, engine/, and the two front ends last. Type-only imports
 * leave no code behind and may point anywhere.
 */
const MAY_IMPORT: Record<string, string[]> = {
  core: ['core'],
  machine: ['core', 'machine'],
  content: ['core', 'content'],
  engine: ['core', 'machine', 'content', 'engine'],
  cli: ['core', 'machine', 'content', 'engine', 'cli', 'tui'],
  tui: ['core', 'machine', 'content', 'engine', 'tui'],
};

const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '');

/** Relative imports that run code (not `import type`), with their lines. */
export function runtimeImports(text: string): { line: number; target: string }[] {
  const found: { line: number; target: string }[] = [];
  // A static import may span lines: match from `import` (not `import type`) to its `from '…'`.
  for (const match of text.matchAll(
    /^import\s+(?!type\b)[^;]*?\bfrom\s+'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)|^export\s+[^;]*?\bfrom\s+'(\.[^']+)'/gms,
  )) {
    found.push({ line: text.slice(0, match.index).split('\n').length, target: (match[1] ?? match[2] ?? match[3])! });
  }
  return found;
}

/** `file` is relative to src/; each import that goes where its folder may not, as `file:line: …`. */
export function layoutViolations(file: string, text: string): string[] {
  const from = folderOf(file);
  const allowed = MAY_IMPORT[from];
  if (!allowed) return [];
  return runtimeImports(text).flatMap(({ line, target }) => {
    const to = folderOf(path.posix.normalize(path.posix.join(path.posix.dirname(file), target)));
    return allowed.includes(to)
      ? []
      : [`src/${file}:${line}: ${from}/ imports ${to || 'src/'}${to ? '/' : ''} (${target}); ${from}/ may import ${allowed.join(', ')}`];
  });
}

describe('the layout of src/', () => {
  it('every folder imports only from the folders it stands on', () => {
    const src = path.join(process.cwd(), 'src');
    const files = (readdirSync(src, { recursive: true }) as string[])
      .filter((name) => /\.tsx?$/.test(name))
      .map((name) => name.split(path.sep).join('/'));
    assert.ok(files.includes('core/errors.ts'), `run from the checkout's root (${src} has no core/errors.ts)`);
    assert.deepEqual(
      files.flatMap((file) => layoutViolations(file, readFileSync(path.join(src, file), 'utf8'))),
      [],
    );
  });

  it('names the file, line and rule of an import that goes the wrong way, and lets type-only imports be', () => {
    const text =
      // Without extensions: test/unit.mjs rewrites .ts specifiers it finds in any text to .js.
      "import { a } from './x';\nimport type { B } from '../engine/labNode';\nimport {\n  c,\n} from '../engine/runner';\nconst " +
      "d = await import('../tui/App');\n";
    assert.deepEqual(layoutViolations('core/context.ts', text), [
      'src/core/context.ts:3: core/ imports engine/ (../engine/runner); core/ may import core',
      'src/core/context.ts:6: core/ imports tui/ (../tui/App); core/ may import core',
    ]);
  });
});
