import { Box, Text } from 'ink';
import { paint, useTheme } from '../theme.tsx';

export interface KeyHelp {
  key: string;
  label: string;
  /** Shown dimmed: the key exists but does nothing right now (e.g. apply while applying). */
  disabled?: boolean;
}

export function Footer({ keys }: { keys: KeyHelp[] }) {
  const theme = useTheme();
  return (
    <Box flexWrap="wrap" columnGap={2}>
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

export const stepKeys = (options: { applying: boolean; first: boolean; last: boolean; logOpen: boolean }): KeyHelp[] => [
  { key: 'a', label: 'apply', disabled: options.applying },
  { key: 'h', label: 'hint' },
  { key: 'l', label: options.logOpen ? 'lesson' : 'log' },
  { key: 'r', label: 're-check' },
  { key: 'n', label: options.last ? 'finish' : 'next' },
  { key: 'p', label: 'prev', disabled: options.first },
  { key: '↑↓', label: 'scroll' },
  { key: 'q', label: 'quit' },
];
