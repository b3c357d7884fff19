import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { osc52 } from '../../../src/tui/clipboard.ts';

describe('OSC 52 clipboard sequence', () => {
  it('is ESC ] 52 ; c ; base64 BEL outside tmux', () => {
    assert.equal(osc52('echo hé\nls', {}), `\x1b]52;c;${Buffer.from('echo hé\nls').toString('base64')}\x07`);
  });

  it('inside tmux adds the passthrough form, every ESC of the sequence doubled', () => {
    const plain = osc52('ls', {});
    assert.equal(osc52('ls', { TMUX: '/tmp/tmux-0/default,1,0' }), `${plain}\x1bPtmux;\x1b${plain}\x1b\\`);
  });
});
