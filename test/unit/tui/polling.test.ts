import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbeResult } from '../../../src/engine/probes/types.ts';
import type { StepReport } from '../../../src/engine/runner.ts';
import { needsPolling } from '../../../src/tui/polling.ts';
import { result } from './fixtures.ts';

const report = (...results: ProbeResult[]): StepReport => ({
  step: 1,
  title: 't',
  passed: results.every((r) => r.status === 'pass'),
  results,
  durationMs: 1,
});

describe('needsPolling', () => {
  it('polls before the first check and while a process or HTTP probe fails', () => {
    assert.equal(needsPolling(undefined), true);
    assert.equal(needsPolling(report(result('kubelet', 'fail', { kind: 'process' }), result('file', 'skip'))), true);
    assert.equal(needsPolling(report(result('a', 'pass', { kind: 'container' }), result('health', 'fail', { kind: 'http' }))), true);
  });

  it('leaves it to events while only a file or a container is missing', () => {
    assert.equal(
      needsPolling(
        report(
          result('manifest', 'fail', { kind: 'file' }),
          result('running', 'skip', { kind: 'container' }),
          result('version', 'skip', { kind: 'http' }),
        ),
      ),
      false,
    );
    assert.equal(needsPolling(report(result('running', 'fail', { kind: 'container' }))), false);
  });

  it('stops once the step passes', () => {
    assert.equal(needsPolling(report(result('a', 'pass', { kind: 'http' }))), false);
  });
});
