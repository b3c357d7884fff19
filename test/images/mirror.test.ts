/**
 * Pulls through a registry mirror: a real docker-registry on 127.0.0.1 holds the test bed's images
 * under a mirror prefix, and the lab pulls them from there and runs step 1 with the mirror's pause image.
 * Starts kubelet: run under the shared lock, e.g.
 *   flock /tmp/mvk-realenv.lock node --import tsx --test test/images/mirror.test.ts
 * Only names this test adds (<mirror>/<image>) are removed; the test bed's images are never touched.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mirroredName } from '../../src/core/imageMirror.ts';
import { NODE_NAME } from '../../src/core/context.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { requireNoForeignKubelet } from '../engine/helpers.ts';
import { needsRealEnv, realEnvSkip } from '../helpers/realenv.ts';
import { docker, fillMirror, forgetMirror, lab, podContainerImage, startRegistry, type LocalRegistry } from './helpers.ts';

const versions = loadVersions();
const upstream = Object.values(versions.images);
const stepOneImages = [versions.images.pause, versions.images.busybox];

describe('images through a registry mirror (local docker-registry)', { skip: realEnvSkip() }, () => {
  let dir: string;
  let registry: LocalRegistry;
  let prefix: string;
  let env: Record<string, string>;
  const mirrored = () => upstream.map((image) => mirroredName(image, prefix));

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-registry-'));
    registry = await startRegistry(dir);
    prefix = `${registry.host}/mvk-mirror`;
    // Pulls are the point here, even where the test bed turns automatic pulls off (MVK_NO_PULL=1).
    env = { MVK_CONFIG: path.join(dir, 'no-config.yaml'), MVK_NO_PULL: '0' };
    // Step 1's images (pause, busybox) get a layer of their own, so pulling them downloads real layers.
    await fillMirror(prefix, upstream, stepOneImages);
    await requireNoForeignKubelet();
    const reset = await lab(['reset', '--yes'], env);
    assert.equal(reset.code, 0, reset.stderr);
  });

  after(async () => {
    if (!prefix) return;
    await lab(['reset', '--yes'], env);
    await forgetMirror(prefix, upstream, stepOneImages);
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every image under the mirror, and all are missing locally', async (t) => {
    if (!needsRealEnv(t)) return;
    const all = await lab(['images', 'list', '--registry-mirror', prefix], env);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.stdout.trim().split('\n'), mirrored());
    const missing = await lab(['images', 'list', '--missing', '--registry-mirror', prefix], env);
    assert.deepEqual(missing.stdout.trim().split('\n'), mirrored());
  });

  it(
    "lab apply 1 pulls pause and busybox through the mirror with layer progress, and step 1 passes on the mirror's pause " + 'image',
    async (t) => {
      if (!needsRealEnv(t)) return;
      const apply = await lab(['apply', '1', '--registry-mirror', prefix], env);
      assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
      assert.match(apply.stdout, new RegExp(`pulling ${prefix}/pause:3\\.2`));
      assert.match(apply.stdout, new RegExp(`pulling ${prefix}/busybox:1\\.35`));
      assert.match(apply.stdout, /^\s+[0-9a-f]{12}: Pull complete/m, 'per-layer progress: a layer was really downloaded');
      assert.match(registry.log(), /"GET \/v2\/mvk-mirror\/pause\/blobs\/sha256:[0-9a-f]+ HTTP\/1\.1" 200/);
      // The registry served the manifests: the pull really went through the mirror.
      // (Docker asks for the tag with HEAD, then fetches the manifest by digest and the layer blobs.)
      assert.match(registry.log(), /"(HEAD|GET) \/v2\/mvk-mirror\/pause\/manifests\/3\.2 HTTP\/1\.1" 200/);
      assert.match(registry.log(), /"(HEAD|GET) \/v2\/mvk-mirror\/busybox\/manifests\/1\.35 HTTP\/1\.1" 200/);

      const verify = await lab(['verify', '1', '--json', '--registry-mirror', prefix], env);
      assert.equal(verify.code, 0, verify.stdout);
      assert.equal(JSON.parse(verify.stdout).passed, true);
      assert.equal(await podContainerImage(`hello-${NODE_NAME}`, 'POD'), `${prefix}/pause:3.2`);
      // dockershim starts app containers by image ID: the mirror's busybox variant, not the test bed's busybox.
      const variantId = ((await docker.api.inspectImage(`${prefix}/busybox:1.35`)) as { Id: string }).Id;
      assert.notEqual(variantId, ((await docker.api.inspectImage(versions.images.busybox)) as { Id: string }).Id);
      assert.equal(await podContainerImage(`hello-${NODE_NAME}`, 'hello'), variantId);
      const kubelet = await lab(['status', '--json', '--registry-mirror', prefix], env);
      assert.match(kubelet.stdout, new RegExp(`--pod-infra-container-image=${prefix}/pause:3\\.2`));
    },
  );

  it('lab images pull gets the rest from the mirror; afterwards nothing is missing', async (t) => {
    if (!needsRealEnv(t)) return;
    const pull = await lab(['images', 'pull', '--registry-mirror', prefix], env);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, new RegExp(`pulling ${prefix}/etcd:v3\\.4\\.23`));
    assert.doesNotMatch(pull.stdout, /pulling .*pause/, 'present images are not pulled again');
    const missing = await lab(['images', 'list', '--missing', '--registry-mirror', prefix], env);
    assert.equal(missing.stdout.trim(), '');
    for (const name of mirrored()) assert.ok(await docker.imagePresent(name), name);
  });

  it('a mirror without the images fails with a hint about the mirror', async (t) => {
    if (!needsRealEnv(t)) return;
    const pull = await lab(['images', 'pull', '--registry-mirror', `${registry.host}/empty`], env);
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, new RegExp(`the image ${registry.host}/empty/pause:3\\.2 is not on this machine and pulling it failed`));
    assert.match(pull.stderr, /hint: check that the mirror holds this image/);
  });
});
