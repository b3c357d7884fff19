#!/usr/bin/env node
/**
 * `npm run test:unit`: the unit tests (test/unit/**), in about 30 s on two cores. Arguments are test
 * files (`npm run test:unit -- test/unit/cli.test.ts`) and node --test options (`--test-name-pattern=…`).
 *
 * Where the time went before: every test file is a process of its own, and through `--import tsx` each
 * one sent every module it loaded (ink's ~400 es-toolkit files, highlight.js, yaml…: ~1,200 for a UI
 * test) through tsx's loader thread and back, ~0.5 s per file before any test ran and 2-4 s CPU for a UI
 * test; and the CLI tests ran `bin/lab.mjs` ~25 times, through tsx too whenever dist/ was stale.
 *
 * So this runner:
 * 1. builds dist/ first when it is stale (bin/distState.mjs, the rule bin/lab.mjs applies), so the CLI
 *    tests start `lab` compiled, as a student does;
 * 2. transpiles src/ and test/ with the esbuild that tsx itself uses, with tsx's options (so the code is
 *    what tsx would run), into a fresh directory under node_modules/.cache (one per run, so runs of
 *    several people in one checkout do not collide; removed at the end), with inline source maps so
 *    stacks and failures name the .ts lines;
 * 3. runs them with `node --test`, as many files at a time as there are CPUs (at least 2). The files are
 *    independent: each writes only under its own temporary directories (test/helpers/workdir.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distProblem } from '../bin/distState.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const stale = distProblem(root);
if (stale) {
  process.stderr.write(`test:unit: ${stale}; building dist/ first (npm run build) so the CLI tests run the compiled lab\n`);
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.stderr.write('test:unit: the build failed; the CLI tests run the sources through tsx instead\n');
}

// The esbuild tsx depends on, with the options tsx transforms with (target, source map, keepNames) and,
// as tsx does, tsconfig.json's compiler options (the JSX runtime; class fields as its target has them).
const { transformSync } = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
const tsconfigRaw = JSON.parse(readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
const relativeTs = /(['"])(\.{1,2}\/[^'"\n]*?)\.tsx?\1/g;

const cache = path.join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const out = mkdtempSync(path.join(cache, 'mvk-lab-unit-'));
// Under node_modules no package.json of the checkout's applies: say again that .js files are ES modules.
writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
let child;
const cleanUp = () => rmSync(out, { recursive: true, force: true });
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    child?.kill(signal);
    process.exit(130);
  });
}

const started = performance.now();
let transpiled = 0;
for (const dir of ['src', 'test']) {
  for (const name of readdirSync(path.join(root, dir), { recursive: true })) {
    if (!/\.tsx?$/.test(name) || name.endsWith('.d.ts')) continue;
    const file = path.join(root, dir, name);
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      sourcemap: 'inline',
      sourcefile: file,
      keepNames: true,
      tsconfigRaw,
    });
    const target = path.join(out, dir, name.replace(/\.tsx?$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    // Imports keep their .ts/.tsx extensions in the sources (allowImportingTsExtensions), as tsc's
    // rewriteRelativeImportExtensions does for dist/.
    writeFileSync(target, code.replace(relativeTs, '$1$2.js$1'));
    transpiled++;
  }
}

const args = process.argv.slice(2);
const named = args.filter((arg) => /\.test\.tsx?$/.test(arg));
const options = args.filter((arg) => !named.includes(arg));
const tests = (
  named.length > 0
    ? named.map((file) => path.relative(root, path.resolve(file)))
    : readdirSync(path.join(root, 'test/unit'), { recursive: true })
        .filter((name) => /\.test\.tsx?$/.test(name))
        .map((name) => path.join('test/unit', name))
)
  .sort()
  .map((file) => path.join(out, file.replace(/\.tsx?$/, '.js')));
process.stderr.write(
  `test:unit: ${transpiled} files transpiled in ${Math.round(performance.now() - started)} ms; ${tests.length} test files\n`,
);

const concurrency = Math.max(2, availableParallelism());
child = spawn(process.execPath, ['--enable-source-maps', '--test', `--test-concurrency=${concurrency}`, ...options, ...tests], {
  cwd: root,
  stdio: 'inherit',
});
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
