import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { LabError } from '../../src/core/errors.ts';
import { goArch, supportedGoArch } from '../../src/core/arch.ts';
import { binDir } from '../../src/core/paths.ts';
import { archiveFor, loadChecksums, parseChecksums } from '../../src/engine/setup/checksums.ts';
import { loadVersions } from '../../src/core/versions.ts';

const sha = 'a'.repeat(128);
const valid = {
  format: 1,
  kubernetes: 'v1.19.16',
  archives: [
    {
      file: 'kubernetes-server-linux-amd64.tar.gz',
      arch: 'amd64',
      path: 'v1.19.16/kubernetes-server-linux-amd64.tar.gz',
      sha512: sha,
      binDir: 'kubernetes/server/bin',
    },
  ],
};

function parse(value: unknown, version?: string) {
  return parseChecksums(stringify(value), 'checksums.yaml', version);
}

function rejects(value: unknown, pattern: RegExp, version?: string) {
  assert.throws(
    () => parse(value, version),
    (error: unknown) => error instanceof LabError && pattern.test(error.message),
  );
}

describe('labs/checksums.yaml', () => {
  it('the project file is valid, matches the pinned version and covers amd64 and arm64', () => {
    const versions = loadVersions();
    const checksums = loadChecksums(undefined, versions.kubernetes);
    assert.deepEqual(checksums.archives.map((a) => a.arch).sort(), ['amd64', 'arm64']);
    for (const archive of checksums.archives) {
      assert.equal(archive.path, `${versions.kubernetes}/${archive.file}`);
      assert.match(archive.file, new RegExp(`^kubernetes-server-linux-${archive.arch}\\.tar\\.gz$`));
    }
  });

  it('the amd64 value is the one published in CHANGELOG-1.19.md for v1.19.16', () => {
    // Guards against an accidental edit: the first and last 16 hex digits of the published value.
    const amd64 = archiveFor(loadChecksums(), 'amd64').sha512;
    assert.ok(amd64.startsWith('c6007430e6e56872') && amd64.endsWith('46ab57e102becdae'));
  });

  it('accepts a well-formed file', () => {
    assert.equal(parse(valid).archives.length, 1);
  });

  it('rejects a sha512 of the wrong length or case, naming the field', () => {
    rejects(
      { ...valid, archives: [{ ...valid.archives[0], sha512: 'abc' }] },
      /^checksums\.yaml:7:5: field archives\.0\.sha512: must be 128 lower-case hex/,
    );
    rejects({ ...valid, archives: [{ ...valid.archives[0], sha512: 'A'.repeat(128) }] }, /sha512/);
  });

  it('rejects absolute, parent-relative and full-URL paths', () => {
    for (const path of ['/v1.19.16/x.tar.gz', '../x.tar.gz', 'https://evil.example/x.tar.gz']) {
      rejects({ ...valid, archives: [{ ...valid.archives[0], path }] }, /relative to the base URL/);
    }
  });

  it('rejects two archives for one architecture, unknown fields, a wrong format and an unknown arch', () => {
    rejects({ ...valid, archives: [valid.archives[0], valid.archives[0]] }, /two archives for amd64/);
    rejects({ ...valid, extra: 1 }, /Unrecognized key/);
    rejects({ ...valid, format: 2 }, /format/);
    rejects({ ...valid, archives: [{ ...valid.archives[0], arch: 's390x' }] }, /arch/);
  });

  it('rejects checksums for another Kubernetes version than the lab pins', () => {
    rejects({ ...valid, kubernetes: 'v1.20.0' }, /has checksums for v1\.20\.0, but the lab pins v1\.19\.16/, 'v1.19.16');
  });

  it('rejects text that is not YAML', () => {
    assert.throws(() => parseChecksums('format: [1', 'checksums.yaml'), /checksums\.yaml:1:\d+: Flow sequence/);
    assert.throws(
      () => parseChecksums('format: [1', 'checksums.yaml'),
      (error: Error) => error.cause instanceof Error,
      "the parser's error is kept as cause",
    );
  });

  it('finds the archive for an architecture, and explains a missing one', () => {
    assert.equal(archiveFor(parse(valid), 'amd64').file, 'kubernetes-server-linux-amd64.tar.gz');
    assert.throws(() => archiveFor(parse(valid), 'arm64'), /no Kubernetes v1\.19\.16 archive for arm64/);
    assert.equal(goArch('x64'), 'amd64');
    assert.equal(goArch('arm64'), 'arm64');
  });

  it("one table of Go architecture names: the doctor's platform check and the binaries' directory agree", () => {
    assert.equal(supportedGoArch('x64'), 'amd64');
    assert.equal(supportedGoArch('ia32'), undefined);
    assert.equal(supportedGoArch('constructor'), undefined);
    assert.equal(goArch('ia32'), 'ia32');
    assert.ok(binDir('v1.19.16').endsWith(`linux-${goArch()}`) || Boolean(process.env.MVK_BIN_DIR));
  });
});
