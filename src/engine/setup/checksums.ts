import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z as zodType } from 'zod';
import { LabError } from '../../core/errors.ts';
import { repoRoot } from '../../core/paths.ts';
import { parseYamlFile } from '../../core/yamlFile.ts';
import { zod } from '../../core/zod.ts';

export const CHECKSUMS_FORMAT = 1;
/**
 * The sha512 sums kept in the project. MVK_CHECKSUMS points elsewhere only for tests, which serve an
 * archive of their own from 127.0.0.1 and must say what it hashes to.
 */
export const checksumsFile = (): string => process.env.MVK_CHECKSUMS ?? path.join(repoRoot, 'labs', 'checksums.yaml');

/** The schema of labs/checksums.yaml, built with zod when a file is checked. */
function checksumsSchemaOf(z: typeof zodType) {
  const archiveSchema = z
    .object({
      file: z.string().regex(/^[\w.-]+\.tar\.gz$/, 'must be a .tar.gz file name'),
      arch: z.enum(['amd64', 'arm64']),
      path: z
        .string()
        .min(1)
        .refine((p) => !p.startsWith('/') && !p.includes('..') && !/^[a-z]+:/i.test(p), 'must be relative to the base URL'),
      sha512: z.string().regex(/^[0-9a-f]{128}$/, 'must be 128 lower-case hex digits (a sha512)'),
      /** Directory inside the archive that holds the binaries. */
      binDir: z.string().min(1),
    })
    .strict();

  const checksumsSchema = z
    .object({
      format: z.literal(CHECKSUMS_FORMAT),
      kubernetes: z.string().regex(/^v\d+\.\d+\.\d+$/),
      archives: z.array(archiveSchema).min(1),
    })
    .strict()
    .superRefine((value, ctx) => {
      const arches = value.archives.map((a) => a.arch);
      const duplicate = arches.find((arch, i) => arches.indexOf(arch) !== i);
      if (duplicate) ctx.addIssue({ code: 'custom', path: ['archives'], message: `lists two archives for ${duplicate}` });
    });
  return checksumsSchema;
}

let schema: ReturnType<typeof checksumsSchemaOf> | undefined;

export type Checksums = zodType.infer<ReturnType<typeof checksumsSchemaOf>>;
export type ReleaseArchive = Checksums['archives'][number];

const CHECKSUMS_HINT = 'restore it with `git checkout labs/checksums.yaml`; never copy a checksum from the download host';

/** labs/checksums.yaml's text, read the way every YAML file of the lab is (core/yamlFile.ts). */
export function parseChecksums(text: string, file: string, kubernetesVersion?: string): Checksums {
  const checksums = parseYamlFile(file, text, (schema ??= checksumsSchemaOf(zod())), { hint: CHECKSUMS_HINT });
  if (kubernetesVersion && checksums.kubernetes !== kubernetesVersion) {
    throw new LabError(
      `${file} has checksums for ${checksums.kubernetes}, but the lab pins ${kubernetesVersion}`,
      "update labs/checksums.yaml from that release's CHANGELOG together with labs/versions.yaml",
    );
  }
  return checksums;
}

export function loadChecksums(file = checksumsFile(), kubernetesVersion?: string): Checksums {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LabError(`cannot read ${file}: ${(error as Error).message}`, CHECKSUMS_HINT, { cause: error });
  }
  return parseChecksums(text, file, kubernetesVersion);
}

export function archiveFor(checksums: Checksums, arch: string): ReleaseArchive {
  const archive = checksums.archives.find((a) => a.arch === arch);
  if (!archive) {
    throw new LabError(
      `there is no Kubernetes ${checksums.kubernetes} archive for ${arch} in labs/checksums.yaml`,
      `the lab supports ${checksums.archives.map((a) => a.arch).join(' and ')}; on another machine, build or copy the binaries ` +
        `and use \`lab setup --from DIR\``,
    );
  }
  return archive;
}
