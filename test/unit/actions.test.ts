import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderFixture, writeStudentFile } from '../../src/engine/actions/files.ts';
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
