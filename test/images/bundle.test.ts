/**
 * A class bundle: `lab images save` writes every lab image into one archive, `lab images load` brings
 * them back, and step 1 then passes with no registry at all (the mirror prefix below names a host
 * that does not exist, so any pull would fail). Starts kubelet: run under the shared lock, e.g.
 *   flock /tmp/mvk-realenv.lock node --import tsx --test test/images/bundle.test.ts
 * The images are saved under extra names this test adds and removes; the test bed's own names stay.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { NODE_NAME } from '../../src/core/context.ts';
import { mirroredName } from '../../src/core/imageMirror.ts';
import { loadVersions } from '../../src/core/versions.ts';
import { requireNoForeignKubelet } from '../engine/helpers.ts';
import { needsRealEnv, realEnvSkip } from '../helpers/realenv.ts';
import { docker, lab, podContainerImage, tagImage, untagImage } from './helpers.ts';

const upstream = Object.values(loadVersions().images);
/** RFC 2606 reserves .invalid: this registry can never answer. */
const prefix = 'mvk-bundle.invalid/lab';
const names = upstream.map((image) => mirroredName(image, prefix));

describe('class bundle: lab images save / load', { skip: realEnvSkip() }, () => {
  let dir: string;
  let bundle: string;
  const env = () => ({ MVK_CONFIG: path.join(dir, 'no-config.yaml'), MVK_REGISTRY_MIRROR: prefix });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-bundle-'));
    bundle = path.join(dir, 'mvk-images.tar');
    for (const image of upstream) await tagImage(image, mirroredName(image, prefix));
    await requireNoForeignKubelet();
    const reset = await lab(['reset', '--yes'], env());
    assert.equal(reset.code, 0, reset.stderr);
  });

  after(async () => {
    await lab(['reset', '--yes'], env());
    for (const name of names) await untagImage(name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('save writes one archive holding every lab image by name', async (t) => {
    if (!needsRealEnv(t)) return;
    const save = await lab(['images', 'save', bundle], env());
    assert.equal(save.code, 0, save.stderr);
    assert.match(save.stdout, new RegExp(`saved ${Object.keys(loadVersions().images).length} images`));
    assert.ok(existsSync(bundle) && !existsSync(`${bundle}.part`));
    const manifest = JSON.parse((await execa('tar', ['-xOf', bundle, 'manifest.json'])).stdout) as { RepoTags: string[] }[];
    assert.deepEqual(manifest.flatMap((m) => m.RepoTags).sort(), [...names].sort());
  });

  it('after the images are gone, load brings every one back', async (t) => {
    if (!needsRealEnv(t)) return;
    for (const name of names) await untagImage(name);
    const missing = await lab(['images', 'list', '--missing'], env());
    assert.deepEqual(missing.stdout.trim().split('\n'), names);
    const load = await lab(['images', 'load', bundle], env());
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /all lab images are on this machine/);
    for (const name of names) assert.ok(await docker.imagePresent(name), name);
  });

  it('step 1 then passes with no registry: nothing is pulled, the loaded pause image runs the sandbox', async (t) => {
    if (!needsRealEnv(t)) return;
    const apply = await lab(['apply', '1'], env());
    assert.equal(apply.code, 0, `${apply.stdout}\n${apply.stderr}`);
    assert.doesNotMatch(apply.stdout, /pulling/);
    const verify = await lab(['verify', '1', '--json'], env());
    assert.equal(JSON.parse(verify.stdout).passed, true, verify.stdout);
    assert.equal(await podContainerImage(`hello-${NODE_NAME}`, 'POD'), `${prefix}/pause:3.2`);
  });

  it('a file that is not an image archive is refused with a hint', async (t) => {
    if (!needsRealEnv(t)) return;
    const junk = path.join(dir, 'junk.tar');
    writeFileSync(junk, 'not a tar file');
    const load = await lab(['images', 'load', junk], env());
    assert.equal(load.code, 1);
    assert.match(load.stderr, /hint: /);
    const none = await lab(['images', 'load', path.join(dir, 'absent.tar')], env());
    assert.equal(none.code, 1);
    assert.match(none.stderr, /does not exist/);
  });
});
