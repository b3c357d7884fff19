import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Welcome, type StepLine } from '../../../src/tui/components/Welcome.tsx';

/** The frame with line breaks and padding collapsed, for sentences the layout wraps. */
const flat = (frame: string) => frame.replace(/\s+/g, ' ');

const steps: StepLine[] = [
  { number: 1, title: 'kubelet runs a pod on its own', passing: true },
  { number: 2, title: 'etcd as a static pod', passing: true },
  { number: 3, title: 'The apiserver in front of etcd', passing: false },
];

describe('Welcome', () => {
  afterEach(cleanup);

  it('says what will be built and that the lab runs things as root', () => {
    const frame = render(<Welcome steps={steps} resumeStep={1} firstVisit isRoot checking={false} width={78} />).lastFrame()!;
    assert.match(flat(frame), /etcd and the apiserver as static pods/);
    assert.match(flat(frame), /as root on this machine/);
    assert.match(flat(frame), /Press Enter to start with step 1: kubelet runs a pod on its own/);
  });

  it('offers to resume where the student left off, with live marks per step', () => {
    const frame = render(<Welcome steps={steps} resumeStep={3} firstVisit={false} isRoot checking={false} width={78} />).lastFrame()!;
    assert.match(flat(frame), /Welcome back\. Press Enter to resume at step 3: The apiserver in front of etcd/);
    assert.match(frame, /✔ 1\. kubelet runs a pod on its own/);
    assert.match(frame, /✘ 3\. The apiserver in front of etcd\s+← you are here/);
  });

  it('fits 80x24 above the footer with all six steps and the machine line, its first line whole', () => {
    const six: StepLine[] = [
      'kubelet runs a pod on its own',
      'etcd as a static pod',
      'The apiserver in front of etcd',
      'kubelet reports to the apiserver',
      'Admission needs a ServiceAccount',
      'Pin pods to the node and let them talk',
    ].map((title, i) => ({ number: i + 1, title, passing: false }));
    const lines = render(
      <Welcome steps={six} resumeStep={1} firstVisit isRoot checking={false} width={79} machine={{ fails: 4, warns: 0 }} />,
    )
      .lastFrame()!
      .split('\n');
    // 24 rows: the footer and the row Ink keeps free take two.
    assert.ok(lines.length <= 22, `${lines.length} rows:\n${lines.join('\n')}`);
    assert.equal(lines[0]!.trimEnd(), ' mvk-lab: a Kubernetes node built by hand');
  });

  it('with more steps than rows, folds the passed ones into a line and keeps the title and the current step', () => {
    const nine: StepLine[] = Array.from({ length: 9 }, (_, i) => ({
      number: i + 1,
      title: `a step title that is as long as the real ones ${i + 1}`,
      passing: i < 7,
    }));
    const frame = render(
      <Welcome
        steps={nine}
        resumeStep={8}
        firstVisit={false}
        isRoot
        checking={false}
        width={79}
        height={22}
        machine={{ fails: 1, warns: 0 }}
      />,
    ).lastFrame()!;
    const lines = frame.split('\n');
    assert.ok(lines.length <= 22, `${lines.length} rows:\n${frame}`);
    assert.equal(lines[0]!.trimEnd(), ' mvk-lab: a Kubernetes node built by hand');
    assert.match(frame, /✔ 1–7\. all pass/);
    assert.match(frame, /✘ 8\. a step title .* 8\s+← you are here/);
    assert.match(frame, /9\. a step title/);
  });

  it('folds what follows the current step too when even that does not fit, and says how many', () => {
    const nine: StepLine[] = Array.from({ length: 9 }, (_, i) => ({ number: i + 1, title: `step ${i + 1}`, passing: false }));
    const frame = render(<Welcome steps={nine} resumeStep={1} firstVisit isRoot checking={false} width={79} height={18} />).lastFrame()!;
    assert.ok(frame.split('\n').length <= 18, frame);
    assert.match(frame, /← you are here/);
    assert.match(frame, /… and \d+ more/);
  });

  it('warns a student who is not root that apply will not work', () => {
    const frame = render(<Welcome steps={steps} resumeStep={1} firstVisit isRoot={false} checking width={78} />).lastFrame()!;
    assert.match(frame, /not root/);
    assert.match(frame, /checking this machine/);
  });
});
