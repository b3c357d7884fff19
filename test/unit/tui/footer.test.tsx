import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { Footer, stepKeys } from '../../../src/tui/components/Footer.tsx';

describe('Footer', () => {
  afterEach(cleanup);

  it('always lists the step keys', () => {
    const frame = render(<Footer keys={stepKeys({ applying: false, first: false, last: false, logOpen: false })} />).lastFrame()!;
    for (const text of ['a apply', 'h hint', 'l log', 'r re-check', 'n next', 'p prev', 'v read', 'c copy', 'q quit'])
      assert.ok(frame.includes(text), `missing "${text}" in ${frame}`);
  });

  it('fits the step keys on one line of an 80-column terminal', () => {
    const frame = render(<Footer keys={stepKeys({ applying: false, first: false, last: false, logOpen: false })} />).lastFrame()!;
    assert.equal(frame.split('\n').length, 1);
    assert.ok(frame.length <= 79, `${frame.length} columns`);
  });

  it('in reading mode lists the way back, copy and Tab, with two spaces between keys', () => {
    const frame = render(
      <Footer keys={stepKeys({ applying: false, first: false, last: false, logOpen: false, reading: true })} width={79} />,
    ).lastFrame()!;
    assert.equal(frame.split('\n').length, 1);
    assert.match(frame, /^v checks {2}c copy {2}Tab next command/);
  });

  it('names what n and l do where that changes', () => {
    const keys = stepKeys({ applying: true, first: true, last: true, logOpen: true });
    assert.equal(keys.find((k) => k.key === 'a')!.disabled, true);
    assert.equal(keys.find((k) => k.key === 'p')!.disabled, true);
    const frame = render(<Footer keys={keys} />).lastFrame()!;
    assert.match(frame, /n finish/);
    assert.match(frame, /l lesson/);
  });
});
