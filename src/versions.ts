import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { LabError } from './errors.ts';
import { repoRoot } from './paths.ts';

const pinnedImage = z
  .string()
  .regex(/^[a-z0-9.\-/:_]+:[A-Za-z0-9._-]+$/, 'must be a name with a pinned tag (never untagged or :latest)')
  .refine((name) => !name.endsWith(':latest'), 'must not use :latest');

const versionsSchema = z.object({
  kubernetes: z.string().regex(/^v\d+\.\d+\.\d+$/),
  binaries: z.array(z.string()).nonempty(),
  images: z.object({
    pause: pinnedImage,
    busybox: pinnedImage,
    etcd: pinnedImage,
    apiserver: pinnedImage,
    nginx: pinnedImage,
    curl: pinnedImage,
  }),
});

export type Versions = z.infer<typeof versionsSchema>;
export type ImageRole = keyof Versions['images'];

export const versionsFile = path.join(repoRoot, 'labs', 'versions.yaml');

/** Reads labs/versions.yaml: the single list of versions and image names the lab and the test bed share. */
export function loadVersions(file = versionsFile): Versions {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LabError(`cannot read ${file}: ${(error as Error).message}`, 'restore it with `git checkout labs/versions.yaml`', { cause: error });
  }
  const result = versionsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new LabError(`${file}: field ${issue.path.join('.')} ${issue.message}`, 'fix that field or restore the file with `git checkout labs/versions.yaml`');
  }
  return result.data;
}
