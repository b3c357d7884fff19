import { Box, Text } from 'ink';
import { inlineLines, lessonColor } from '../markdown.ts';
import { paint, useTheme } from '../theme.tsx';

export interface PassedPanelProps {
  step: number;
  learned: string[];
  nextTitle?: string;
  height: number;
  width: number;
}

/**
 * A passed step: what the student should take away, and where `n` goes. The first and last lines
 * always show; the list between them is wrapped here and cut to the rows left (with … where it is
 * cut), since a column Ink has to squeeze would draw its lines over each other.
 */
export function PassedPanel({ step, learned, nextTitle, height, width }: PassedPanelProps) {
  const theme = useTheme();
  const color = lessonColor(theme.color);
  const lines = learned.flatMap((item) =>
    inlineLines(item, width - 2, { color }).map((line, index) => `${index === 0 ? '• ' : '  '}${line}`),
  );
  const room = Math.max(0, height - 2);
  const shown = lines.length <= room ? lines : [...lines.slice(0, Math.max(0, room - 1)), '  …'].slice(0, room);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold color={paint(theme, 'green')} wrap="truncate-end">{`✔ Step ${step} passes. What you learned:`}</Text>
      {shown.map((line, index) => (
        <Text key={index} wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text color={paint(theme, 'cyan')} wrap="truncate-end">
        {nextTitle ? `Press n for step ${step + 1}: ${nextTitle}` : 'Press n to see what you built.'}
        <Text dimColor>{'  (↑↓ shows the lesson again)'}</Text>
      </Text>
    </Box>
  );
}
