import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, it, type TestContext } from 'node:test';
import { portHolders } from '../../src/machine/ports.ts';
import { lab, requireNoForeignKubelet, sleepMs } from '../engine/helpers.ts';
import { needsRealEnv, realEnvMissing } from './realenv.ts';

/**
 * The hooks every real-environment suite shares, written once. Call it inside `describe`: after the
 * suite the machine is reset (the next holder of the real-env lock expects no lab kubelet), then
 * `cleanup` removes what the suite made besides the lab (decoys, extra images). Without the test bed
 * nothing runs, as the tests themselves skip.
 */
export function resetMachineAfter(cleanup?: () => Promise<unknown>): void {
  after(async () => {
    if (realEnvMissing()) return;
    await lab('reset', '--yes');
    await cleanup?.();
  });
}

/**
 * The first lines of every real-environment test: skip it (or fail it under LAB_E2E=required) without
 * the test bed, wait for a foreign kubelet to go, and start from a reset machine unless `reset: false`
 * (a test that carries on from the one before). Returns false when the test was skipped.
 */
export async function onRealMachine(t: TestContext, options: { reset?: boolean } = {}): Promise<boolean> {
  if (!needsRealEnv(t)) return false;
  await requireNoForeignKubelet();
  if (options.reset !== false) {
    const reset = await lab('reset', '--yes');
    assert.equal(reset.code, 0, `lab reset --yes failed:\n${reset.stdout}\n${reset.stderr}`);
  }
  return true;
}

type RealBody = (t: TestContext) => Promise<void>;

/** `it` for a real-environment test: `onRealMachine` first, then the body (which is not run when skipped). */
export function realMachineTest(name: string, body: RealBody): void;
export function realMachineTest(name: string, options: { reset?: boolean }, body: RealBody): void;
export function realMachineTest(name: string, ...rest: [RealBody] | [{ reset?: boolean }, RealBody]): void {
  const [options, body] = rest.length === 1 ? [{}, rest[0]] : rest;
  it(name, async (t) => {
    if (await onRealMachine(t, options)) await body(t);
  });
}

/** Polls `check` every half second until it holds, or throws naming `what`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleepMs(500);
  }
}

/** A stand-in for "someone else's server" on a port the lab needs: python3's http.server on `address:port`. */
export async function squatPort(port: number, address = '127.0.0.1'): Promise<ChildProcess> {
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', address], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (portHolders([port]).some((holder) => holder.pid === child.pid)) return child;
    await sleepMs(100);
  }
  child.kill();
  throw new Error(`could not listen on ${address}:${port}: ${JSON.stringify(portHolders([port]))}`);
}

/** Runs `body` while a squatter holds `address:port`, and always stops the squatter afterwards, even when `body` throws. */
export async function withSquatter<T>(port: number, address: string, body: (squatter: ChildProcess) => Promise<T>): Promise<T> {
  const squatter = await squatPort(port, address);
  try {
    return await body(squatter);
  } finally {
    squatter.kill();
    await until(
      () => !portHolders([port]).some((holder) => holder.pid === squatter.pid),
      10_000,
      `the squatter on ${address}:${port} to go`,
    );
  }
}
