import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { FinalScreen } from '../../../src/tui/components/FinalScreen.tsx';
import { labSteps } from '../../../src/engine/steps.ts';
import { finishedMachine } from './fixtures.ts';

// The lab's own finale (the last step's step.yaml), so the test judges the text students see.
const finale = labSteps().at(-1)!.meta.finale!;
const { requestPath, productionAdds, next: whatNext } = finale;
const steps = [1, 2, 3, 4, 5, 6].map((number) => ({ number, title: `step title ${number}`, passing: true }));

describe('FinalScreen', () => {
  afterEach(cleanup);

  it('shows the whole map, what was built, the request path, what production adds and where to go next', () => {
    const frame = render(
      <FinalScreen steps={steps} finale={finale} snapshot={finishedMachine} nodeName="mvk-node" width={79} />,
    ).lastFrame()!;
    assert.match(frame, /You built a working Kubernetes node by hand/);
    assert.match(frame, /Ready/);
    assert.match(frame, /172\.17\.0\.4/);
    assert.match(frame, /✔ all 6 steps pass/);
    for (const line of [...requestPath, ...productionAdds, whatNext])
      assert.ok(frame.includes(line), `the screen shows "${line}" in full:\n${frame}`);
    assert.match(frame, /kubectl → apiserver :8080 → etcd :2379/);
    assert.match(frame, /apiserver → kubelet :10250 → Docker/);
    assert.match(frame, /Where to go next/);
  });

  it('names no lab that does not exist', () => {
    // A line promising a next lab would have to name a step that exists.
    assert.doesNotMatch(whatNext, new RegExp(`lab \\d|step ${labSteps().length + 1}`, 'i'));
    assert.match(whatNext, /No further labs/);
  });

  it('does not claim success when a step fails now', () => {
    const failing = steps.map((s) => (s.number === 4 ? { ...s, passing: false } : s));
    const frame = render(
      <FinalScreen steps={failing} finale={finale} snapshot={finishedMachine} nodeName="mvk-node" width={79} />,
    ).lastFrame()!;
    assert.doesNotMatch(frame, /You built/);
    assert.match(frame, /✘ 4\. step title 4/);
  });

  it('with many parts, folds the working ones and still fits 80x24', () => {
    const many = {
      ...finishedMachine,
      parts: Array.from({ length: 20 }, (_, i) => ({
        id: `part${i}`,
        label: `part ${i}`,
        state: 'ok' as const,
        detail: 'fine',
        step: 1 + (i % 9),
        place: i % 2 ? ('api' as const) : ('staticPod' as const),
      })),
    };
    const nine = Array.from({ length: 9 }, (_, i) => ({ number: i + 1, title: `step title ${i + 1}`, passing: true }));
    const frame = render(<FinalScreen steps={nine} finale={finale} snapshot={many} nodeName="mvk-node" width={79} />).lastFrame()!;
    const lines = frame.split('\n');
    assert.ok(lines.length <= 22, `${lines.length} lines:\n${frame}`);
    assert.match(frame, /more, all working/);
    assert.match(frame, /✔ all 9 steps pass/);
  });

  it('fits 80x24 with nothing cut', () => {
    const frame = render(
      <FinalScreen steps={steps} finale={finale} snapshot={finishedMachine} nodeName="mvk-node" width={79} />,
    ).lastFrame()!;
    const lines = frame.split('\n');
    assert.ok(lines.length <= 22, `${lines.length} lines`);
    assert.ok(lines.every((line) => line.length <= 79));
    assert.ok(!frame.includes('…'), `a line is cut:\n${frame}`);
  });
});
