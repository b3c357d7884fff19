import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { binDir, repoRoot } from '../../src/core/paths.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { needsRealEnv } from '../helpers/realenv.ts';
import { startReleaseServer, type ReleaseServer } from './releaseServer.ts';

const versions = loadVersions();

/** A stand-in binary: prints a version the way the real one does (kubectl differs). */
function fakeBinary(name: string, version: string): string {
  return name === 'kubectl' ? `#!/bin/sh\necho "Client Version: ${version}"\n` : `#!/bin/sh\necho "Kubernetes ${version}"\n`;
}

function writeFakeBinaries(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of versions.binaries) {
    writeFileSync(path.join(dir, name), fakeBinary(name, version));
    chmodSync(path.join(dir, name), 0o755);
  }
}

/** A small release-shaped archive: kubernetes/server/bin/<binaries>, like the official server tarball. */
async function fixtureArchive(work: string, version: string): Promise<Buffer> {
  const root = mkdtempSync(path.join(work, 'tree-'));
  writeFakeBinaries(path.join(root, 'kubernetes/server/bin'), version);
  writeFileSync(path.join(root, 'kubernetes/server/bin/kube-proxy'), '#!/bin/sh\n');
  const archive = path.join(work, `fixture-${version}.tar.gz`);
  await execa('tar', ['-czf', archive, '-C', root, 'kubernetes']);
  return readFileSync(archive);
}

function checksumsFile(work: string, name: string, sha512: string): string {
  const file = path.join(work, name);
  const archives = (['amd64', 'arm64'] as const).map((arch) => ({
    file: `kubernetes-server-linux-${arch}.tar.gz`,
    arch,
    path: `${versions.kubernetes}/kubernetes-server-linux-${arch}.tar.gz`,
    sha512,
    binDir: 'kubernetes/server/bin',
  }));
  writeFileSync(
    file,
    `# test-only: the sha512 of this test's own fixture archive\n${stringify({ format: 1, kubernetes: versions.kubernetes, archives })}`,
  );
  return file;
}

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('lab setup downloads, verifies and unpacks the release archive (local server)', () => {
  let server: ReleaseServer;
  let work: string;
  let goodChecksums: string;
  let wrongChecksums: string;
  let archive: Buffer;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mvk-setup-'));
    server = await startReleaseServer();
    archive = await fixtureArchive(work, versions.kubernetes);
    for (const arch of ['amd64', 'arm64']) server.files.set(`/${versions.kubernetes}/kubernetes-server-linux-${arch}.tar.gz`, archive);
    goodChecksums = checksumsFile(work, 'checksums.yaml', sha512(archive));
    wrongChecksums = checksumsFile(work, 'wrong-checksums.yaml', sha512(Buffer.from('another archive')));
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  function setupEnv(name: string, extra: Record<string, string> = {}) {
    const base = path.join(work, name);
    return {
      bin: path.join(base, 'bin'),
      cache: path.join(base, 'cache'),
      env: {
        MVK_BIN_DIR: path.join(base, 'bin'),
        MVK_CACHE_DIR: path.join(base, 'cache'),
        MVK_CONFIG: path.join(base, 'none.yaml'),
        ...extra,
      },
    };
  }

  const lab = (args: string[], env: Record<string, string>) =>
    execa(process.execPath, [path.join(repoRoot, 'bin/lab.mjs'), ...args], { reject: false, env, cwd: repoRoot });

  it('downloads with progress, checks the sha512, unpacks every pinned binary and drops the archive', async () => {
    const { bin, cache, env } = setupEnv('good');
    const run = await lab(['setup', '--base-url', server.url, '--checksums', goodChecksums, '--no-images'], env);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`downloading ${server.url}/${versions.kubernetes}/kubernetes-server-linux-(amd64|arm64)\\.tar\\.gz`),
    );
    assert.match(run.stdout, /kubernetes 100% /, 'progress reaches 100%');
    assert.match(run.stdout, /sha512 matches labs\/checksums\.yaml/);
    for (const name of versions.binaries) {
      const file = path.join(bin, name);
      assert.ok(statSync(file).mode & 0o100, `${name} is executable`);
      assert.match(
        (await execa(file, name === 'kubectl' ? ['version', '--client', '--short'] : ['--version'])).stdout,
        new RegExp(versions.kubernetes),
      );
    }
    assert.ok(!existsSync(path.join(bin, 'kube-proxy')), 'only the pinned binaries are unpacked');
    assert.deepEqual(readdirSync(path.join(cache, 'downloads')), [], 'the archive is removed after unpacking');

    const requests = server.requests.length;
    const again = await lab(['setup', '--base-url', server.url, '--checksums', goodChecksums, '--no-images'], env);
    assert.equal(again.exitCode, 0);
    assert.match(again.stdout, /already in/);
    assert.equal(server.requests.length, requests, 'nothing downloaded the second time');
  });

  it('takes the base URL from MVK_RELEASE_URL too', async () => {
    const { bin, env } = setupEnv('env-url', { MVK_RELEASE_URL: server.url });
    const run = await lab(['setup', '--checksums', goodChecksums, '--no-images'], env);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(existsSync(path.join(bin, 'kubelet')));
  });

  it('an archive that does not match the kept checksum is deleted and nothing is installed', async () => {
    const { bin, cache, env } = setupEnv('wrong');
    const run = await lab(['setup', '--base-url', server.url, '--checksums', wrongChecksums, '--no-images'], env);
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /does not match the sha512 kept in labs\/checksums\.yaml .*the file was deleted/);
    assert.match(run.stderr, /hint: /);
    assert.deepEqual(readdirSync(path.join(cache, 'downloads')), []);
    assert.ok(!existsSync(path.join(bin, 'kubelet')));
  });

  it('--from DIR copies binaries that print the pinned version, and refuses others', async () => {
    const good = path.join(work, 'from-good');
    writeFakeBinaries(good, versions.kubernetes);
    const { bin, env } = setupEnv('from');
    const run = await lab(['setup', '--from', good, '--no-images'], env);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /copied kubelet/);
    assert.equal(readFileSync(path.join(bin, 'kubelet'), 'utf8'), fakeBinary('kubelet', versions.kubernetes));

    const old = path.join(work, 'from-old');
    writeFakeBinaries(old, 'v1.18.20');
    const refused = await lab(['setup', '--from', old, '--no-images'], setupEnv('from-old').env);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /kubelet is v1\.18\.20, the lab pins v1\.19\.16/);
  });

  it('--from the cache directory itself (the test bed) only verifies, touching nothing', async (t) => {
    if (!needsRealEnv(t)) return;
    const dir = binDir(versions.kubernetes);
    const before = Object.fromEntries(versions.binaries.map((name) => [name, statSync(path.join(dir, name)).mtimeMs]));
    const run = await lab(['setup', '--from', dir, '--no-images'], {
      MVK_CONFIG: path.join(work, 'none.yaml'),
      ...(process.env.MVK_BIN_DIR ? { MVK_BIN_DIR: process.env.MVK_BIN_DIR } : {}),
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`binaries ${versions.kubernetes} verified in`));
    assert.doesNotMatch(run.stdout, /copied/);
    for (const name of versions.binaries) assert.equal(statSync(path.join(dir, name)).mtimeMs, before[name]);
  });
});
