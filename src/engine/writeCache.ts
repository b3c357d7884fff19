/**
 * Run by `npm run build` after tsc, as `node dist/engine/writeCache.js`: writes the validated copies of
 * labs/versions.yaml and the steps into dist/ (versions-cache.json, content-cache.json; see versions.ts
 * and ContentCache in load.ts). Content that does not validate is no build failure: the lab reports it,
 * with file and field, when it starts; until then each start reads and validates it in full.
 */
import { writeBuiltContentCache } from './steps.ts';
import { writeVersionsCache } from '../core/versions.ts';

for (const [file, write] of [
  ['versions-cache.json', writeVersionsCache],
  ['content-cache.json', writeBuiltContentCache],
] as const) {
  try {
    write();
  } catch (error) {
    process.stderr.write(`note: dist/${file} not written, so the lab validates labs/ on every start: ${(error as Error).message}\n`);
  }
}
