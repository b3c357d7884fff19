import { createContext, useContext } from 'react';
import type { PartState } from '../engine/clusterMap.ts';
import type { ProbeStatus } from '../engine/probes/types.ts';

/** NO_COLOR (any non-empty value) turns colour off; every state also has its own symbol, so nothing is lost. */
export const colorWanted = (env: NodeJS.ProcessEnv = process.env) => !env.NO_COLOR;

export interface Theme {
  color: boolean;
}

export const ThemeContext = createContext<Theme>({ color: colorWanted() });

export const useTheme = () => useContext(ThemeContext);

/** A colour name for Ink's `color` prop, or undefined when colour is off. */
export function paint(theme: Theme, color: string): string | undefined {
  return theme.color ? color : undefined;
}

export const partGlyph: Record<PartState, string> = { ok: '●', bad: '✘', wait: '◌', off: '○' };
export const partColor: Record<PartState, string> = { ok: 'green', bad: 'red', wait: 'yellow', off: 'gray' };

export type CheckMark = ProbeStatus | 'unknown';
export const checkGlyph: Record<CheckMark, string> = { pass: '✔', fail: '✘', skip: '·', unknown: '○' };
export const checkColor: Record<CheckMark, string> = { pass: 'green', fail: 'red', skip: 'gray', unknown: 'gray' };
