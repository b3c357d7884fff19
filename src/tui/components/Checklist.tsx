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
  /** Rows the list may take; when it is longer, notes go first, then passed checks fold into one line. */
  maxRows?: number;
}

/** What the checklist shows in its rows: every probe, or some with the passed ones before folded into a count. */
export interface ChecklistPlan {
  shown: string[];
  folded: number;
  notes: boolean;
  rows: number;
}

/** Lays the checklist out in `maxRows`: header, one row per check, the first failure's detail, then passing checks' notes. */
export function planChecklist(
  probes: { id: string }[],
  results: ProbeResult[] | undefined,
  maxRows = Number.MAX_SAFE_INTEGER,
): ChecklistPlan {
  const failure = results?.find((r) => r.status === 'fail');
  const detail = !failure ? 0 : failure.diagnosis ? 4 : failure.hint ? 3 : 2;
  const notes = results?.filter((r) => r.status === 'pass' && r.note).length ?? 0;
  const ids = probes.map((p) => p.id);
  const all = 1 + ids.length + detail;
  if (all + notes <= maxRows) return { shown: ids, folded: 0, notes: true, rows: all + notes };
  if (all <= maxRows) return { shown: ids, folded: 0, notes: false, rows: all };
  // Passed checks fold, first ones first, into one line; the failing one and what follows stay.
  const passed = new Set((results ?? []).filter((r) => r.status === 'pass').map((r) => r.id));
  const foldable = ids.filter((id) => passed.has(id));
  const fold = Math.min(foldable.length, all - maxRows + 1);
  if (fold < 2) return { shown: ids, folded: 0, notes: false, rows: all };
  const folded = new Set(foldable.slice(0, fold));
  return { shown: ids.filter((id) => !folded.has(id)), folded: fold, notes: false, rows: all - fold + 1 };
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

export function Checklist({ probes, results, checking, width, maxRows }: ChecklistProps) {
  const theme = useTheme();
  const plan = planChecklist(probes, results, maxRows);
  const shown = new Set(plan.shown);
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
      {plan.folded > 0 ? (
        <Text wrap="truncate-end">
          <Text color={paint(theme, checkColor.pass)}>{`${checkGlyph.pass} `}</Text>
          <Text dimColor>{`${plan.folded} checks pass`}</Text>
        </Text>
      ) : null}
      {probes.map((probe) => {
        if (!shown.has(probe.id)) return null;
        const result = byId.get(probe.id);
        const mark: CheckMark = result?.status ?? 'unknown';
        return (
          <Box key={probe.id} flexDirection="column">
            <Text wrap="truncate-end">
              <Text color={paint(theme, checkColor[mark])}>{`${checkGlyph[mark]} `}</Text>
              <Text dimColor={mark === 'skip'}>{result?.title ?? probe.title}</Text>
            </Text>
            {result && result === firstFailure ? <FailureDetail result={result} /> : null}
            {plan.notes && result?.status === 'pass' && result.note ? (
              <DetailLine label="note" text={result.note} color={paint(theme, 'yellow')} />
            ) : null}
          </Box>
        );
      })}
    </Box>
  );
}
