import { type Key, useInput } from 'ink';
import { useCallback, useLayoutEffect, useReducer, useRef } from 'react';

export type KeyHandler = (input: string, key: Key) => void;
type Keystroke = [input: string, key: Key];

/**
 * Ink's useInput, but each key sees the state the key before it left. Ink calls the handler of the
 * last render React has committed and subscribed, and React renders a key's state changes a few event
 * loop turns later: Tab then c, typed fast or handed over by a busy terminal, copied the command before
 * the one Tab had just marked (seen in CI). So a key that arrives before the previous key's render has
 * been committed waits for it, and keys are handled one per render, in order.
 *
 * A run of several characters in one read stays one input that matches no key: it is a paste, and a
 * pasted command must not press q, a or n.
 */
export function useKeys(handler: KeyHandler): void {
  const latest = useRef(handler);
  const waiting = useRef<Keystroke[]>([]);
  const rendering = useRef(false);
  // Every key causes a render, even one that changes nothing, so the keys behind it never wait forever.
  const [, rerender] = useReducer((count: number) => count + 1, 0);

  const handle = useCallback(([input, key]: Keystroke) => {
    rendering.current = true;
    latest.current(input, key);
    rerender();
  }, []);

  // Layout effects run within the commit, before any other input is read.
  useLayoutEffect(() => {
    latest.current = handler;
    rendering.current = false;
    const next = waiting.current.shift();
    if (next) handle(next);
  });

  useInput(
    useCallback(
      (input: string, key: Key) => {
        if (rendering.current || waiting.current.length > 0) waiting.current.push([input, key]);
        else handle([input, key]);
      },
      [handle],
    ),
  );
}
