import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Box } from 'ink';
import { ApplyPanel } from '../../../src/tui/components/ApplyPanel.tsx';

describe('ApplyPanel', () => {
  afterEach(cleanup);

  it('shows what apply is doing while it runs, newest lines last', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    const frame = render(<ApplyPanel apply={{ step: 2, running: true, lines }} height={6} />).lastFrame()!;
    assert.match(frame, /Doing step 2 for you \(lab apply 2\)/);
    assert.match(frame, /line 19/);
    assert.doesNotMatch(frame, /line 10\b/);
    assert.ok(frame.split('\n').length <= 6);
  });

  it('shows each layer of the image it is pulling', () => {
    const apply = {
      step: 1,
      running: true,
      lines: ['pulling busybox:1.35'],
      pull: { image: 'busybox:1.35', layers: [{ layer: '0123456789ab', status: 'Downloading', current: 1e6, total: 4e6 }] },
    };
    const frame = render(<ApplyPanel apply={apply} height={6} />).lastFrame()!;
    assert.match(frame, /pulling busybox:1\.35/);
    assert.match(frame, /0123456789ab\s+Downloading\s+1\.0\/4\.0 MB/);
  });

  it('shows a failed apply with the error and its hint', () => {
    const frame = render(
      <ApplyPanel
        apply={{
          step: 1,
          running: false,
          lines: ['started kubelet'],
          error: { message: 'kubelet exited right after starting', hint: 'read .lab/kubelet.log' },
        }}
        height={8}
      />,
    ).lastFrame()!;
    assert.match(frame, /✘ lab apply 1 stopped/);
    assert.match(frame, /kubelet exited right after starting/);
    assert.match(frame, /hint: read \.lab\/kubelet\.log/);
  });

  it('a long error keeps the title, the whole message and the hint, and cuts the oldest progress lines', () => {
    // A message wrapping to four rows used to be squeezed into the box, drawn over the title.
    const lines = Array.from({ length: 12 }, (_, i) => `waiting: line ${i}`);
    const message =
      'step 6 did not pass within 90s: nginx-pinned: pod default/nginx is Pending with no node; nginx-serves: could not reach ' +
      '172.17.0.4:80 (connection refused); curl-logs: no curl pod';
    const frame = render(
      <Box width={60}>
        <ApplyPanel apply={{ step: 6, running: false, lines, error: { message, hint: 'bind nginx as in lesson 6' } }} height={8} />
      </Box>,
    ).lastFrame()!;
    const rows = frame.split('\n');
    assert.ok(rows.length <= 8, frame);
    assert.equal(rows[0], '✘ lab apply 6 stopped', frame);
    assert.equal(rows.at(-1), '  hint: bind nginx as in lesson 6', frame);
    assert.ok(frame.replace(/\s+/g, ' ').includes(message), frame);
    assert.match(frame, /waiting: line 11/);
    assert.doesNotMatch(frame, /waiting: line 0\b/);
  });
});
