import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { z as zodType } from 'zod';
import { LabError } from './errors.ts';
import { builtFile, repoRoot } from './paths.ts';
import { parseYamlFile } from './yamlFile.ts';
import { zod } from './zod.ts';

/** The schema of labs/versions.yaml, built with zod when a file is parsed (not when the build's copy is used). */
function versionsSchemaOf(z: typeof zodType) {
  const pinnedImage = z
    .string()
    .regex(/^[a-z0-9.\-/:_]+:[A-Za-z0-9._-]+$/, 'must be a name with a pinned tag (never untagged or :latest)')
    .refine((name) => !name.endsWith(':latest'), 'must not use :latest');

  const versionsSchema = z.object({
    kubernetes: z.string().regex(/^v\d+\.\d+\.\d+$/),
    binaries: z.array(z.string()).nonempty(),
    // Roles are the steps' to choose (their `images:`); pause is the engine's own, since kubelet runs
    // every pod's sandbox from it.
    images: z.object({ pause: pinnedImage }).catchall(pinnedImage),
  });
  return versionsSchema;
}

let schema: ReturnType<typeof versionsSchemaOf> | undefined;

export type Versions = zodType.infer<ReturnType<typeof versionsSchemaOf>>;
/** A key of labs/versions.yaml's images: pause, busybox, etcd, … */
export type ImageRole = string;

export const versionsFile = path.join(repoRoot, 'labs', 'versions.yaml');

/**
 * The build's validated copy of labs/versions.yaml (dist/versions-cache.json: the file's exact text and
 * what it parsed to), so a `lab` start parses no YAML for it while the file is unchanged.
 */
const builtVersionsFile = builtFile('versions-cache.json');

function builtVersions(text: string): Versions | undefined {
  if (!builtVersionsFile) return undefined;
  try {
    const cache = JSON.parse(readFileSync(builtVersionsFile, 'utf8')) as { text?: string; versions?: Versions };
    return cache.text === text ? cache.versions : undefined;
  } catch {
    return undefined;
  }
}

/** Reads labs/versions.yaml: the single list of versions and image names the lab and the test bed share. */
export function loadVersions(file = versionsFile): Versions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabError(`cannot read ${file}: ${(error as Error).message}`, 'restore it with `git checkout labs/versions.yaml`', {
      cause: error,
    });
  }
  return (file === versionsFile ? builtVersions(text) : undefined) ?? parseVersions(file, text);
}

function parseVersions(file: string, text: string): Versions {
  return parseYamlFile(file, text, (schema ??= versionsSchemaOf(zod())), {
    hint: 'fix the file at that spot, or restore it with `git checkout labs/versions.yaml`',
  });
}

/** `npm run build`: validates labs/versions.yaml (throwing as loadVersions does) and writes the copy above. */
export function writeVersionsCache(): void {
  if (!builtVersionsFile) throw new Error('the versions cache belongs to the compiled lab in dist/; run this from dist/');
  const text = readFileSync(versionsFile, 'utf8');
  const partial = `${builtVersionsFile}.${process.pid}.tmp`;
  writeFileSync(partial, `${JSON.stringify({ text, versions: parseVersions(versionsFile, text) })}\n`);
  renameSync(partial, builtVersionsFile);
}
