import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { execa } from 'execa';
import { repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { realMachineTest, resetMachineAfter, withSquatter } from '../helpers/realmachine.ts';
import { lab } from './helpers.ts';

async function labWith(envOverrides: Record<string, string>, ...args: string[]) {
  const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], {
    reject: false,
    cwd: repoRoot,
    env: envOverrides,
    input: '',
  });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

describe('clear errors for a machine that is not ready', { timeout: 600_000 }, () => {
  resetMachineAfter();

  realMachineTest('names a missing binary and how to get it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'mvk-nobin-'));
    const result = await labWith({ MVK_BIN_DIR: empty }, 'apply', '1');
    assert.equal(result.code, 3, 'exit 3: the machine is not ready');
    assert.match(result.stderr, new RegExp(`error: kubelet is not in ${empty}`));
    assert.match(result.stderr, /hint: .*npm run testbed/);
  });

  realMachineTest('names a missing image', { reset: false }, async () => {
    const busybox = loadVersions().images.busybox;
    const keep = `mvk-test-keep/${busybox}`;
    await execa('docker', ['tag', busybox, keep]);
    try {
      await execa('docker', ['rmi', busybox]);
      const result = await lab('apply', '1');
      // Exit 3 for a missing image; 1 where it tried to pull it and the pull failed.
      assert.ok([1, 3].includes(result.code), `exit ${result.code}`);
      // The lab either names the missing image or, where it may pull (issue 6), the image it could not pull.
      assert.match(
        result.stderr,
        new RegExp(`(the image ${busybox.replace(/[.]/g, '\\.')} is not on this machine|could not pull ${busybox.replace(/[.]/g, '\\.')})`),
      );
    } finally {
      await execa('docker', ['tag', keep, busybox]);
      await execa('docker', ['rmi', keep]);
    }
  });

  realMachineTest('says when Docker does not answer', { reset: false }, async () => {
    const result = await labWith({ MVK_DOCKER_SOCKET: '/tmp/mvk-no-docker.sock' }, 'apply', '1');
    assert.equal(result.code, 3);
    assert.match(result.stderr, /the Docker engine does not answer at \/tmp\/mvk-no-docker\.sock/);
  });

  realMachineTest('refuses to run kubelet without root', { reset: false }, async () => {
    const result = await execa(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(repoRoot, 'bin/lab.mjs'), 'apply', '1'],
      { reject: false, cwd: repoRoot, env: { TSX_DISABLE_CACHE: '1' } },
    );
    assert.equal(result.exitCode, 3, result.stderr);
    assert.match(result.stderr, /lab apply needs root/);
  });

  realMachineTest('names who holds a port kubelet or etcd needs', async () => {
    await withSquatter(10248, '127.0.0.1', async () => {
      const result = await lab('apply', '1');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /port 10248 is already taken by python3 \(pid \d+\)/);
    });
    try {
      await withSquatter(2379, '127.0.0.1', async () => {
        const result = await lab('apply', '2');
        assert.equal(result.code, 1, result.stdout);
        assert.match(
          result.stderr,
          /port 2379 on 127\.0\.0\.1 is already taken by python3 \(pid \d+\), so the lab's etcd cannot listen there/,
        );
      });
    } finally {
      assert.equal((await lab('reset', '--yes')).code, 0);
    }
  });
});
