import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import type { ProbeResult } from '../../engine/probes/types.ts';
import { checkColor, checkGlyph, paint, useTheme, type CheckMark } from '../theme.tsx';

export interface ChecklistProps {
  /** The step's probes in order; results fill in as checks come back. */
  probes: { id: string; title: string }[];
  results?: ProbeResult[];
  checking: boolean;
  width: number;
}

function DetailLine({ label, text, color }: { label: string; text: string; color?: string }) {
  return (
    <Text wrap="truncate-end">
      <Text dimColor>{`    ${label.padEnd(9)}`}</Text>
      <Text color={color}>{text}</Text>
    </Text>
  );
}

/** Why the first failing probe fails: a diagnosis when the engine attached one, else expected/seen/hint. */
function FailureDetail({ result }: { result: ProbeResult }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column">
      <DetailLine label="expected" text={result.expected} />
      <DetailLine label="seen" text={result.seen} color={paint(theme, 'red')} />
      {result.diagnosis ? (
        <>
          <DetailLine label="why" text={result.diagnosis.explanation} />
          <DetailLine label="fix" text={result.diagnosis.fix} color={paint(theme, 'cyan')} />
        </>
      ) : (
        result.hint && <DetailLine label="hint" text={result.hint} color={paint(theme, 'cyan')} />
      )}
    </Box>
  );
}

export function Checklist({ probes, results, checking, width }: ChecklistProps) {
  const theme = useTheme();
  const byId = new Map((results ?? []).map((r) => [r.id, r]));
  const passing = (results ?? []).filter((r) => r.status === 'pass').length;
  const firstFailure = (results ?? []).find((r) => r.status === 'fail');
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>{`Checks ${results ? passing : '–'}/${probes.length}`}</Text>
        {checking ? (
          <Text dimColor>
            {'  '}
            <Spinner type="dots" /> checking
          </Text>
        ) : null}
      </Text>
      {probes.map((probe) => {
        const result = byId.get(probe.id);
        const mark: CheckMark = result?.status ?? 'unknown';
        return (
          <Box key={probe.id} flexDirection="column">
            <Text wrap="truncate-end">
              <Text color={paint(theme, checkColor[mark])}>{`${checkGlyph[mark]} `}</Text>
              <Text dimColor={mark === 'skip'}>{result?.title ?? probe.title}</Text>
            </Text>
            {result && result === firstFailure ? <FailureDetail result={result} /> : null}
            {result?.status === 'pass' && result.note ? (
              <DetailLine label="note" text={result.note} color={paint(theme, 'yellow')} />
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
