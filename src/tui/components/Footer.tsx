import { Box, Text } from 'ink';
import { paint, useTheme } from '../theme.tsx';

export interface KeyHelp {
  key: string;
  label: string;
  /** Shown dimmed: the key exists but does nothing right now (e.g. apply while applying). */
  disabled?: boolean;
}

/** Columns the keys take with `gap` spaces between them. */
const footerWidth = (keys: KeyHelp[], gap: number) =>
  keys.reduce((sum, k) => sum + k.key.length + 1 + k.label.length, 0) + gap * Math.max(0, keys.length - 1);

/** Two spaces between keys, one when that is what keeps them on one line (every step key at 80 columns). */
export const footerGap = (keys: KeyHelp[], width: number) => (footerWidth(keys, 2) <= width ? 2 : 1);

export function Footer({ keys, width = 79 }: { keys: KeyHelp[]; width?: number }) {
  const theme = useTheme();
  return (
    <Box flexWrap="wrap" columnGap={footerGap(keys, width)}>
      {keys.map((k) => (
        <Text key={k.key} dimColor={k.disabled}>
          <Text bold color={k.disabled ? undefined : paint(theme, 'cyan')}>
            {k.key}
          </Text>{' '}
          {k.label}
        </Text>
      ))}
    </Box>
  );
}

export const stepKeys = (options: { applying: boolean; first: boolean; last: boolean; logOpen: boolean; reading?: boolean }): KeyHelp[] =>
  options.reading
    ? // Reading mode is for the lesson: the keys that move through it, and the way back to the checks.
      [
        { key: 'v', label: 'checks' },
        { key: 'c', label: 'copy' },
        { key: 'Tab', label: 'next command' },
        { key: 'h', label: 'hint' },
        { key: 'n', label: options.last ? 'finish' : 'next' },
        { key: 'p', label: 'prev', disabled: options.first },
        { key: '↑↓', label: 'scroll' },
        { key: 'q', label: 'quit' },
      ]
    : [
        { key: 'a', label: 'apply', disabled: options.applying },
        { key: 'h', label: 'hint' },
        { key: 'l', label: options.logOpen ? 'lesson' : 'log' },
        { key: 'r', label: 're-check' },
        { key: 'n', label: options.last ? 'finish' : 'next' },
        { key: 'p', label: 'prev', disabled: options.first },
        { key: 'v', label: 'read' },
        { key: 'c', label: 'copy' },
        { key: '↑↓', label: 'scroll' },
        { key: 'q', label: 'quit' },
      ];
