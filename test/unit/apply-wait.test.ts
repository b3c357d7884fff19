import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { waitForStep } from '../../src/engine/apply.ts';
import type { Step } from '../../src/content/load.ts';
import { contentSchemas } from '../../src/content/schema.ts';
import { labEnv } from '../../src/core/context.ts';
import { HttpUnreachableError } from '../../src/machine/http.ts';
import { LabError } from '../../src/core/errors.ts';
import { fakeMachine } from '../helpers/fakeMachine.ts';

/** `lab apply`'s waiting (waitForStep) against a fake machine: it polls until the step passes, or says why not. */
const url = 'http://127.0.0.1:2379/health';

function healthStep(): Step {
  const meta = contentSchemas().stepMetaSchema.parse({
    format: 1,
    step: 2,
    slug: 'etcd',
    title: 'etcd',
    summary: 's',
    learned: ['l'],
    hints: ['h'],
    apply: [{ code: 'x' }],
    probes: [
      {
        id: 'etcd-health',
        title: 'etcd answers /health',
        kind: 'http',
        url,
        bodyContains: 'true',
        cause: 'etcd is not up',
        hint: 'look at its container',
      },
    ],
  });
  return { meta, number: 2, dir: '', metaFile: '', lessonFile: '', lesson: '' };
}

function env() {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-apply-wait-'));
  mkdirSync(path.join(root, 'pods'));
  return labEnv({ repoRoot: root });
}

describe("apply's waiting", () => {
  it('polls until the step passes, printing a line only when the picture changes', async () => {
    let asked = 0;
    const machine = fakeMachine({
      http: {
        [url]: async () => {
          asked++;
          if (asked <= 2) throw new HttpUnreachableError(url, 'refused', 'connect ECONNREFUSED');
          return { status: 200, body: '{"health":"true"}' };
        },
      },
    });
    const lines: string[] = [];
    const report = await waitForStep(env(), healthStep(), machine, 30_000, (line) => lines.push(line));
    assert.equal(report.passed, true);
    assert.equal(asked, 3);
    assert.deepEqual(lines, ['  waiting: 0/1 checks pass; etcd answers /health (nothing listens on 127.0.0.1:2379 (connection refused))']);
  });

  it("past its deadline, fails naming the step, what fails, and the probe's hint", async () => {
    const machine = fakeMachine({ http: { [url]: { status: 200, body: '{"health":"false"}' } } });
    const failure = await waitForStep(env(), healthStep(), machine, 0, () => undefined).then(
      () => assert.fail('a step that never passes should throw'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof LabError);
    assert.equal(failure.message, 'step 2 did not pass within 0s: etcd-health: body "{"health":"false"}"');
    assert.equal(failure.hint, "look at its container; kubelet's log is .lab/kubelet.log");
  });
});
