import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { WalkthroughState, WalkthroughStore } from './store.ts';

export function useWalkthrough(store: WalkthroughStore): WalkthroughState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

const sizeOf = (stdout: NodeJS.WriteStream): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });

/** The terminal's size, following resizes; 80x24 when the stream does not say. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}
