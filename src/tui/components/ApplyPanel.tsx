import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { ApplyState } from '../store.ts';
import { paint, useTheme } from '../theme.tsx';
import { LayerLines } from './LayerLines.tsx';

/** `a` at work: a spinner with the engine's progress lines, or what went wrong and what to do. */
export function ApplyPanel({ apply, height }: { apply: ApplyState; height: number }) {
  const theme = useTheme();
  const errorLines = apply.error ? 3 : 0;
  const layers = apply.running ? (apply.pull?.layers ?? []) : [];
  const shown = apply.lines.slice(-Math.max(1, height - 1 - errorLines - layers.length));
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
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
      {shown.map((line, index) => (
        <Text key={index} dimColor wrap="truncate-end">
          {`  ${line}`}
        </Text>
      ))}
      <LayerLines layers={layers} />
      {apply.error ? (
        <>
          <Text color={paint(theme, 'red')} wrap="wrap">{`  ${apply.error.message}`}</Text>
          <Text color={paint(theme, 'cyan')} wrap="truncate-end">{`  hint: ${apply.error.hint}`}</Text>
        </>
      ) : null}
    </Box>
  );
}
