import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { kubeletArgs } from '../../src/machine/kubelet.ts';
import { LabError, UsageError } from '../../src/core/errors.ts';
import { labImages } from '../../src/engine/images/list.ts';
import { automaticPullsAllowed } from '../../src/engine/images/pull.ts';
import { MIRROR_ENV, mirroredName, registryMirror, validateMirror, withImageMirror } from '../../src/core/imageMirror.ts';
import { loadLabConfig } from '../../src/core/labConfig.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { loadVersions } from '../../src/core/versions.ts';

const machine = { nodeIp: '172.17.0.1', cgroupDriver: 'cgroupfs', swapOn: false };
let dir: string;
const saved = { mirror: process.env[MIRROR_ENV], config: process.env.MVK_CONFIG };

function withConfig(text: string | undefined): void {
  const file = path.join(dir, 'lab.config.yaml');
  rmSync(file, { force: true });
  if (text !== undefined) writeFileSync(file, text);
  process.env.MVK_CONFIG = file;
}

describe('registry mirror', () => {
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mvk-mirror-'));
    delete process.env[MIRROR_ENV];
    withConfig(undefined);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved.mirror === undefined) delete process.env[MIRROR_ENV];
    else process.env[MIRROR_ENV] = saved.mirror;
    if (saved.config === undefined) delete process.env.MVK_CONFIG;
    else process.env.MVK_CONFIG = saved.config;
  });

  it('puts the last path segment under the prefix, the pause image included', () => {
    const prefix = 'registry.aliyuncs.com/google_containers';
    assert.equal(mirroredName('registry.k8s.io/pause:3.2', prefix), `${prefix}/pause:3.2`);
    assert.equal(mirroredName('quay.io/coreos/etcd:v3.4.23', prefix), `${prefix}/etcd:v3.4.23`);
    assert.equal(mirroredName('busybox:1.35', prefix), `${prefix}/busybox:1.35`);
    assert.equal(mirroredName('curlimages/curl:7.88.1', '127.0.0.1:5000/lab'), '127.0.0.1:5000/lab/curl:7.88.1');
  });

  it('rewrites every image of the versions list and nothing else', () => {
    const versions = loadVersions();
    const mirrored = withImageMirror(versions, 'mirror.example/lab');
    assert.equal(mirrored.kubernetes, versions.kubernetes);
    for (const [role, image] of Object.entries(mirrored.images)) {
      assert.ok(image.startsWith('mirror.example/lab/'), `${role}: ${image}`);
    }
    assert.equal(withImageMirror(versions, undefined), versions);
  });

  it('refuses a mirror under which two images would get the same name', () => {
    const versions = loadVersions();
    const clash = { ...versions, images: { ...versions.images, curl: 'other.example/busybox:1.35' } };
    assert.throws(() => withImageMirror(clash, 'm.example/x'), UsageError);
  });

  it('validates the prefix: no scheme, no upper case, no tag; a trailing slash is dropped', () => {
    assert.equal(validateMirror('registry.aliyuncs.com/google_containers/', 'test'), 'registry.aliyuncs.com/google_containers');
    assert.equal(validateMirror('127.0.0.1:5000', 'test'), '127.0.0.1:5000');
    assert.throws(() => validateMirror('https://registry.example/lab', 'test'), /URL scheme/);
    assert.throws(() => validateMirror('Registry.Example/Lab', 'test'), /not an image prefix/);
    assert.throws(() => validateMirror('registry.example/lab:v1', 'test'), /not an image prefix/);
  });

  it('the flag (environment) wins over lab.config.yaml; neither means no mirror', () => {
    withConfig(undefined);
    assert.equal(registryMirror(), undefined);
    withConfig('registryMirror: config.example/lab\n');
    assert.equal(registryMirror(), 'config.example/lab');
    process.env[MIRROR_ENV] = 'flag.example/lab';
    try {
      assert.equal(registryMirror(), 'flag.example/lab');
    } finally {
      delete process.env[MIRROR_ENV];
      withConfig(undefined);
    }
  });

  it('a wrong config file names the file and the field', () => {
    withConfig('registryMirror: 5\n');
    assert.throws(
      () => loadLabConfig(),
      (e: unknown) =>
        e instanceof LabError && /lab\.config\.yaml:1:1: field registryMirror: Expected string/.test(e.message) && e.exitCode === 2,
    );
    withConfig('registryMirorr: x.example/lab\n');
    assert.throws(() => loadLabConfig(), /Unrecognized key/);
    withConfig(undefined);
  });

  it("with a mirror, the kubelet flags, the fixtures' placeholders and the image list all use mirrored names", () => {
    process.env[MIRROR_ENV] = '127.0.0.1:5000/lab';
    try {
      const env = labEnv();
      assert.ok(kubeletArgs(env, machine, { kubeconfig: false }).includes('--pod-infra-container-image=127.0.0.1:5000/lab/pause:3.2'));
      const vars = templateVars(env, machine);
      assert.equal(vars['images.busybox'], '127.0.0.1:5000/lab/busybox:1.35');
      assert.equal(vars['images.etcd'], '127.0.0.1:5000/lab/etcd:v3.4.23');
      const list = labImages(env);
      assert.equal(list.find((i) => i.role === 'pause')!.upstream, 'registry.k8s.io/pause:3.2');
      assert.ok(list.every((i) => i.name.startsWith('127.0.0.1:5000/lab/')));
    } finally {
      delete process.env[MIRROR_ENV];
    }
    assert.ok(kubeletArgs(labEnv(), machine, { kubeconfig: false }).includes('--pod-infra-container-image=registry.k8s.io/pause:3.2'));
  });

  it('automatic pulls can be turned off for offline machines (config or MVK_NO_PULL=1)', () => {
    // CI exports MVK_NO_PULL=1 for the whole run; this test sets and clears it itself.
    const inherited = process.env.MVK_NO_PULL;
    delete process.env.MVK_NO_PULL;
    withConfig(undefined);
    assert.equal(automaticPullsAllowed(), true);
    withConfig('pullImages: false\n');
    assert.equal(automaticPullsAllowed(), false);
    withConfig(undefined);
    process.env.MVK_NO_PULL = '1';
    try {
      assert.equal(automaticPullsAllowed(), false);
    } finally {
      if (inherited === undefined) delete process.env.MVK_NO_PULL;
      else process.env.MVK_NO_PULL = inherited;
    }
  });
});
