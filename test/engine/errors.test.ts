import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { portHolders } from '../../src/drivers/ports.ts';
import { repoRoot } from '../../src/paths.ts';
import { loadVersions } from '../../src/versions.ts';
import { needsRealEnv, realEnvMissing } from '../helpers/realenv.ts';
import { lab, sleepMs, requireNoForeignKubelet } from './helpers.ts';

async function labWith(envOverrides: Record<string, string>, ...args: string[]) {
  const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], { reject: false, cwd: repoRoot, env: envOverrides, input: '' });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

/** A stand-in for "someone else's server" on a port the lab needs. */
async function listenOn(port: number): Promise<ChildProcess> {
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (portHolders([port]).some((holder) => holder.pid === child.pid)) return child;
    await sleepMs(100);
  }
  child.kill();
  throw new Error(`could not listen on ${port}: ${JSON.stringify(portHolders([port]))}`);
}

describe('clear errors for a machine that is not ready', { timeout: 600_000 }, () => {
  // Leave the machine as found: the next holder of the real-env lock expects no lab kubelet.
  after(async () => {
    if (!realEnvMissing()) await lab('reset', '--yes');
  });

  it('names a missing binary and how to get it', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    assert.equal((await lab('reset', '--yes')).code, 0);
    const empty = mkdtempSync(path.join(tmpdir(), 'mvk-nobin-'));
    const result = await labWith({ MVK_BIN_DIR: empty }, 'apply', '1');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`error: kubelet is not in ${empty}`));
    assert.match(result.stderr, /hint: .*npm run testbed/);
  });

  it('names a missing image', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    const busybox = loadVersions().images.busybox;
    const keep = `mvk-test-keep/${busybox}`;
    await execa('docker', ['tag', busybox, keep]);
    try {
      await execa('docker', ['rmi', busybox]);
      const result = await lab('apply', '1');
      assert.equal(result.code, 1);
      // The lab either names the missing image or, where it may pull (issue 6), the image it could not pull.
      assert.match(result.stderr, new RegExp(`(the image ${busybox.replace(/[.]/g, '\\.')} is not on this machine|could not pull ${busybox.replace(/[.]/g, '\\.')})`));
    } finally {
      await execa('docker', ['tag', keep, busybox]);
      await execa('docker', ['rmi', keep]);
    }
  });

  it('says when Docker does not answer', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    const result = await labWith({ MVK_DOCKER_SOCKET: '/tmp/mvk-no-docker.sock' }, 'apply', '1');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the Docker engine does not answer at \/tmp\/mvk-no-docker\.sock/);
  });

  it('refuses to run kubelet without root', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    const result = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repoRoot, 'bin/lab.mjs'), 'apply', '1'], { reject: false, cwd: repoRoot, env: { TSX_DISABLE_CACHE: '1' } });
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /lab apply needs root/);
  });

  it('names who holds a port kubelet or etcd needs', async (t) => {
    if (!needsRealEnv(t)) return;
    await requireNoForeignKubelet();
    assert.equal((await lab('reset', '--yes')).code, 0);
    let squatter = await listenOn(10248);
    try {
      const result = await lab('apply', '1');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /port 10248 is already taken by python3 \(pid \d+\)/);
    } finally {
      squatter.kill();
    }
    squatter = await listenOn(2379);
    try {
      const result = await lab('apply', '2');
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, /port 2379 on 127\.0\.0\.1 is already taken by python3 \(pid \d+\), so the lab's etcd cannot listen there/);
    } finally {
      squatter.kill();
      assert.equal((await lab('reset', '--yes')).code, 0);
    }
  });
});
