import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { closestField, formatProblem, lintManifestText, lintPodsDir } from '../../src/engine/manifestLint.ts';
import { renderFixture } from '../../src/engine/actions/files.ts';
import { labEnv } from '../../src/core/context.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { lintReport } from '../../src/cli/lint.ts';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: busybox:1.35\n';
const lint = (text: string) => lintManifestText(text, 'pods/x.yaml').problems.map(formatProblem);

describe('manifest linter for pods/', () => {
  it('accepts every reference pod', () => {
    for (const fixture of ['hello.yaml', 'etcd.yaml', 'apiserver.yaml', 'nginx.yaml', 'curl.yaml']) {
      const result = lintManifestText(renderFixture(fixture, { ...templateVars(labEnv()), nginxIp: '172.17.0.2' }), fixture);
      assert.deepEqual(result.problems, [], fixture);
    }
  });

  it('names a command or args item that YAML reads as a mapping, a number or nothing', () => {
    const withCommand = (items: string) => `${POD}    command:\n${items}`;
    assert.deepEqual(lint(withCommand('    - etcd\n    - --data-dir: /var/lib/etcd\n')), [
      'pods/x.yaml:11:7: spec.containers[0].command[1] reads as a mapping (--data-dir: "/var/lib/etcd"), not a string, because of the ": " in it; kubelet rejects the whole file. Write --data-dir=/var/lib/etcd, or quote the item',
    ]);
    assert.match(
      lint(withCommand('    - sleep\n    - 3600\n')).join('\n'),
      /command\[1\] is the number 3600, not a string; .* Quote it: "3600"/,
    );
    assert.match(lint(withCommand('    - sleep\n    -\n')).join('\n'), /command\[1\] is empty \(null\)/);
    assert.match(lint(`${POD}    args: --port=80\n`).join('\n'), /spec\.containers\[0\]\.args is not a list/);
    assert.deepEqual(lint(withCommand('    - sh\n    - -c\n    - "echo a: b"\n')), [], 'a quoted item with ": " is a string');
  });

  it('names a tab with line and column', () => {
    assert.deepEqual(lint(POD.replace('  name: hello', ' \tname: hello')), [
      'pods/x.yaml:4:2: a tab in the indentation; YAML indents with spaces only',
    ]);
  });

  it('names a YAML syntax error with its position', () => {
    assert.deepEqual(lint(POD.replace('image: busybox', 'image:busybox')), [
      'pods/x.yaml:8:5: Implicit map keys need to be followed by map values',
    ]);
  });

  it('says when a document is not a Pod, has no name, no containers or no image', () => {
    assert.match(lint(POD.replace('kind: Pod', 'kind: Deployment'))[0]!, /x\.yaml:2:7: kind is "Deployment"/);
    assert.match(lint(POD.replace('  name: hello\n', '  labels: {}\n')).join('\n'), /metadata\.name is missing/);
    assert.match(lint('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {}\n').join('\n'), /spec\.containers is missing/);
    assert.match(lint(POD.replace('    image: busybox:1.35\n', '')).join('\n'), /x\.yaml:7:5: spec\.containers\[0\] has no image/);
    assert.match(lint(`${POD}---\n${POD}`).join('\n'), /2 YAML documents/);
    assert.match(lint('').join('\n'), /empty/);
  });

  it('finds unknown fields kubelet would ignore silently, with a suggestion', () => {
    const withTypo = POD.replace('spec:\n', 'spec:\n  hostnetwork: true\n  nodename: mvk-node\n').replace(
      '    image: busybox:1.35\n',
      '    image: busybox:1.35\n    comand: [echo]\n',
    );
    const problems = lintManifestText(withTypo, 'pods/x.yaml').problems;
    assert.deepEqual(
      problems.map((p) => [p.line, p.column, p.suggestion]),
      [
        [6, 3, 'hostNetwork'],
        [7, 3, 'nodeName'],
        [11, 5, 'command'],
      ],
    );
    assert.equal(problems[0]!.severity, 'warning');
    assert.equal(closestField('volumemounts', ['volumeMounts']), 'volumeMounts');
    assert.equal(closestField('zzz', ['name']), undefined);
  });

  it('finds two files with the same pod, in name order', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-lint-'));
    mkdirSync(path.join(root, 'pods'));
    writeFileSync(path.join(root, 'pods', 'hello.yaml'), POD);
    writeFileSync(path.join(root, 'pods', 'hello-copy.yaml'), POD);
    writeFileSync(path.join(root, 'pods', '.hidden.yaml'), POD);
    const result = lintPodsDir(path.join(root, 'pods'));
    assert.deepEqual(result.duplicates, [{ namespace: 'default', name: 'hello', files: ['pods/hello-copy.yaml', 'pods/hello.yaml'] }]);
    assert.equal(result.manifests.length, 2);
    writeFileSync(
      path.join(root, 'pods', 'etcd.yaml'),
      POD.replace('name: hello', 'name: etcd').replace('spec:\n', 'spec:\n  hostnetwork: true\n'),
    );
    const report = lintReport(path.join(root, 'pods'), root);
    assert.equal(report.errors, 1);
    assert.deepEqual(report.lines, [
      'warning: pods/etcd.yaml:6:3: spec.hostnetwork is not a Pod field (did you mean hostNetwork?); kubelet ignores it without a word',
      'error: pods/hello-copy.yaml and pods/hello.yaml both define pod default/hello; kubelet keeps only one of them (usually ' +
        'pods/hello.yaml) and silently drops the other',
    ]);
  });
});
