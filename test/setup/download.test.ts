import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ChecksumMismatchError, downloadVerified, DownloadError, type DownloadProgress } from '../../src/engine/setup/download.ts';
import { startReleaseServer, type ReleaseServer } from './releaseServer.ts';

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

describe('verified download (local HTTP server on 127.0.0.1)', () => {
  let server: ReleaseServer;
  let dir: string;
  const file = randomBytes(3 * 1024 * 1024 + 17);
  const good = sha512(file);

  before(async () => {
    server = await startReleaseServer();
    server.files.set('/v1.19.16/archive.tar.gz', file);
  });
  after(async () => server.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-download-'));
    server.requests.length = 0;
    server.breakAfter.clear();
    server.ignoreRanges = false;
  });

  it('downloads a good file, verifies it and reports progress up to the whole size', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    const progress: DownloadProgress[] = [];
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good, { onProgress: (p) => progress.push(p) });
    assert.ok(readFileSync(dest).equals(file));
    assert.ok(!existsSync(`${dest}.part`));
    assert.ok(progress.length > 2, 'several progress reports');
    assert.equal(progress.at(-1)!.received, file.length);
    assert.equal(progress.at(-1)!.total, file.length);
    assert.ok(
      progress.every((p, i) => i === 0 || p.received >= progress[i - 1]!.received),
      'progress never goes back',
    );
  });

  it('a file whose sha512 does not match is rejected and deleted', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    const wrong = sha512(Buffer.from('something else'));
    await assert.rejects(downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, wrong), (error: unknown) => {
      assert.ok(error instanceof ChecksumMismatchError);
      assert.match(error.message, /does not match the sha512 kept in labs\/checksums\.yaml.*the file was deleted/);
      return true;
    });
    assert.ok(!existsSync(dest) && !existsSync(`${dest}.part`), 'nothing of the bad download is left');
  });

  it('a corrupted copy already in the cache is replaced by a good download', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    writeFileSync(dest, Buffer.from('corrupted'));
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good);
    assert.ok(readFileSync(dest).equals(file));
  });

  it('a connection cut mid-transfer is resumed with an HTTP Range request', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    server.breakAfter.set('/v1.19.16/archive.tar.gz', { bytes: 1024 * 1024, times: 1 });
    const progress: DownloadProgress[] = [];
    const logs: string[] = [];
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good, {
      onProgress: (p) => progress.push(p),
      log: (l) => logs.push(l),
    });
    assert.ok(readFileSync(dest).equals(file));
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0]!.range, undefined);
    assert.match(server.requests[1]!.range ?? '', /^bytes=\d+-$/);
    const resumedAt = Number(/=(\d+)-/.exec(server.requests[1]!.range!)![1]);
    assert.ok(resumedAt > 0 && resumedAt < file.length, `resumed at ${resumedAt}`);
    assert.ok(progress.some((p) => p.resumedFrom === resumedAt));
    assert.match(logs.join('\n'), /interrupted.*resuming/);
  });

  it('a partial file from an earlier run is resumed, not downloaded again', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    writeFileSync(`${dest}.part`, file.subarray(0, 2_000_000));
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good);
    assert.ok(readFileSync(dest).equals(file));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      ['bytes=2000000-'],
    );
  });

  it('a server that ignores Range gets a fresh full download, not a doubled file', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    writeFileSync(`${dest}.part`, file.subarray(0, 1000));
    server.ignoreRanges = true;
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good);
    assert.ok(readFileSync(dest).equals(file));
  });

  it('a complete .part left before verification is verified without downloading the body again', async () => {
    const dest = path.join(dir, 'archive.tar.gz');
    writeFileSync(`${dest}.part`, file);
    await downloadVerified(`${server.url}/v1.19.16/archive.tar.gz`, dest, good);
    assert.ok(readFileSync(dest).equals(file));
    assert.deepEqual(
      server.requests.map((r) => r.range),
      [`bytes=${file.length}-`],
    );
  });

  it('a 404 fails at once with a DownloadError naming the URL', async () => {
    const dest = path.join(dir, 'missing.tar.gz');
    await assert.rejects(
      downloadVerified(`${server.url}/nope.tar.gz`, dest, good, { retries: 3 }),
      (error: unknown) => error instanceof DownloadError && /nope\.tar\.gz: the server answered 404/.test(error.message),
    );
    assert.equal(server.requests.length, 1, 'no retries for a 404');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));
});
