/**
 * kubelet sets a few kernel settings at start and they outlive it; `lab reset` must put back the
 * machine's own values. Starts kubelet: run under the shared lock, e.g.
 *   flock /tmp/mvk-realenv.lock node --import tsx --test test/engine/kernel-settings.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe } from 'node:test';
import { KUBELET_SYSCTLS } from '../../src/engine/kernelSettings.ts';
import { realMachineTest, resetMachineAfter } from '../helpers/realmachine.ts';
import { lab } from './helpers.ts';

const sysctl = (key: string) => readFileSync(`/proc/sys/${key}`, 'utf8').trim();
const setSysctl = (key: string, value: string) => writeFileSync(`/proc/sys/${key}`, value);

/** Linux's own defaults for the three settings that differ from kubelet's. */
const PRISTINE: Record<string, string> = { 'vm/overcommit_memory': '0', 'kernel/panic': '0', 'kernel/panic_on_oops': '0' };

describe('lab reset puts back the kernel settings kubelet changed', () => {
  resetMachineAfter();

  realMachineTest('kubelet sets them, reset restores the values from before', async () => {
    // A machine that never ran kubelet (this one has: make it look fresh).
    for (const [key, value] of Object.entries(PRISTINE)) setSysctl(key, value);
    const apply = await lab('apply', '1');
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    for (const key of Object.keys(PRISTINE)) assert.equal(sysctl(key), KUBELET_SYSCTLS[key], `kubelet set ${key}`);
    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /put back kernel\.panic = 0 \(kubelet had set 10\)/);
    for (const [key, value] of Object.entries(PRISTINE)) assert.equal(sysctl(key), value, `${key} is the machine's own again`);
    // Nothing left to put back: a second reset says nothing about kernel settings.
    const again = await lab('reset', '--yes');
    assert.doesNotMatch(again.stdout, /put back/);
  });
});
