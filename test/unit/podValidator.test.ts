import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { lintReport } from '../../src/cli/lint.ts';
import { fileProbe } from '../../src/engine/probes/kinds/file.ts';
import { realMachine } from '../../src/machine/machine.ts';
import type { ProbeContext } from '../../src/engine/probes/types.ts';

const POD = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: busybox:1.35\n';

/** `lab lint`'s lines for one file in pods/, and what the file probe (`parseAs: pod`) says of the same file. */
async function bothSay(text: string) {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-validator-'));
  mkdirSync(path.join(root, 'pods'));
  writeFileSync(path.join(root, 'pods', 'hello.yaml'), text);
  const lint = lintReport(path.join(root, 'pods'), root).lines;
  const ctx = { env: labEnv({ repoRoot: root }), machine: realMachine(), vars: {}, step: 1, memo: new Map() } as unknown as ProbeContext;
  const probe = await fileProbe(
    {
      id: 'm',
      title: 't',
      kind: 'file',
      path: 'pods/hello.yaml',
      parseAs: 'pod',
      expect: [],
      needs: [],
      cause: 'step cause',
      hint: 'step hint',
    } as never,
    ctx,
  );
  return { lint, probe };
}

describe('one pod validator for `lab lint` and the file probe', () => {
  it('a tab: the same line, column and words', async () => {
    const { lint, probe } = await bothSay(POD.replace('  name: hello', '\tname: hello'));
    assert.deepEqual(lint, ['error: pods/hello.yaml:4:1: a tab in the indentation; YAML indents with spaces only']);
    assert.equal(probe.ok, false);
    assert.equal(probe.seen, 'pods/hello.yaml:4:1: a tab in the indentation; YAML indents with spaces only');
    assert.match(probe.cause!, /not valid YAML/);
    assert.equal(probe.hint, 'Replace the tab with spaces; YAML indents with spaces only.');
  });

  it('a container without an image: the same message, and the fix a diagnosis gives', async () => {
    const { lint, probe } = await bothSay(POD.replace('    image: busybox:1.35\n', ''));
    assert.deepEqual(lint, ['error: pods/hello.yaml:7:5: spec.containers[0] has no image']);
    assert.equal(probe.seen, 'pods/hello.yaml:7:5: spec.containers[0] has no image');
    assert.equal(probe.cause, undefined, 'the step says why a missing Pod matters');
    assert.match(probe.hint!, /Give every container an `image:`/);
  });

  it('not a Pod: the same order (kind first) and words; more errors are counted', async () => {
    const { lint, probe } = await bothSay('apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n');
    assert.deepEqual(lint, [
      'error: pods/hello.yaml:2:7: kind is "Deployment"; a file in pods/ must be kind: Pod',
      'error: pods/hello.yaml:3:11: metadata.name is missing; kubelet needs a name for every pod',
      'error: pods/hello.yaml:1:1: spec.containers is missing or empty; a pod needs at least one container',
    ]);
    assert.equal(
      probe.seen,
      'pods/hello.yaml:2:7: kind is "Deployment"; a file in pods/ must be kind: Pod (and 2 more: `lab lint` lists them all)',
    );
  });

  it('an unknown field is a warning in `lab lint` and no failure of the probe, as kubelet runs the pod', async () => {
    const { lint, probe } = await bothSay(POD.replace('spec:\n', 'spec:\n  hostnetwork: true\n'));
    assert.deepEqual(lint, [
      'warning: pods/hello.yaml:6:3: spec.hostnetwork is not a Pod field (did you mean hostNetwork?); kubelet ignores it without a word',
    ]);
    assert.equal(probe.ok, true);
  });
});
