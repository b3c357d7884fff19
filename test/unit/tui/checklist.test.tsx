import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Checklist, planChecklist } from '../../../src/tui/components/Checklist.tsx';
import type { ProbeResult } from '../../../src/engine/probes/types.ts';
import { result } from './fixtures.ts';

const probes = [
  { id: 'kubelet', title: 'kubelet runs' },
  { id: 'manifest', title: 'pods/hello.yaml is a Pod' },
  { id: 'logs', title: 'hello printed its line' },
];

/** A result as the runner makes it: the probe's title, rendered for this machine. */
const titled = (id: string, status: ProbeResult['status'], extra: Partial<ProbeResult> = {}) =>
  result(id, status, { title: probes.find((p) => p.id === id)!.title, ...extra });

describe('Checklist', () => {
  afterEach(cleanup);

  it('lists every probe as not checked yet before results arrive', () => {
    const frame = render(<Checklist probes={probes} checking={false} width={70} />).lastFrame()!;
    assert.match(frame, /Checks –\/3/);
    assert.equal(frame.match(/○ /g)?.length, 3);
    assert.match(frame, /○ kubelet runs/);
  });

  it('marks passed, failed and skipped probes, and explains only the first failure', () => {
    const results = [
      titled('kubelet', 'pass'),
      titled('manifest', 'fail', { hint: 'write the file', cause: 'missing' }),
      titled('logs', 'fail', { hint: 'second hint' }),
    ];
    const frame = render(<Checklist probes={probes} results={results} checking={false} width={70} />).lastFrame()!;
    assert.match(frame, /Checks 1\/3/);
    assert.match(frame, /✔ kubelet runs/);
    assert.match(
      frame,
      /✘ pods\/hello.yaml is a Pod\n\s+expected expected of manifest\n\s+seen\s+seen of manifest\n\s+hint\s+write the file/,
    );
    assert.doesNotMatch(frame, /second hint/);
  });

  it('shows a skipped probe with its own mark', () => {
    const results = [titled('kubelet', 'fail'), titled('manifest', 'skip'), titled('logs', 'skip')];
    const frame = render(<Checklist probes={probes} results={results} checking={false} width={70} />).lastFrame()!;
    assert.match(frame, /· pods\/hello.yaml is a Pod/);
  });

  it('shows the diagnosis the engine attached instead of the generic hint', () => {
    const results = [
      result('kubelet', 'fail', { hint: 'generic hint', diagnosis: { id: 'swap-on', explanation: 'swap is on', fix: 'swapoff -a' } }),
    ];
    const frame = render(<Checklist probes={probes} results={results} checking={false} width={70} />).lastFrame()!;
    assert.match(frame, /why\s+swap is on/);
    assert.match(frame, /fix\s+swapoff -a/);
    assert.doesNotMatch(frame, /generic hint/);
  });

  it("shows a result's own title (it names the live node) and a passing check's note (issue 9)", () => {
    const results = [
      result('kubelet', 'pass', { title: 'the Node vm exists and is Ready', note: 'your etcd keeps its data in /var/lib/etcd: fine' }),
    ];
    const frame = render(<Checklist probes={probes} results={results} checking={false} width={90} />).lastFrame()!;
    assert.match(frame, /✔ the Node vm exists and is Ready/);
    assert.match(frame, /note\s+your etcd keeps its data in \/var\/lib\/etcd: fine/);
  });

  it('says when a check is running', () => {
    const frame = render(<Checklist probes={probes} checking width={70} />).lastFrame()!;
    assert.match(frame, /checking/);
  });
});

describe('planChecklist: the checks inside a limited number of rows', () => {
  const probes = Array.from({ length: 11 }, (_, i) => ({ id: `p${i}` }));
  const outcome = (id: string, status: 'pass' | 'fail' | 'skip', extra: Record<string, unknown> = {}) =>
    ({ id, status, ...extra }) as unknown as ProbeResult;

  it('shows everything when it fits, and drops notes before folding checks', () => {
    const passing = probes.map((p) => outcome(p.id, 'pass', { note: 'a note' }));
    assert.deepEqual(planChecklist(probes, passing, 40), { shown: probes.map((p) => p.id), folded: 0, notes: true, rows: 23 });
    assert.equal(planChecklist(probes, passing, 12).notes, false);
    assert.equal(planChecklist(probes, passing, 12).rows, 12);
  });

  it('folds the first passed checks into one line and keeps the failing one with its diagnosis', () => {
    const results = probes.map((p, i) =>
      i < 8
        ? outcome(p.id, 'pass')
        : i === 8
          ? outcome(p.id, 'fail', { diagnosis: { id: 'd', explanation: 'e', fix: 'f' } })
          : outcome(p.id, 'skip'),
    );
    const plan = planChecklist(probes, results, 12);
    assert.ok(plan.rows <= 12, JSON.stringify(plan));
    assert.ok(plan.shown.includes('p8'), 'the failing check stays');
    assert.equal(plan.shown[0], `p${plan.folded}`, 'the first passed checks fold');
  });
});
