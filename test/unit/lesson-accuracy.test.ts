import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkContent, formatContentProblem } from '../../src/engine/contentCheck.ts';
import { catalogue } from '../../src/engine/diagnosis/catalogue.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { labSteps } from '../../src/engine/steps.ts';

/** Issue 12, item 4: what the lessons, fixtures and diagnoses say agrees with each other. */
describe('lesson accuracy', () => {
  const steps = labSteps();

  it('every diagnosis names a lesson section that exists', async () => {
    // The rule lives in `lab dev check` (src/engine/contentCheck.ts, rule lesson-section), which also checks the
    // form 'lesson N, "Heading"' and step.yaml's references; its own tests prove it fires.
    const { problems } = await checkContent();
    assert.deepEqual(
      problems.filter((p) => p.rule === 'lesson-section').map((p) => formatContentProblem(p)),
      [],
    );
    assert.ok(catalogue.length > 0 && catalogue.every((entry) => /^lesson \d+, ".+"$/.test(entry.lessonSection)));
  });

  it('curl is never silenced without -S: a failure must leave its error behind', () => {
    const texts = [
      ...steps.flatMap((s) => [
        [`labs step ${s.number} lesson`, s.lesson],
        [`labs step ${s.number} step.yaml`, JSON.stringify(s.meta)],
      ]),
      ...readdirSync(path.join(repoRoot, 'fixtures')).map((f) => [
        `fixtures/${f}`,
        readFileSync(path.join(repoRoot, 'fixtures', f), 'utf8'),
      ]),
    ];
    for (const [where, text] of texts) {
      assert.doesNotMatch(text!, /curl -s(?![A-Za-z])|"curl", "-s"/, `${where} runs curl -s without -S`);
    }
  });

  it('step 6 binds the pending nginx: no lesson, hint or diagnosis says nodeName cannot be set on an existing pod', () => {
    const step6 = steps.find((s) => s.number === 6)!;
    assert.match(step6.lesson, /\/api\/v1\/namespaces\/default\/pods\/nginx\/binding/);
    assert.doesNotMatch(step6.lesson, /delete pod nginx/);
    assert.deepEqual(
      step6.meta.apply.map((a) => ('code' in a ? a.code : Object.keys(a)[0])),
      ['bind-nginx', 'run-curl'],
    );
    const all = [
      ...steps.flatMap((s) => [s.lesson, JSON.stringify(s.meta)]),
      ...catalogue
        .filter((e) => ['pod-pending-no-scheduler', 'node-name-mismatch'].includes(e.id))
        .map((e) => e.fix({ pod: 'nginx', nodeName: 'mink8s' }, { nodeName: 'mvk-node' } as never)),
    ].join('\n');
    assert.doesNotMatch(all, /nodeName cannot be (added|set)|cannot be added to an existing pod/);
  });

  it('kubelet and kubectl versions are shown where the blog post shows them', () => {
    const commands = (n: number) => steps.find((s) => s.number === n)!.lesson;
    assert.match(commands(1), /```sh lab-run\nkubelet --version\n```/);
    assert.match(commands(3), /```sh lab-run\nkubectl version --short\n```/);
  });
});
