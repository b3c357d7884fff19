import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

/**
 * The yaml package, loaded on first use instead of with every module that may parse YAML: at ~60 ms it is
 * the largest single module of a `lab` start, and a verify on a machine with nothing in pods/ (and the
 * build's validated copies of labs/, see content/load.ts and versions.ts) parses no YAML at all. It is
 * CommonJS under Node, so a synchronous require gives the same module an `import` would.
 */
export function yaml(): Yaml {
  return (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
}
