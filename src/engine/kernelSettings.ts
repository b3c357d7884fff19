import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabEnv } from '../core/context.ts';
import { allKubelets } from '../machine/kubelet.ts';
import { readSysctl, writeSysctl } from '../machine/sysctl.ts';

/**
 * The kernel settings kubelet 1.19 sets at start (setupKernelTunables, unless
 * --protect-kernel-defaults), with the values it sets. They outlive kubelet, so `lab reset` puts back
 * what the machine had before the lab's first kubelet.
 */
export const KUBELET_SYSCTLS: Record<string, string> = {
  'vm/overcommit_memory': '1',
  'vm/panic_on_oom': '0',
  'kernel/panic': '10',
  'kernel/panic_on_oops': '1',
  'kernel/keys/root_maxkeys': '1000000',
  'kernel/keys/root_maxbytes': '25000000',
};

export const kernelBaselineFile = (env: LabEnv) => path.join(env.stateDir, 'kernel-baseline.json');
const dotted = (key: string) => key.replace(/\//g, '.');

/**
 * Notes the machine's own values, once, while no kubelet runs (after one has run they are kubelet's).
 * Called wherever the lab may be about to start kubelet, or the student about to start it by hand.
 */
export function recordKernelBaseline(env: LabEnv): void {
  const file = kernelBaselineFile(env);
  if (existsSync(file) || allKubelets().length > 0) return;
  const values: Record<string, string> = {};
  for (const key of Object.keys(KUBELET_SYSCTLS)) {
    const value = readSysctl(key);
    if (value !== undefined) values[key] = value;
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`);
  } catch {
    // a read-only checkout: reset then has nothing to put back, as before this existed
  }
}

/**
 * Writes back the recorded values that kubelet changed, once no kubelet at all is left to rely on
 * them, and forgets the record. Returns one line per setting put back.
 */
export function restoreKernelBaseline(env: LabEnv): string[] {
  const file = kernelBaselineFile(env);
  if (!existsSync(file) || allKubelets().length > 0) return [];
  let recorded: Record<string, string>;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    rmSync(file, { force: true });
    return [];
  }
  const lines: string[] = [];
  let failed = false;
  for (const [key, before] of Object.entries(recorded)) {
    if (!(key in KUBELET_SYSCTLS)) continue;
    const now = readSysctl(key);
    if (now === undefined || now === before) continue;
    try {
      writeSysctl(key, before);
      lines.push(`put back ${dotted(key)} = ${before} (kubelet had set ${now})`);
    } catch (error) {
      // Keep the record: a later reset as root can still put it back.
      failed = true;
      lines.push(`could not put back ${dotted(key)} = ${before}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  if (!failed) rmSync(file, { force: true });
  return lines;
}
