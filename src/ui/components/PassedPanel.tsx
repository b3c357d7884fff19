import { Box, Text } from 'ink';
import { paint, useTheme } from '../theme.tsx';

export interface PassedPanelProps {
  step: number;
  learned: string[];
  nextTitle?: string;
  height: number;
}

/** A passed step: what the student should take away, and where `n` goes. */
export function PassedPanel({ step, learned, nextTitle, height }: PassedPanelProps) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold color={paint(theme, 'green')}>{`✔ Step ${step} passes. What you learned:`}</Text>
      {learned.map((line) => (
        <Text key={line} wrap="wrap">{`• ${line}`}</Text>
      ))}
      <Text color={paint(theme, 'cyan')} wrap="truncate-end">
        {nextTitle ? `Press n for step ${step + 1}: ${nextTitle}` : 'Press n to see what you built.'}
        <Text dimColor>{'  (↑↓ shows the lesson again)'}</Text>
      </Text>
    </Box>
  );
}
