import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { stepKeys } from '../../../src/tui/components/Footer.tsx';
import { StepView, type StepInfo } from '../../../src/tui/components/StepView.tsx';
import { labSteps } from '../../../src/engine/steps.ts';
import { finishedMachine, result } from './fixtures.ts';

const lesson = Array.from({ length: 80 }, (_, i) => `lesson line ${i}`);
const keys = stepKeys({ applying: false, first: false, last: false, logOpen: false });

describe('StepView at 80x24', () => {
  afterEach(cleanup);

  it('keeps a long header on one line, so the lesson starts on the second row', () => {
    const step: StepInfo = { number: 3, title: 'The apiserver in front of etcd', files: ['pods/apiserver.yaml'], probes: [], learned: [] };
    const lines = render(
      <StepView
        step={step}
        total={6}
        checking={false}
        nodeName="mvk-node"
        pane={{ kind: 'lesson', lines: lesson, offset: 0 }}
        keys={keys}
        columns={79}
        rows={24}
      />,
    )
      .lastFrame()!
      .split('\n');
    assert.match(lines[0]!, /^Step 3\/6 The apiserver in front of etcd .*… 1-\d+\/80$/);
    assert.equal(lines[1], 'lesson line 0');
  });

  it('fits every real step, failing with details and a hint, into 23 rows of 79 columns', () => {
    for (const step of labSteps()) {
      const info: StepInfo = {
        number: step.number,
        title: step.meta.title,
        files: step.meta.files,
        probes: step.meta.probes,
        learned: step.meta.learned,
      };
      const results = step.meta.probes.map((p, i) =>
        result(p.id, i === 0 ? 'fail' : 'skip', {
          title: p.title,
          hint: 'a hint that is long enough to be cut at the edge of the checklist column',
        }),
      );
      const report = { step: step.number, title: step.meta.title, passed: false, results, durationMs: 1 };
      const frame = render(
        <StepView
          step={info}
          total={6}
          report={report}
          checking={false}
          snapshot={finishedMachine}
          nodeName="mvk-node"
          pane={{ kind: 'lesson', lines: lesson, offset: 0 }}
          hint={`Hint 1/3: ${step.meta.hints[0]}`}
          keys={keys}
          columns={79}
          rows={24}
        />,
      ).lastFrame()!;
      const lines = frame.split('\n');
      assert.ok(lines.length <= 23, `step ${step.number}: ${lines.length} rows\n${frame}`);
      assert.ok(
        lines.every((line) => line.length <= 79),
        `step ${step.number}: a line is wider than 79 columns\n${frame}`,
      );
      assert.match(lines.at(-1)!, /a apply/, `step ${step.number}: the footer is the last row`);
      cleanup();
    }
  });

  it("shows a passed step's banner and where n goes whole, with the map of a whole cluster beside the checks", () => {
    for (const step of labSteps()) {
      const info: StepInfo = {
        number: step.number,
        title: step.meta.title,
        files: step.meta.files,
        probes: step.meta.probes,
        learned: step.meta.learned,
      };
      const results = step.meta.probes.map((p) => result(p.id, 'pass', { title: p.title }));
      const report = { step: step.number, title: step.meta.title, passed: true, results, durationMs: 1 };
      const frame = render(
        <StepView
          step={info}
          total={6}
          report={report}
          checking={false}
          snapshot={finishedMachine}
          nodeName="mvk-node"
          pane={{ kind: 'passed' }}
          nextTitle="next"
          keys={keys}
          columns={79}
          rows={24}
        />,
      ).lastFrame()!;
      const lines = frame.split('\n');
      assert.ok(lines.length <= 23, `step ${step.number}: ${lines.length} rows\n${frame}`);
      assert.match(
        lines[1]!,
        new RegExp(`^✔ Step ${step.number} passes\\. What you learned:`),
        `step ${step.number}: the banner is on row 2\n${frame}`,
      );
      assert.ok(
        lines.some((line) => /^Press n for step/.test(line)),
        `step ${step.number}: where n goes\n${frame}`,
      );
      cleanup();
    }
  });

  it('still fits when every check passes with a note (a cluster built another way, issue 9)', () => {
    for (const step of labSteps()) {
      const info: StepInfo = {
        number: step.number,
        title: step.meta.title,
        files: step.meta.files,
        probes: step.meta.probes,
        learned: step.meta.learned,
      };
      const results = step.meta.probes.map((p, i) =>
        result(p.id, i === step.meta.probes.length - 1 ? 'fail' : 'pass', {
          title: p.title,
          hint: 'a hint',
          note: 'your etcd keeps its data in /var/lib/etcd: fine; lab reset tells you how to remove it',
        }),
      );
      const report = { step: step.number, title: step.meta.title, passed: false, results, durationMs: 1 };
      const frame = render(
        <StepView
          step={info}
          total={6}
          report={report}
          checking={false}
          snapshot={finishedMachine}
          nodeName="vm"
          pane={{ kind: 'lesson', lines: lesson, offset: 0 }}
          hint={`Hint 1/3: ${step.meta.hints[0]}`}
          keys={keys}
          columns={79}
          rows={24}
        />,
      ).lastFrame()!;
      const lines = frame.split('\n');
      assert.ok(lines.length <= 23, `step ${step.number}: ${lines.length} rows\n${frame}`);
      assert.match(lines[0]!, /^Step /, `step ${step.number}: the header stays on the first row`);
      assert.match(lines.at(-1)!, /a apply/, `step ${step.number}: the footer is the last row`);
      cleanup();
    }
  });
});
