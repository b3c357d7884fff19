import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Welcome, type StepLine } from '../../../src/ui/components/Welcome.tsx';

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

  it('warns a student who is not root that apply will not work', () => {
    const frame = render(<Welcome steps={steps} resumeStep={1} firstVisit isRoot={false} checking width={78} />).lastFrame()!;
    assert.match(frame, /not root/);
    assert.match(frame, /checking this machine/);
  });
});
