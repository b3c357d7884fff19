import { Box, Text } from 'ink';
import type { StepReport } from '../../engine/runner.ts';
import { inlineLines, lessonColor } from '../markdown.ts';
import type { ClusterSnapshot } from '../../engine/snapshot.ts';
import { foldParts, partRows } from '../../engine/clusterMap.ts';
import type { ApplyState } from '../store.ts';
import { paint, useTheme } from '../theme.tsx';
import { ApplyPanel } from './ApplyPanel.tsx';
import { Checklist, planChecklist } from './Checklist.tsx';
import { ClusterMap } from './ClusterMap.tsx';
import { Footer, type KeyHelp } from './Footer.tsx';
import { LessonPane } from './LessonPane.tsx';
import { LogPane } from './LogPane.tsx';
import { PassedPanel } from './PassedPanel.tsx';

export interface StepInfo {
  number: number;
  title: string;
  files: string[];
  probes: { id: string; title: string }[];
  learned: string[];
}

/** What fills the big pane: the lesson, apply's progress, the kubelet log, or the "passed" summary. */
export type MainPane =
  | { kind: 'lesson'; lines: string[]; offset: number }
  | { kind: 'apply'; apply: ApplyState }
  | { kind: 'log'; lines: string[] }
  | { kind: 'passed' };

export interface StepViewProps {
  step: StepInfo;
  total: number;
  nextTitle?: string;
  report?: StepReport;
  checking: boolean;
  snapshot?: ClusterSnapshot;
  nodeName: string;
  pane: MainPane;
  /** The latest hint asked for with h, as "Hint 2/3: …" (markdown: inline code is styled). */
  hint?: string;
  /** A question above the footer (confirmations). */
  message?: string;
  /** A notice above the footer (what the copy key did). */
  notice?: string;
  /** Reading mode: the lesson takes the room of the checklist and the map. */
  reading?: boolean;
  keys: KeyHelp[];
  columns: number;
  rows: number;
}

const MAP_WIDTH = 34;

/**
 * Rows the map's parts may take on a screen of `rows`: the lesson above keeps about eight (header,
 * footer and the spare row aside); working parts of earlier steps fold to fit (engine/clusterMap.ts).
 */
export const mapPartRows = (rows: number) => Math.max(4, rows - 15);

export function mapHeight(snapshot: ClusterSnapshot | undefined, throughStep: number, rows = Number.MAX_SAFE_INTEGER): number {
  if (!snapshot) return 4;
  // Borders and the node's title row, the parts (with their fold lines and the API's heading), Docker's line.
  return 3 + partRows(foldParts(snapshot.parts, throughStep, mapPartRows(rows))) + (snapshot.docker === 'down' ? 1 : 0);
}

/** Rows the checklist may take on a screen of `rows`, as the map (the lesson above keeps about eight). */
export const checklistRows = (rows: number) => Math.max(6, rows - 12);

export function checklistHeight(probes: { id: string }[], report?: StepReport, rows = Number.MAX_SAFE_INTEGER): number {
  return planChecklist(probes, report?.results, checklistRows(rows)).rows;
}

/** The hint's lines as shown: wrapped to the screen's width, so the box is as tall as its hint. */
export function hintRows(hint: string | undefined, columns: number, color = false): string[] {
  return hint ? inlineLines(hint, columns, { color }) : [];
}

type PaneInput = Pick<StepViewProps, 'rows' | 'columns' | 'hint' | 'message' | 'notice' | 'reading'>;

/** Rows of the checklist and map under the lesson: none in reading mode. */
export function bottomHeight(
  reading: boolean | undefined,
  probes: { id: string }[],
  report: StepReport | undefined,
  snapshot: ClusterSnapshot | undefined,
  step: number,
  rows?: number,
): number {
  return reading ? 0 : Math.max(checklistHeight(probes, report, rows), mapHeight(snapshot, step, rows));
}

