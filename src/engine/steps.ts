import { builtCacheFile, loadSteps, writeContentCache, type ContentOptions, type Step } from '../content/load.ts';
import { UsageError } from '../core/errors.ts';
import { codeProbes } from './probes/custom/index.ts';
import { CODE_ACTIONS } from './actions/names.ts';
import { labEnv } from '../core/context.ts';
import { engineVars } from '../core/template.ts';

/**
 * Placeholders content may use: the engine's template variables, plus nginx's IP known at apply time.
 * The loader adds `pods.<role>.*` for the static pods the steps themselves declare.
 */
const basePlaceholders = () => [...Object.keys(engineVars(labEnv())), 'nginxIp'];

/** What the lab's content is validated against: the probes, actions and placeholders this engine has (also `lab dev check`). */
export const labContentOptions = (): ContentOptions => ({
  codeProbes: Object.keys(codeProbes),
  codeActions: CODE_ACTIONS,
  knownPlaceholders: basePlaceholders(),
});

let loaded: Step[] | undefined;

/** The lab's steps, validated against the probes and actions this engine has. */
export function labSteps(): Step[] {
  const steps = loadSteps(labContentOptions());
  loaded ??= steps;
  return steps;
}

/**
 * The lab's steps for code that only reads what they declare (static pods, ports, where the node joins):
 * the steps this process already loaded, so a command does not read and check labs/ again for them.
 */
export const labDeclarations = (): Step[] => (loaded ??= labSteps());

/**
 * `npm run build` (src/engine/writeCache.ts): validates labs/ as `labSteps` does and keeps the result in
 * dist/content-cache.json, so the compiled `lab` does not parse and check unchanged steps on every start.
 */
export function writeBuiltContentCache(): string {
  if (!builtCacheFile) throw new Error('the content cache belongs to the compiled lab in dist/; run this from dist/');
  writeContentCache(builtCacheFile, labContentOptions());
  return builtCacheFile;
}

export function stepByNumber(steps: Step[], input: string | number): Step {
  const text = String(input).trim();
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  const step = steps.find((s) => s.number === number);
  if (!step) {
    throw new UsageError(
      `there is no step "${text}"`,
      `valid steps are ${steps.map((s) => s.number).join(', ')} (${steps.map((s) => `${s.number}: ${s.meta.title}`).join('; ')})`,
    );
  }
  return step;
}
