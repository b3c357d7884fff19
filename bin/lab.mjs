#!/usr/bin/env -S node --max-semi-space-size=2
// The `lab` command. It runs the JavaScript that `npm install` / `npm ci` compiled into dist/ (the
// `prepare` script, `npm run build`): no TypeScript compiler at start, so `lab verify 3` starts in a
// fraction of the time tsx takes.
//
// Fallback: when dist/ is missing (installed without running scripts, or the build failed) or older than
// the sources (you edited src/ since the last build), it runs src/ through tsx instead and says so in one
// line on stderr. A stale dist/ must never run old code in silence: the check (distState.mjs) compares the build's
// start time (dist/.built, written by `npm run build`, dated when the build began) with the newest
// .ts/.tsx file under src/ and the tsconfig files: about 100 stat calls, a few milliseconds. Rebuilding
// instead would cost tsc's 10-20 s on the first run after every edit; the note says how to get the fast
// start back. So tests that run this file judge the sources as they are, compiled or not.
// --max-semi-space-size=2 (here and in package.json's `lab` script, which runs this file with node): V8
// grows the young generation's two semi-spaces up to 16 MiB each while the walkthrough starts (the
// machine check, every step checked once, six lessons laid out) and keeps all 32 MiB resident while the
// student reads: the walkthrough idled at step 1 with ~121 MB RSS, ~87 MB with 2 MiB semi-spaces (same
// CPU; `lab verify 3` takes the same time). V8 reads the size only when the heap is set up, so it must
// be a node option: v8.setFlagsFromString here would come too late.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distProblem } from './distState.mjs';

// With CI or CONTINUOUS_INTEGRATION set, Ink draws only a final frame and chalk drops colours. A
// terminal on stdout means a person is watching, so the walkthrough must draw live and in colour even
// then (NO_COLOR still turns colours off).
if (process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Stacks in a crash report then name src/ lines instead of dist/ ones (costs start-up time, so only then).
if (process.env.LAB_DEBUG && process.env.LAB_DEBUG !== '0') process.setSourceMapsEnabled(true);

let main;
const problem = distProblem(root);
if (problem === undefined) {
  ({ main } = await import('../dist/cli.js'));
} else {
  process.stderr.write(
    `note: ${problem}, so the lab runs its TypeScript sources through tsx (slower start); \`npm run build\` compiles them.\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
