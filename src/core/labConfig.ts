import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z as zodType } from 'zod';
import { repoRoot } from './paths.ts';
import { EXIT } from './errors.ts';
import { loadYamlFile } from './yamlFile.ts';
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

/** The config file's settings; a missing or empty file means no settings. */
export function loadLabConfig(file = labConfigFile()): LabConfig {
  if (!existsSync(file)) return {};
  return loadYamlFile(file, labConfigSchema(), {
    ifEmpty: {},
    // A broken settings file is bad input to the command (exit 2), not a step that fails (1).
    exitCode: EXIT.usage,
    hint:
      'the settings are registryMirror (an image prefix), releaseBaseUrl (a URL) and pullImages (true/false), see README; or ' +
      'delete the file to use the defaults',
  });
}
