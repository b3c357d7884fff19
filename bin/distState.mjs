// Whether dist/ (what `npm run build` compiles from src/) can be run: shared by bin/lab.mjs, which falls
// back to the sources through tsx when it cannot, and the unit-test runner (test/unit.mjs), which
// builds first so the tests that start `lab` run it compiled.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * Why dist/ cannot be run, or undefined when it is at least as new as every source. The build's start
 * time (dist/.built, written by `npm run build`, dated when the build began) against the newest .ts/.tsx
 * file under src/ and the tsconfig files: about 100 stat calls, a few milliseconds.
 */
export function distProblem(root) {
  const built = mtime(path.join(root, 'dist', '.built'));
  if (built === undefined || mtime(path.join(root, 'dist', 'cli.js')) === undefined) return 'dist/ is not built';
  let sources;
  try {
    // What tsc compiles: a changed ENGINE.md is no reason to leave dist/.
    sources = readdirSync(path.join(root, 'src'), { recursive: true })
      .filter((name) => /\.tsx?$/.test(name))
      .map((name) => path.join('src', name));
  } catch {
    return undefined; // no sources beside the build: dist/ is all there is
  }
  for (const file of [...sources, 'tsconfig.json', 'tsconfig.build.json']) {
    const changed = mtime(path.join(root, file));
    if (changed !== undefined && changed > built) return `${file} changed after the last build`;
  }
  return undefined;
}
