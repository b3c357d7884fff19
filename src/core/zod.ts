import { createRequire } from 'node:module';
import type { z } from 'zod';

let loaded: typeof z | undefined;

/**
 * zod, loaded when a schema is first built rather than with every module that declares one (~25 ms of
 * each `lab` start, with the schemas): a start whose labs/ the build validated (content/load.ts,
 * versions.ts) checks nothing with it. Every schema of the lab is built from this one (CommonJS) copy.
 */
export function zod(): typeof z {
  return (loaded ??= (createRequire(import.meta.url)('zod') as typeof import('zod')).z);
}
