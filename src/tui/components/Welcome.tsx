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
}

const intro =
  'Starting from a bare kubelet, you will run pods from plain files, add etcd and the apiserver as static pods, ' +
  'connect kubelet to them so the node registers itself, then get past admission and place pods yourself, ' +
  "until two pods talk over Docker's bridge.";

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

export function Welcome({ steps, resumeStep, firstVisit, isRoot, checking, width, machine }: WelcomeProps) {
  const theme = useTheme();
  const resume = steps.find((s) => s.number === resumeStep) ?? steps[0]!;
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
        {`! The lab runs kubelet and containers as root on this machine: state under /var/lib/mvk-lab, etcd on 127.0.0.1:2379, the ` +
          `apiserver on 127.0.0.1:8080, kubelet's port 10250 on Docker's bridge. Use a machine you can throw away; \`npm run lab -- ` +
          `reset\` puts it back.`}
      </Text>
      {/* The machine check says so too, with the rest of what the machine lacks. */}
      {!isRoot && !machine ? (
        <Text wrap="wrap" color={paint(theme, 'red')}>
          ✘ You are not root: checks work, but `a` (apply) and kubelet need root. Restart with sudo -E npm run lab.
        </Text>
      ) : null}
      {/* Right under the warning, with no blank line between: the whole screen fits 80x24. */}
      {machine ? <MachineLine machine={machine} /> : null}
      <Text> </Text>
      <Text bold>{`Steps${checking ? ' (checking this machine…)' : ''}`}</Text>
      {steps.map((step) => {
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
      <Text wrap="wrap">
        {firstVisit
          ? `Press Enter to start with step 1: ${resume.title}.`
          : `Welcome back. Press Enter to resume at step ${resume.number}: ${resume.title}.`}
      </Text>
    </Box>
  );
}
