import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { binDir } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
// Every real suite runs the lab on a temporary work dir (MVK_WORK_DIR), never on the developer's pods/.
import './workdir.ts';

// The test bed is offline: a test that removes an image must not make `lab apply` try a public registry
// (issue 6 pulls missing images). Tests that pull from their own 127.0.0.1 registry set MVK_NO_PULL=0.
process.env.MVK_NO_PULL ??= '1';

/**
 * Real-environment tests need the test bed (`npm run testbed`): a Docker engine, the v1.19.16 binaries
 * and the local images. Without it they skip, so `npm test` works on a laptop; with LAB_E2E=required
 * (as CI sets it) a missing test bed fails the test instead, so CI can never go green by skipping.
 */
export function realEnvMissing(): string | undefined {
  const versions = loadVersions();
  const dir = binDir(versions.kubernetes);
  for (const binary of versions.binaries) {
    if (!existsSync(path.join(dir, binary))) return `${binary} is not in ${dir} (run npm run testbed)`;
  }
  if (!existsSync('/var/run/docker.sock')) return 'no Docker engine socket at /var/run/docker.sock (run npm run testbed)';
  if (process.getuid?.() !== 0) return 'real-environment tests run kubelet and need root';
  return undefined;
}

/** Why real-environment tests must skip, or false when the test bed is ready; throws under LAB_E2E=required. */
export function realEnvSkip(): string | false {
  const missing = realEnvMissing();
  if (!missing) return false;
  if (process.env.LAB_E2E === 'required') throw new Error(`LAB_E2E=required but the test bed is not ready: ${missing}`);
  return missing;
}

/** Call first in a real-environment test: skips it, or fails it when LAB_E2E=required. */
export function needsRealEnv(t: TestContext): boolean {
  const skip = realEnvSkip();
  if (skip) t.skip(skip);
  return !skip;
}