/** Rows the hint box gets: all its lines, as long as the main pane keeps three. */
export function hintHeight(props: PaneInput, bottom: number): number {
  const lines = hintRows(props.hint, props.columns).length;
  const other = (props.message ? 1 : 0) + (props.notice ? 1 : 0);
  return Math.max(0, Math.min(lines, props.rows - 3 - bottom - other - 3));
}

/** Lines the main pane gets once everything else has its share; never less than three. */
export function mainPaneHeight(props: PaneInput, bottom: number): number {
  const messageLines = (props.message ? 1 : 0) + (props.notice ? 1 : 0);
  // header, footer, and one spare row so Ink never fills the last line (that scrolls the screen).
  return Math.max(3, props.rows - 3 - bottom - hintHeight(props, bottom) - messageLines);
}

/** Cuts plain text to `width` columns with an ellipsis; the header is laid out by hand to stay on one line. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

function Header({ step, total, position, width }: { step: StepInfo; total: number; position?: string; width: number }) {
  const theme = useTheme();
  const right = position ? ` ${position}` : '';
  const room = width - right.length;
  const number = fit(`Step ${step.number}/${total}`, room);
  const title = fit(` ${step.title}`, room - number.length);
  const files = step.files.length > 0 ? fit(`  · you write ${step.files.join(', ')}`, room - number.length - title.length) : '';
  const pad = ' '.repeat(Math.max(0, room - number.length - title.length - files.length));
  return (
    <Text>
      <Text bold color={paint(theme, 'cyan')}>
        {number}
      </Text>
      <Text bold>{title}</Text>
      <Text dimColor>{files}</Text>
      {pad}
      <Text dimColor>{right}</Text>
    </Text>
  );
}

export function StepView(props: StepViewProps) {
  const theme = useTheme();
  const { step, total, report, pane, columns } = props;
  const bottom = bottomHeight(props.reading, step.probes, report, props.snapshot, step.number, props.rows);
  const height = mainPaneHeight(props, bottom);
  const hint = hintRows(props.hint, columns, lessonColor(theme.color)).slice(0, hintHeight(props, bottom));
  const position =
    pane.kind === 'lesson' && pane.lines.length > height
      ? `${pane.offset + 1}-${Math.min(pane.lines.length, pane.offset + height)}/${pane.lines.length}`
      : undefined;
  const mapWidth = Math.min(MAP_WIDTH, Math.floor(columns / 2));
  return (
    <Box flexDirection="column" width={columns}>
      <Header step={step} total={total} position={position} width={columns} />
      {pane.kind === 'lesson' ? <LessonPane lines={pane.lines} offset={pane.offset} height={height} /> : null}
      {pane.kind === 'apply' ? <ApplyPanel apply={pane.apply} height={height} /> : null}
      {pane.kind === 'log' ? <LogPane lines={pane.lines} height={height} /> : null}
      {pane.kind === 'passed' ? (
        <PassedPanel step={step.number} learned={step.learned} nextTitle={props.nextTitle} height={height} width={columns} />
      ) : null}
      {bottom > 0 ? (
        <Box height={bottom} overflow="hidden" alignItems="flex-start">
          <Checklist
            probes={step.probes}
            results={report?.results}
            checking={props.checking}
            width={columns - mapWidth - 1}
            maxRows={checklistRows(props.rows)}
          />
          <Box marginLeft={1}>
            <ClusterMap
              snapshot={props.snapshot}
              nodeName={props.nodeName}
              throughStep={step.number}
              width={mapWidth}
              maxRows={mapPartRows(props.rows)}
            />
          </Box>
        </Box>
      ) : null}
      {hint.length > 0 ? (
        <Box flexDirection="column" height={hint.length} overflow="hidden">
          {hint.map((line, index) => (
            <Text key={index} wrap="truncate-end">
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
      {props.notice ? (
        <Text color={paint(theme, 'green')} wrap="truncate-end">
          {props.notice}
        </Text>
      ) : null}
      {props.message ? (
        <Text bold color={paint(theme, 'yellow')} wrap="truncate-end">
          {props.message}
        </Text>
      ) : null}
      <Footer keys={props.keys} width={columns} />
    </Box>
  );
}
