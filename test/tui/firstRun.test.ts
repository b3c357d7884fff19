/**
 * A fresh machine with internet, as a student has it: no binaries in the cache, no images, and only
 * `npm run lab`. The release host is a local HTTP server (paced like a real network) serving an archive
 * of the test bed's own binaries; the registry is Debian's docker-registry on 127.0.0.1, used as a
 * mirror. The walkthrough's first screen must download, verify and unpack the binaries, pull the images,
 * both with progress, and step 1 must then pass with what it fetched.
 * Starts kubelet: run under the shared lock, e.g.
 *   flock /tmp/mvk-realenv.lock node --import tsx --test test/tui/firstRun.test.ts
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { labEnv } from '../../src/core/context.ts';
import { labKubelets } from '../../src/machine/kubelet.ts';
import { binDir } from '../../src/core/paths.ts';
import { goArch } from '../../src/core/arch.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { requireNoForeignKubelet } from '../engine/helpers.ts';
import { needsRealEnv, realEnvSkip } from '../helpers/realenv.ts';
import { fillMirror, forgetMirror, lab, startRegistry, type LocalRegistry } from '../images/helpers.ts';
import { startReleaseServer, type ReleaseServer } from '../setup/releaseServer.ts';
import { killServer, Terminal } from './tmux.ts';

const MINUTE = 60_000;
const versions = loadVersions();
/** Every image the lab names (labs/versions.yaml): the first screen pulls them all. */
const IMAGES = Object.keys(versions.images).length;
const upstream = Object.values(versions.images);
const stepOneImages = [versions.images.pause, versions.images.busybox];
// The test bed builds binaries for this machine (amd64 or arm64); the archive is named and listed as
// the official one for that architecture, so the test runs the same on both.
const arch = goArch();
const ARCHIVE = `${versions.kubernetes}/kubernetes-server-linux-${arch}.tar.gz`;

/** The official archive's layout (kubernetes/server/bin/…), filled with the test bed's binaries. */
async function releaseArchive(work: string): Promise<Buffer> {
  const tree = path.join(work, 'tree', 'kubernetes', 'server', 'bin');
  mkdirSync(tree, { recursive: true });
  for (const name of versions.binaries) await execa('cp', [path.join(binDir(versions.kubernetes), name), tree]);
  const file = path.join(work, 'archive.tar.gz');
  await execa('sh', ['-c', `tar -C "${path.join(work, 'tree')}" -cf - kubernetes | gzip -1 > "${file}"`]);
  return readFileSync(file);
}

