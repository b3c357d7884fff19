import { Box, Text } from 'ink';
import { checkColor, checkGlyph, paint, useTheme, type CheckMark } from '../theme.tsx';

export interface StepLine {
  number: number;
  title: string;
  /** Live result of the step's checks; undefined until they ran. */
  passing?: boolean;
}

export interface WelcomeProps {
  steps: StepLine[];
  /** Where the student left off (saved progress); 1 with nothing passed means a first visit. */
  resumeStep: number;
  firstVisit: boolean;
  isRoot: boolean;
  checking: boolean;
  width: number;
  /** How the first screen's machine check ended; undefined when it did not run. */
  machine?: { fails: number; warns: number };
  /** Rows the screen may take; the step list is folded to fit (default: room for every step). */
  height?: number;
}

const intro =
  'Starting from a bare kubelet, you will run pods from plain files, add etcd and the apiserver as static pods, ' +
  'connect kubelet to them so the node registers itself, get past admission and place pods yourself, then ' +
  'hand that work to the control plane that does it in every cluster.';

const warning =
  `! The lab runs kubelet and containers as root on this machine: state under /var/lib/mvk-lab, etcd on 127.0.0.1:2379, the ` +
  `apiserver on 127.0.0.1:8080, kubelet's port 10250 on Docker's bridge. Use a machine you can throw away; \`npm run lab -- ` +
  `reset\` puts it back.`;
const notRoot = '✘ You are not root: checks work, but `a` (apply) and kubelet need root. Restart with sudo -E npm run lab.';

/** Rows `text` takes when wrapped at word boundaries to `columns` (as Ink's wrap does, closely enough to plan a screen). */
export function wrappedRows(text: string, columns: number): number {
  let rows = 1;
  let used = 0;
  for (const word of text.split(' ')) {
    const needed = used === 0 ? word.length : used + 1 + word.length;
    if (needed <= columns) used = needed;
    else {
      rows += Math.max(1, Math.ceil(word.length / columns));
      used = word.length % columns || Math.min(word.length, columns);
    }
  }
  return rows;
}

type ListRow = { kind: 'step'; step: StepLine } | { kind: 'passed'; first: number; last: number } | { kind: 'more'; count: number };

/**
 * The step list in at most `room` rows: every step when it fits; else the passing steps before the
 * current one fold into one line, and, if that is not enough, the steps after it are counted, not listed.
 */
export function foldSteps(steps: StepLine[], current: number, room: number): ListRow[] {
  const all: ListRow[] = steps.map((step) => ({ kind: 'step', step }));
  if (steps.length <= room) return all;
  const index = steps.findIndex((s) => s.number === current);
  let start = 0;
  while (start < index && steps[start]!.passing) start++;
  const rows: ListRow[] =
    start > 1 ? [{ kind: 'passed', first: steps[0]!.number, last: steps[start - 1]!.number }, ...all.slice(start)] : all;
  if (rows.length <= room) return rows;
  const keep = Math.max(1, room - 1);
  return [...rows.slice(0, keep), { kind: 'more', count: rows.length - keep }];
}

function MachineLine({ machine }: { machine: { fails: number; warns: number } }) {
  const theme = useTheme();
  if (machine.fails > 0)
    return <Text color={paint(theme, 'red')}>{`✘ Machine check: ${machine.fails} failing (m shows what to fix)`}</Text>;
  if (machine.warns > 0)
    return (
      <Text
        color={paint(theme, 'yellow')}
      >{`! Machine check: ready, ${machine.warns} ${machine.warns === 1 ? 'warning' : 'warnings'} (m shows them)`}</Text>
    );
  return <Text color={paint(theme, 'green')}>✔ Machine check: ready (m shows the checks)</Text>;
}

export function Welcome({ steps, resumeStep, firstVisit, isRoot, checking, width, machine, height }: WelcomeProps) {
  const theme = useTheme();
  const resume = steps.find((s) => s.number === resumeStep) ?? steps[0]!;
  const resumeText = firstVisit
    ? `Press Enter to start with step 1: ${resume.title}.`
    : `Welcome back. Press Enter to resume at step ${resume.number}: ${resume.title}.`;
  const columns = Math.max(10, width - 2);
  // Everything but the step list: title, blank, intro, blank, warning, [not root], [machine], blank, "Steps", …, blank, resume.
  const fixed =
    6 +
    wrappedRows(intro, columns) +
    wrappedRows(warning, columns) +
    (!isRoot && !machine ? wrappedRows(notRoot, columns) : 0) +
    (machine ? 1 : 0) +
    wrappedRows(resumeText, columns);
  const list = foldSteps(steps, resume.number, height === undefined ? steps.length : Math.max(1, height - fixed));
  return (
    // flexShrink 0: when the screen is short, the parent cuts the bottom; shrinking would squeeze the
    // first lines into each other (the title was seen overwritten by the blank line under it).
    <Box flexDirection="column" width={width} paddingX={1} flexShrink={0}>
      <Text bold color={paint(theme, 'cyan')}>
        mvk-lab: a Kubernetes node built by hand
      </Text>
      <Text> </Text>
      <Text wrap="wrap">{intro}</Text>
      <Text> </Text>
      <Text wrap="wrap" color={paint(theme, 'yellow')}>
        {warning}
      </Text>
      {/* The machine check says so too, with the rest of what the machine lacks. */}
      {!isRoot && !machine ? (
        <Text wrap="wrap" color={paint(theme, 'red')}>
          {notRoot}
        </Text>
      ) : null}
      {/* Right under the warning, with no blank line between: the whole screen fits 80x24. */}
      {machine ? <MachineLine machine={machine} /> : null}
      <Text> </Text>
      <Text bold>{`Steps${checking ? ' (checking this machine…)' : ''}`}</Text>
      {list.map((row) => {
        if (row.kind === 'passed')
          return (
            <Text key="passed" wrap="truncate-end">
              <Text color={paint(theme, checkColor.pass)}>{`${checkGlyph.pass} `}</Text>
              <Text>{`${row.first}–${row.last}. all pass`}</Text>
            </Text>
          );
        if (row.kind === 'more') return <Text key="more" dimColor>{`  … and ${row.count} more`}</Text>;
        const { step } = row;
        const mark: CheckMark = step.passing === undefined ? 'unknown' : step.passing ? 'pass' : 'fail';
        return (
          <Text key={step.number} wrap="truncate-end">
            <Text color={paint(theme, checkColor[mark])}>{`${checkGlyph[mark]} `}</Text>
            <Text bold={step.number === resume.number}>{`${step.number}. ${step.title}`}</Text>
            {step.number === resume.number ? <Text color={paint(theme, 'cyan')}>{'  ← you are here'}</Text> : null}
          </Text>
        );
      })}
      <Text> </Text>
      <Text wrap="wrap">{resumeText}</Text>
    </Box>
  );
}
