import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { repoRoot } from '../../../src/core/paths.ts';
import { workDir } from '../../helpers/workdir.ts';

describe('npm run lab without a terminal', () => {
  it('prints the current step as plain text with a hint to use a terminal, and exits 0', async () => {
    // execa pipes stdout and stdin: exactly the "not a TTY" case.
    // On a temporary work dir: the progress and kernel baseline it records stay out of the checkout.
    const result = await execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs')], {
      reject: false,
      cwd: repoRoot,
      env: { MVK_WORK_DIR: workDir },
      input: '',
      timeout: 60_000,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /You are on step \d/);
    assert.match(result.stdout, /Run `npm run lab` in a terminal for the interactive one/);
    assert.doesNotMatch(result.stdout, /\x1b\[\?1049h/, 'no alternate screen when the output is not a terminal');
  });
});
