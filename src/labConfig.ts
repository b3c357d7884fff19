import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z as zodType } from 'zod';
import { LabError } from './errors.ts';
import { repoRoot } from './paths.ts';
import { yaml } from './yaml.ts';
import { zod } from './zod.ts';

/**
 * Per-machine or per-classroom settings, in `lab.config.yaml` at the repository root (gitignored, so a
 * student's local choice never shows up in git; an instructor's fork may commit one). MVK_CONFIG points
 * elsewhere, which the tests use to stay independent of whatever file a developer keeps here.
 */
function labConfigSchemaOf(z: typeof zodType) {
  return z
    .object({
      /** Pull every lab image from this prefix instead (`registry.aliyuncs.com/google_containers` style). */
      registryMirror: z.string().min(1).optional(),
      /** Where `lab setup` downloads the Kubernetes release archives from (default https://dl.k8s.io). */
      releaseBaseUrl: z.string().url().optional(),
      /** false: never pull on its own (offline machines, the test bed); `lab images pull` still does. */
      pullImages: z.boolean().optional(),
    })
    .strict();
}

let schema: ReturnType<typeof labConfigSchemaOf> | undefined;
/** The file's schema, built (and zod loaded) only when there is a file to check. */
export const labConfigSchema = () => (schema ??= labConfigSchemaOf(zod()));

export type LabConfig = zodType.infer<ReturnType<typeof labConfigSchemaOf>>;

export function labConfigFile(): string {
  return process.env.MVK_CONFIG ?? path.join(repoRoot, 'lab.config.yaml');
}

/** The config file's settings; a missing file means no settings. */
export function loadLabConfig(file = labConfigFile()): LabConfig {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = yaml().parse(readFileSync(file, 'utf8')) ?? {};
  } catch (error) {
    throw new LabError(`cannot read ${file}: ${(error as Error).message}`, 'fix the YAML, or delete the file to use the defaults');
  }
  const result = labConfigSchema().safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new LabError(`${file}: ${field}: ${issue.message}`, 'the settings are registryMirror (an image prefix), releaseBaseUrl (a URL) and pullImages (true/false); see README');
  }
  return result.data;
}
