import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { FinalScreen } from './components/FinalScreen.tsx';
import { stepKeys, type KeyHelp } from './components/Footer.tsx';
import { Footer } from './components/Footer.tsx';
import { maxOffset } from './components/LessonPane.tsx';
import { checklistHeight, mainPaneHeight, mapHeight, StepView, type MainPane, type StepInfo } from './components/StepView.tsx';
import { maxDetailsOffset, Preflight } from './components/Preflight.tsx';
import { Welcome, type StepLine } from './components/Welcome.tsx';
import { lessonLines } from './markdown.ts';
import type { WalkthroughStore } from './store.ts';
import { useTerminalSize, useWalkthrough } from './useWalkthrough.ts';
import { watchKubeletLog } from './watchers.ts';

export interface AppProps {
  store: WalkthroughStore;
  /** The lesson of a step as markdown, placeholders already filled in for this machine. */
  lessonMarkdown: (step: number) => string;
  isRoot: boolean;
}

type Pending = { question: string; onYes: () => void };

const LOG_LINES = 200;

export function App({ store, lessonMarkdown, isRoot }: AppProps) {
  const state = useWalkthrough(store);
  const { exit } = useApp();
  const size = useTerminalSize();
  // The last column stays empty: a line that fills the terminal's width wraps in some terminals (tmux).
  const columns = size.columns - 1;
  const rows = size.rows;
  const { steps, env } = store.engine;
  const step = steps[state.viewing - 1]!;
  const [offset, setOffset] = useState(0);
  const [hintLevel, setHintLevel] = useState(0);
  const [logOpen, setLogOpen] = useState(false);
  const [logLines, setLogLines] = useState<string[]>([]);
  const [lessonWanted, setLessonWanted] = useState(false);
  const [pending, setPending] = useState<Pending>();
  const [machineDetails, setMachineDetails] = useState(false);
  const [machineOffset, setMachineOffset] = useState(0);

  const lines = useMemo(() => lessonLines(lessonMarkdown(step.number), Math.max(20, columns - 2)), [step.number, columns, lessonMarkdown]);

  // A new step starts at the top of its lesson with no hints shown.
  useEffect(() => {
    setOffset(0);
    setHintLevel(0);
    setLessonWanted(false);
    store.dismissApply();
  }, [state.viewing, store]);

  useEffect(() => {
    if (!logOpen) return;
    const read = () => setLogLines(store.engine.kubeletLog(LOG_LINES));
    read();
    let throttle: NodeJS.Timeout | undefined;
    const watcher = watchKubeletLog(env, () => {
      throttle ??= setTimeout(() => {
        throttle = undefined;
        read();
      }, 1000);
    });
    return () => {
      clearTimeout(throttle);
      void watcher.close();
    };
  }, [logOpen, env, store]);

  const report = state.reports[step.number];
  const info: StepInfo = { number: step.number, title: step.meta.title, files: step.meta.files, probes: step.meta.probes.map((p) => ({ id: p.id, title: p.title })), learned: step.meta.learned };
  const hintText = hintLevel > 0 ? `Hint ${hintLevel}/${step.meta.hints.length}: ${step.meta.hints[hintLevel - 1]}` : undefined;
  const bottom = Math.max(checklistHeight(info.probes.length, report), mapHeight(state.snapshot, step.number));
  const paneHeight = mainPaneHeight({ rows, hint: hintText, message: pending?.question }, bottom);
  const applying = Boolean(state.apply?.running);
  // The machine check fills the screen but the footer row and the row Ink keeps free.
  const preflightHeight = rows - 2;

  const quit = () => {
    store.stop();
    exit();
  };
  const ask = (question: string, onYes: () => void) => setPending({ question: `${question} (y/n)`, onYes });
  const goTo = (number: number) => store.open('step', number);
  const next = () => {
    const last = step.number === steps.length;
    const move = () => (last ? store.open('final') : goTo(step.number + 1));
    if (report?.passed) move();
    else ask(`Step ${step.number} does not pass yet. ${last ? 'Finish' : `Move on to step ${step.number + 1}`} anyway?`, move);
  };
  const scroll = (by: number) => {
    setLessonWanted(true);
    setLogOpen(false);
    store.dismissApply();
    setOffset((current) => Math.min(maxOffset(lines.length, paneHeight), Math.max(0, current + by)));
  };

  useInput((input, key) => {
    if (pending) {
      setPending(undefined);
      if (input === 'y' || input === 'Y') pending.onYes();
      return;
    }
    if (input === 'q') {
      if (applying) ask('lab apply is still running. Quit anyway? The cluster stays as it is', quit);
      else quit();
      return;
    }
    if (state.screen === 'preflight') {
      const done = state.preflight?.phase === 'done' && !state.preparing;
      if ((key.return || input === ' ') && done) store.open('welcome');
      else if (input === 'r' && done) void store.prepareAgain();
      else if (input === 'd') {
        setMachineDetails((open) => !open);
        setMachineOffset(0);
      } else if (machineDetails && (key.upArrow || key.downArrow)) {
        const limit = maxDetailsOffset(state.preflight, preflightHeight);
        setMachineOffset((current) => Math.min(limit, Math.max(0, current + (key.upArrow ? -1 : 1))));
      }
      return;
    }
    if (state.screen === 'welcome') {
      if (key.return || input === ' ' || input === 'n') store.open('step', state.viewing);
      else if (input === 'm' && state.preflight) store.open('preflight');
      return;
    }
    if (state.screen === 'final') {
      if (input === 'p') goTo(steps.length);
      return;
    }
    if (input === 'a' && !applying) {
      setLogOpen(false);
      setLessonWanted(false);
      void store.apply();
    } else if (input === 'h') setHintLevel((level) => Math.min(step.meta.hints.length, level + 1));
    else if (input === 'l') setLogOpen((open) => !open);
    else if (input === 'r') void store.checkNow({ visible: true });
    else if (input === 'n') next();
    else if (input === 'p') {
      if (step.number > 1) goTo(step.number - 1);
      else store.open('welcome');
    } else if (key.upArrow) scroll(-1);
    else if (key.downArrow) scroll(1);
    else if (key.pageUp) scroll(-(paneHeight - 1));
    else if (key.pageDown || input === ' ') scroll(paneHeight - 1);
    else if (key.escape) {
      setLogOpen(false);
      store.dismissApply();
    }
  });

  const stepLines: StepLine[] = steps.map((s) => ({ number: s.number, title: s.meta.title, passing: state.reports[s.number]?.passed }));
  const height = rows - 1;

  if (state.screen === 'preflight') {
    const done = state.preflight?.phase === 'done' && !state.preparing;
    const keys: KeyHelp[] = [
      { key: 'Enter', label: 'continue', disabled: !done },
      { key: 'r', label: 'check again', disabled: !done },
      { key: 'd', label: machineDetails ? 'summary' : 'all checks' },
      ...(machineDetails ? [{ key: '↑↓', label: 'scroll' }] : []),
      { key: 'q', label: 'quit' },
    ];
    return (
      <Box flexDirection="column" height={height} width={columns}>
        <Box flexGrow={1} overflow="hidden">
          <Preflight preflight={state.preflight} details={machineDetails} offset={machineOffset} width={columns} height={preflightHeight} />
        </Box>
        <Footer keys={keys} />
      </Box>
    );
  }

  if (state.screen === 'welcome') {
    const keys: KeyHelp[] = [
      { key: 'Enter', label: state.firstVisit ? 'start' : 'resume' },
      ...(state.preflight ? [{ key: 'm', label: 'machine check' }] : []),
      { key: 'q', label: 'quit' },
    ];
    const machine = state.preflight?.phase === 'done' ? { fails: state.preflight.results.filter((r) => r.status === 'fail').length, warns: state.preflight.results.filter((r) => r.status === 'warn').length } : undefined;
    return (
      <Box flexDirection="column" height={height} width={columns}>
        <Box flexGrow={1} overflow="hidden">
          <Welcome steps={stepLines} resumeStep={state.viewing} firstVisit={state.firstVisit} isRoot={isRoot} checking={!state.surveyed} width={columns} machine={machine} />
        </Box>
        <Footer keys={keys} />
      </Box>
    );
  }

  if (state.screen === 'final') {
    const keys: KeyHelp[] = [
      { key: 'p', label: `back to step ${steps.length}` },
      { key: 'q', label: 'quit (the cluster keeps running)' },
    ];
    return (
      <Box flexDirection="column" height={height} width={columns}>
        <Box flexGrow={1} overflow="hidden">
          <FinalScreen steps={stepLines} snapshot={state.snapshot} nodeName={state.snapshot?.nodeName ?? env.nodeName} width={columns} />
        </Box>
        <Footer keys={keys} />
      </Box>
    );
  }

  let pane: MainPane = { kind: 'lesson', lines, offset };
  if (logOpen) pane = { kind: 'log', lines: logLines };
  else if (state.apply && state.apply.step === step.number && (state.apply.running || state.apply.error)) pane = { kind: 'apply', apply: state.apply };
  else if (report?.passed && !lessonWanted) pane = { kind: 'passed' };

  return (
    <Box height={height} width={columns} overflow="hidden">
      <StepView
        step={info}
        total={steps.length}
        nextTitle={steps[step.number]?.meta.title}
        report={report}
        checking={state.checking}
        snapshot={state.snapshot}
        nodeName={state.snapshot?.nodeName ?? env.nodeName}
        pane={pane}
        hint={hintText}
        message={pending?.question}
        keys={stepKeys({ applying, first: step.number === 1, last: step.number === steps.length, logOpen })}
        columns={columns}
        rows={rows}
      />
    </Box>
  );
}