describe('npm run lab on a fresh machine: the first screen fetches everything', { skip: realEnvSkip(), timeout: 20 * MINUTE }, () => {
  let work: string;
  let server: ReleaseServer;
  let registry: LocalRegistry;
  let prefix: string;
  let labVars: Record<string, string>;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mvk-first-run-'));
    const archive = await releaseArchive(work);
    // About 4 s for the archive: long enough for the bar to be seen, short enough for CI.
    server = await startReleaseServer({ bytesPerSecond: Math.ceil(archive.length / 4) });
    server.files.set(`/${ARCHIVE}`, archive);
    const sha512 = createHash('sha512').update(archive).digest('hex');
    const checksums = path.join(work, 'checksums.yaml');
    writeFileSync(
      checksums,
      `# test-only: the sha512 of this test's archive\n${stringify({ format: 1, kubernetes: versions.kubernetes, archives: [{ file: path.basename(ARCHIVE), arch, path: ARCHIVE, sha512, binDir: 'kubernetes/server/bin' }] })}`,
    );

    registry = await startRegistry(path.join(work, 'registry'));
    prefix = `${registry.host}/mvk-first-run`;
    // Every image goes to the mirror and is then missing here; pulling pause and busybox downloads a real layer.
    await fillMirror(prefix, upstream, stepOneImages);
    labVars = {
      MVK_CACHE_DIR: path.join(work, 'cache'),
      MVK_RELEASE_URL: server.url,
      MVK_CHECKSUMS: checksums,
      MVK_REGISTRY_MIRROR: prefix,
      MVK_CONFIG: path.join(work, 'no-config.yaml'),
      // The student's machine pulls on its own, even where the test bed turns that off.
      MVK_NO_PULL: '0',
    };
    await requireNoForeignKubelet();
    const reset = await lab(['reset', '--yes'], labVars);
    assert.equal(reset.code, 0, reset.stderr);
  });

  after(async () => {
    await killServer();
    if (!work) return;
    if (labVars) await lab(['reset', '--yes'], labVars);
    if (prefix) await forgetMirror(prefix, upstream, stepOneImages);
    await registry?.stop();
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('downloads and verifies the binaries, pulls the images through the mirror, then step 1 passes with them', async (t) => {
    if (!needsRealEnv(t)) return;
    const envPrefix = `${Object.entries(labVars)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} `;
    const term = await Terminal.launch('first-run', 80, 24, envPrefix);
    try {
      await term.waitFor(/is this machine ready\?/, MINUTE, 'the machine check as the first screen');
      let screen = await term.waitFor(
        /Kubernetes binaries present or obtainable: kubelet: missing/,
        MINUTE,
        'the doctor to find the binaries missing',
      );
      screen = await term.waitFor(/\[#*\.+\] \d+%\s+[\d.]+\/[\d.]+ MB/, MINUTE, 'the download progress bar');
      assert.match(screen, new RegExp(`Kubernetes binaries from ${server.url.replace(/\./g, '\\.')}/v1\\.19\\.16/`));
      screen = await term.waitFor(new RegExp(`Images: \\d of ${IMAGES} pulled`), 2 * MINUTE, 'the pulls to start after the download');
      screen = await term.waitFor(
        /(This machine can run the lab|The lab can run here)\. ?.*Press Enter/s,
        5 * MINUTE,
        'the verdict after the fetches',
      );
      assert.match(screen, /✔ Kubernetes binaries from/);
      assert.match(screen, new RegExp(`✔ Images: ${IMAGES} of ${IMAGES} pulled`));
      assert.doesNotMatch(screen, /✘/, `nothing failed:\n${screen}`);
      // Every check passes now, the sandbox trial included (it waits for the pause image to be pulled).
      assert.doesNotMatch(screen, /^ ! /m, `no warning is left:\n${screen}`);
      // Every check is listed with `d` (the fetched binaries and images are last: scroll down to them).
      await term.keys('d');
      await term.waitFor(/✔ Linux on amd64 or arm64/, 30_000, 'the list of all checks');
      // Down to the end of the list, whatever its length (a port per component: it grows with the steps).
      await term.keys(...Array<string>(40).fill('Down'));
      screen = await term.waitFor(
        new RegExp(`✔ container images present or obtainable: all ${IMAGES} on this machine \\(mirror `),
        30_000,
        'the images check to pass at the end of the list',
      );
      assert.match(screen, /✔ Kubernetes binaries present or obtainable: kubelet, kube-apiserver/);
      await term.keys('Enter');
      await term.waitFor(/Machine check: ready/, MINUTE, 'the welcome screen with the machine summary');
      await term.waitFor(/Press Enter to start with step 1/, MINUTE);
      await term.keys('Enter');
      await term.waitFor(/a apply/, MINUTE, 'step 1');
      await term.keys('a');
      await term.waitFor(/✔ Step 1 passes/, 5 * MINUTE, 'step 1 to pass with the fetched binaries and images');
      await term.quit();
    } finally {
      await term.close();
    }
    // The archive was fetched from the local host and checked against the test's sums, and the kubelet
    // that runs is the one unpacked into the fresh cache.
    assert.ok(server.requests.some((r) => r.path === `/${ARCHIVE}`));
    const kubelet = labKubelets(labEnv()).at(0);
    assert.ok(kubelet, 'the lab kubelet runs');
    assert.equal(
      readlinkSync(`/proc/${kubelet.pid}/exe`),
      path.join(work, 'cache', 'kubernetes', versions.kubernetes, `linux-${arch}`, 'kubelet'),
    );
    assert.match(registry.log(), /"GET \/v2\/mvk-first-run\/pause\/blobs\/sha256:[0-9a-f]+ HTTP\/1\.1" 200/);
  });
});
