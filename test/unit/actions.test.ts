import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderFixture, writeStudentFile } from '../../src/engine/actions/files.ts';
import { withStaticPodStopped, writeStaticPodFile } from '../../src/engine/actions/staticPodFile.ts';
import type { DockerDriver, PodContainer } from '../../src/machine/docker.ts';
import { labEnv } from '../../src/core/context.ts';
import { lintManifestText } from '../../src/engine/manifestLint.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { templateVars } from '../../src/engine/templateVars.ts';

describe("lab apply writes files without losing the student's work", () => {
  it('moves a different file to a backup before writing the reference', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    mkdirSync(path.join(root, 'pods'));
    const env = labEnv({ repoRoot: root });
    writeFileSync(path.join(root, 'pods/etcd.yaml'), 'my attempt\n');
    const lines: string[] = [];
    writeStudentFile(env, 'pods/etcd.yaml', 'reference\n', (line) => lines.push(line));
    assert.equal(readFileSync(path.join(root, 'pods/etcd.yaml'), 'utf8'), 'reference\n');
    const [stamp] = readdirSync(path.join(env.stateDir, 'backups'));
    assert.equal(readFileSync(path.join(env.stateDir, 'backups', stamp!, 'pods/etcd.yaml'), 'utf8'), 'my attempt\n');
    assert.match(lines[0]!, /your pods\/etcd\.yaml differs from the reference; kept it as \.lab\/backups\//);
  });

  it('leaves an identical file alone', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    const env = labEnv({ repoRoot: root });
    writeStudentFile(env, 'kubeconfig.yaml', 'same\n', () => {});
    const lines: string[] = [];
    writeStudentFile(env, 'kubeconfig.yaml', 'same\n', (line) => lines.push(line));
    assert.deepEqual(lines, []);
    assert.equal(existsSync(path.join(env.stateDir, 'backups')), false);
  });
  it("replaces an earlier step's reference without a backup", () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    const env = labEnv({ repoRoot: root });
    writeStudentFile(env, 'pods/apiserver.yaml', 'step 3\n', () => {});
    const lines: string[] = [];
    writeStudentFile(env, 'pods/apiserver.yaml', 'step 8\n', (line) => lines.push(line), ['step 3\n']);
    assert.equal(readFileSync(path.join(root, 'pods/apiserver.yaml'), 'utf8'), 'step 8\n');
    assert.deepEqual(lines, ['updated pods/apiserver.yaml']);
    assert.equal(existsSync(path.join(env.stateDir, 'backups')), false);
  });
});

/**
 * Docker as kubelet leaves it while a static pod stops: the pod's containers run until `stopsAfter`
 * calls, and `onCall` sees the file each time (the swap's order is the point).
 */
function stoppingDocker(stopsAfter: number, onCall: () => void): DockerDriver {
  let calls = 0;
  const container = { state: 'running', containerName: 'etcd' } as PodContainer;
  return {
    podContainers: async () => {
      onCall();
      calls += 1;
      return calls <= stopsAfter ? [container] : [];
    },
  } as unknown as DockerDriver;
}

const POD = (hostPath: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\n# ${hostPath}\n`;

describe('lab apply replaces a running static pod', () => {
  it('takes the old file away, waits for its containers to stop, then writes the new one', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    const env = labEnv({ repoRoot: root });
    const file = path.join(root, 'pods/etcd.yaml');
    mkdirSync(path.dirname(file));
    writeFileSync(file, POD('mine'));
    const seen: boolean[] = [];
    const lines: string[] = [];
    const docker = stoppingDocker(3, () => seen.push(existsSync(file)));
    await writeStaticPodFile(env, docker, 'pods/etcd.yaml', POD('restored'), (line) => lines.push(line));
    assert.equal(readFileSync(file, 'utf8'), POD('restored'));
    // Running at first (file still there), then absent for every later look until the pod stopped.
    assert.deepEqual(seen, [true, false, false, false]);
    assert.match(lines.join('\n'), /your pods\/etcd\.yaml differs from the reference; kept it as/);
    assert.match(lines.at(-1)!, /^updated pods\/etcd\.yaml$/);
  });

  it('writes at once when the pod does not run', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    const env = labEnv({ repoRoot: root });
    writeStudentFile(env, 'pods/etcd.yaml', POD('step 2'), () => {});
    const lines: string[] = [];
    await writeStaticPodFile(
      env,
      stoppingDocker(0, () => {}),
      'pods/etcd.yaml',
      POD('restored'),
      (l) => lines.push(l),
      [POD('step 2')],
    );
    assert.deepEqual(lines, ['updated pods/etcd.yaml']);
  });

  it('puts a pod stopped for a while back unchanged, even when the work in between fails', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-'));
    const env = labEnv({ repoRoot: root });
    writeStudentFile(env, 'pods/apiserver.yaml', POD('my apiserver'), () => {});
    const file = path.join(root, 'pods/apiserver.yaml');
    const during = withStaticPodStopped(
      env,
      stoppingDocker(1, () => {}),
      'pods/apiserver.yaml',
      () => {},
      async () => {
        assert.equal(existsSync(file), false, 'kubelet sees no file while the work runs');
        throw new Error('etcd did not start');
      },
    );
    await assert.rejects(during, /etcd did not start/);
    assert.equal(readFileSync(file, 'utf8'), POD('my apiserver'));
  });
});

describe('fixtures', () => {
  it('every fixture renders with the pinned images and parses', () => {
    const vars = { ...templateVars(labEnv()), nginxIp: '172.17.0.3' };
    const images = Object.values(labEnv().versions.images);
    for (const name of readdirSync(path.join(repoRoot, 'fixtures'))) {
      const text = renderFixture(name, vars);
      const doc = parse(text);
      if (doc.kind !== 'Pod') continue;
      assert.deepEqual(
        lintManifestText(text, name).problems.filter((p) => p.severity === 'error'),
        [],
        `${name} is a valid Pod`,
      );
      for (const container of doc.spec.containers) assert.ok(images.includes(container.image), `${name} uses an image from versions.yaml`);
    }
  });
});
