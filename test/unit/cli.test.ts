import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../src/paths.ts';

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], { encoding: 'utf8', input: '' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('lab command-line errors', () => {
  it('verify 99 exits 2 and names the valid steps', () => {
    const result = lab('verify', '99');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /there is no step "99"/);
    assert.match(result.stderr, /valid steps are 1, 2, 3, 4, 5, 6/);
  });

  it('verify with no step, or with a step and --all, is a usage error', () => {
    assert.equal(lab('verify').code, 2);
    assert.equal(lab('verify', '2', '--all').code, 2);
  });

  it('apply of a non-number is a usage error', () => {
    const result = lab('apply', 'two');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /there is no step "two"/);
  });

  it('an unknown command or option exits 2', () => {
    assert.equal(lab('frobnicate').code, 2);
    assert.equal(lab('verify', '1', '--colour').code, 2);
  });

  it('reset without --yes and without a terminal refuses with a hint', () => {
    const result = lab('reset');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--yes/);
  });

  it('--help exits 0', () => {
    const result = lab('--help');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /verify/);
  });
});
