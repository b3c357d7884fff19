import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { ApplyState } from '../store.ts';
import { paint, useTheme } from '../theme.tsx';
import { LayerLines } from './LayerLines.tsx';

/** `a` at work: a spinner with the engine's progress lines, or what went wrong and what to do. */
export function ApplyPanel({ apply, height }: { apply: ApplyState; height: number }) {
  const theme = useTheme();
  const layers = apply.running ? (apply.pull?.layers ?? []) : [];
  // Rows never shrink (Yoga would squeeze them into the box and draw them over each other): the title
  // and the error keep theirs, and the progress lines between are cut from the top, newest kept.
  const shown = apply.lines.slice(-Math.max(1, height - 1 - layers.length));
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box flexShrink={0}>
        <Text bold>
          {apply.running ? (
            <Text color={paint(theme, 'cyan')}>
              <Spinner type="dots" />
              {` Doing step ${apply.step} for you (lab apply ${apply.step})…`}
            </Text>
          ) : apply.error ? (
            <Text color={paint(theme, 'red')}>{`✘ lab apply ${apply.step} stopped`}</Text>
          ) : (
            <Text color={paint(theme, 'green')}>{`✔ lab apply ${apply.step} finished`}</Text>
          )}
        </Text>
      </Box>
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden" justifyContent="flex-end">
        <Box flexDirection="column" flexShrink={0}>
          {shown.map((line, index) => (
            <Text key={index} dimColor wrap="truncate-end">
              {`  ${line}`}
            </Text>
          ))}
          <LayerLines layers={layers} />
        </Box>
      </Box>
      {apply.error ? (
        <Box flexDirection="column" flexShrink={0} paddingLeft={2}>
          <Text color={paint(theme, 'red')} wrap="wrap">
            {apply.error.message}
          </Text>
          <Text color={paint(theme, 'cyan')} wrap="truncate-end">{`hint: ${apply.error.hint}`}</Text>
        </Box>
      ) : null}
    </Box>
  );
}
