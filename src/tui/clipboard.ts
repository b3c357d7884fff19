/**
 * The copy key (issue 12): a command goes to the student's clipboard through the terminal, with the
 * OSC 52 escape sequence, which works over SSH and inside tmux where a local clipboard tool would not.
 * Not every terminal honours it (some ignore it, some ask first), so the walkthrough always says
 * where else to get the text (`lab show N`).
 */

/** The bytes that ask the terminal to put `text` on the clipboard. */
export function osc52(text: string, env: NodeJS.ProcessEnv = process.env): string {
  const sequence = `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
  if (!env.TMUX) return sequence;
  // Inside tmux, the plain sequence reaches tmux itself, which keeps it in a paste buffer and passes it
  // on to the outer terminal when `set-clipboard` is on; the DCS passthrough form (every ESC doubled)
  // reaches the outer terminal directly when `allow-passthrough` is on. Either setting is common, so
  // both go out; a terminal that gets both just sets the same clipboard twice.
  return `${sequence}\x1bPtmux;${sequence.replace(/\x1b/g, '\x1b\x1b')}\x1b\\`;
}

/** Writes a clipboard sequence to the terminal; injectable so tests can see what was sent. */
export type ClipboardWriter = (sequence: string) => void;

/** The sequence changes nothing on screen, so it can go straight to the terminal between Ink's frames. */
export const terminalClipboard: ClipboardWriter = (sequence) => {
  process.stdout.write(sequence);
};
