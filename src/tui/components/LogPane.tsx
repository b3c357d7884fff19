import { Box, Text } from 'ink';

/** The tail of .lab/kubelet.log, the log of the kubelet `lab apply` started. */
export function LogPane({ lines, height }: { lines: string[]; height: number }) {
  const shown = lines.slice(-(height - 1));
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate-end">
        kubelet log (.lab/kubelet.log) <Text dimColor>l: back to the lesson</Text>
      </Text>
      {shown.length === 0 ? (
        <Text dimColor wrap="wrap">
          No log yet. The lab writes it when `a` starts kubelet; a kubelet you started yourself logs to its own terminal.
        </Text>
      ) : (
        shown.map((line, index) => (
          <Text key={index} wrap="truncate-end">
            {line}
          </Text>
        ))
      )}
    </Box>
  );
}
