import { Box, Text } from 'ink';

export interface LessonPaneProps {
  lines: string[];
  offset: number;
  height: number;
}

/** A window onto the rendered lesson; lines are already styled for the terminal and only cut, never re-wrapped. */
export function LessonPane({ lines, offset, height }: LessonPaneProps) {
  const shown = lines.slice(offset, offset + height);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      {shown.map((line, index) => (
        <Text key={index} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}

export const maxOffset = (lines: number, height: number) => Math.max(0, lines - height);
