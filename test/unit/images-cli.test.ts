import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { workDir } from '../helpers/workdir.ts';
import { childOutput } from '../helpers/childOutput.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mvk-images-cli-'));
const noConfig = path.join(dir, 'none.yaml');

/** Runs `lab` (the tests run concurrently: each is a process of its own, ~0.3 s of start-up). */
function lab(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MVK_WORK_DIR: workDir, MVK_CONFIG: noConfig, MVK_REGISTRY_MIRROR: '', ...env },
  });
  return childOutput(child);
}

describe('lab images list and the mirror on the command line (no Docker needed)', { concurrency: true }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the images of labs/versions.yaml, one a line', async () => {
    const run = await lab(['images', 'list']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), Object.values(loadVersions().images));
  });

  it('--registry-mirror (before or after the command) rewrites every name', async () => {
    const runs = await Promise.all(
      [
        ['--registry-mirror', 'registry.aliyuncs.com/google_containers', 'images', 'list'],
        ['images', 'list', '--registry-mirror', 'registry.aliyuncs.com/google_containers'],
      ].map((args) => lab(args)),
    );
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      const names = run.stdout.trim().split('\n');
      assert.equal(names.length, Object.keys(loadVersions().images).length);
      assert.ok(
        names.every((n) => n.startsWith('registry.aliyuncs.com/google_containers/')),
        names.join(' '),
      );
      assert.ok(names.includes('registry.aliyuncs.com/google_containers/pause:3.2'));
    }
  });

  it('takes the mirror from lab.config.yaml, and --json shows both names', async () => {
    const config = path.join(dir, 'lab.config.yaml');
    writeFileSync(config, 'registryMirror: 127.0.0.1:5000/lab\n');
    const run = await lab(['images', 'list', '--json'], { MVK_CONFIG: config });
    const report = JSON.parse(run.stdout) as { mirror: string; images: { role: string; name: string; upstream: string }[] };
    assert.equal(report.mirror, '127.0.0.1:5000/lab');
    assert.deepEqual(
      report.images.find((i) => i.role === 'pause'),
      { role: 'pause', name: '127.0.0.1:5000/lab/pause:3.2', upstream: 'registry.k8s.io/pause:3.2' },
    );
  });

  it('a mirror with a URL scheme is a usage error (exit 2) with a hint', async () => {
    const run = await lab(['images', 'list', '--registry-mirror', 'https://mirror.example/lab']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /has a URL scheme/);
    assert.match(run.stderr, /hint: give the image prefix without http/);
  });

  it('lab setup with a broken checksums file names the file and field, and downloads nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'format: 1\nkubernetes: v1.19.16\narchives:\n  - {file: a.tar.gz, arch: amd64, path: v1.19.16/a.tar.gz, sha512: abc, binDir: b}\n',
    );
    const run = await lab(['setup', '--checksums', bad, '--base-url', 'http://127.0.0.1:9', '--no-images'], {
      MVK_BIN_DIR: path.join(dir, 'bin'),
      MVK_CACHE_DIR: path.join(dir, 'cache'),
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /bad\.yaml:4:\d+: field archives\.0\.sha512: must be 128 lower-case hex digits/);
  });
});
