import { Box, useApp } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { FinalScreen } from './components/FinalScreen.tsx';
import { stepKeys, type KeyHelp } from './components/Footer.tsx';
import { Footer } from './components/Footer.tsx';
import { maxOffset } from './components/LessonPane.tsx';
import { bottomHeight, mainPaneHeight, StepView, type MainPane, type StepInfo } from './components/StepView.tsx';
import { maxDetailsOffset, Preflight } from './components/MachineCheck.tsx';
import { Welcome, type StepLine } from './components/Welcome.tsx';
import { terminalClipboard, osc52, type ClipboardWriter } from './clipboard.ts';
import { useKeys } from './useKeys.ts';
import { copyMarker, layoutLesson, lessonColor, markBlock, type CodeBlock } from './markdown.ts';
import type { WalkthroughStore } from './store.ts';
import { useTheme } from './theme.tsx';
import { useTerminalSize, useWalkthrough } from './useWalkthrough.ts';
import { watchKubeletLog } from './watchers.ts';

export interface AppProps {
  store: WalkthroughStore;
  /** The lesson of a step as markdown, placeholders already filled in for this machine. */
  lessonMarkdown: (step: number) => string;
  isRoot: boolean;
  /** Where the copy key's OSC 52 sequence goes: the terminal, or a test's recorder. */
  clipboard?: ClipboardWriter;
}

type Pending = { question: string; onYes: () => void };

const LOG_LINES = 200;

/** Whether any line of `block` is in the window of `height` lines from `offset`. */
const inView = (block: CodeBlock, offset: number, height: number) => block.end > offset && block.start < offset + height;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function App({ store, lessonMarkdown, isRoot, clipboard = terminalClipboard }: AppProps) {
  const state = useWalkthrough(store);
  const theme = useTheme();
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
  const [reading, setReading] = useState(false);
  const [notice, setNotice] = useState<string>();
  /** The command block the student moved to with Tab (an index into layout.blocks), while it is in view. */
  const [chosen, setChosen] = useState<number>();

  const color = lessonColor(theme.color);
  const layout = useMemo(
    () => layoutLesson(lessonMarkdown(step.number), columns, { color }),
    [step.number, columns, lessonMarkdown, color],
  );
  const lines = layout.lines;
  const commands = useMemo(() => layout.blocks.flatMap((block, index) => (block.command ? [index] : [])), [layout]);

  // A new step starts at the top of its lesson with no hints shown.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the step shown changing is what resets the view
  useEffect(() => {
    setOffset(0);
    setHintLevel(0);
    setLessonWanted(false);
    setChosen(undefined);
    setNotice(undefined);
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
  const info: StepInfo = {
    number: step.number,
    title: step.meta.title,
    files: step.meta.files,
    probes: step.meta.probes.map((p) => ({ id: p.id, title: p.title })),
    learned: step.meta.learned,
  };
  const hintText = hintLevel > 0 ? `**Hint ${hintLevel}/${step.meta.hints.length}:** ${step.meta.hints[hintLevel - 1]}` : undefined;
  const bottom = bottomHeight(reading, info.probes, report, state.snapshot, step.number, rows);
  const paneHeight = mainPaneHeight({ rows, columns, hint: hintText, message: pending?.question, notice, reading }, bottom);
  // The pane grows in reading mode and shrinks under a long hint: the window stays inside the lesson.
  const lessonOffset = Math.min(offset, maxOffset(lines.length, paneHeight));
  const lessonShown =
    !logOpen &&
    !(state.apply && state.apply.step === step.number && (state.apply.running || state.apply.error)) &&
    (lessonWanted || !report?.passed);
  // What the copy key takes: the block the student moved to with Tab while it is in view, else the
  // first command in view. Its gutter carries the mark.
  const marked = !lessonShown
    ? undefined
    : chosen !== undefined && inView(layout.blocks[chosen]!, lessonOffset, paneHeight)
      ? chosen
      : commands.find((index) => inView(layout.blocks[index]!, lessonOffset, paneHeight));
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
  const markedLines = useMemo(() => markBlock(layout, marked, copyMarker(color)), [layout, marked, color]);

  const showLesson = () => {
    setLessonWanted(true);
    setLogOpen(false);
    store.dismissApply();
  };
  const scroll = (by: number) => {
    showLesson();
    setOffset(Math.min(maxOffset(lines.length, paneHeight), Math.max(0, lessonOffset + by)));
  };
  /** Tab: the next (or previous) command block, scrolled into view with a line of what leads to it. */
  const nextCommand = (direction: 1 | -1) => {
    showLesson();
    if (commands.length === 0) {
      setNotice('this step has no commands to copy');
      return;
    }
    const at = marked === undefined ? -1 : commands.indexOf(marked);
    const after = commands.findIndex((index) => layout.blocks[index]!.start >= lessonOffset + paneHeight);
    const from = at >= 0 ? at + direction : direction === 1 ? Math.max(after, 0) : (after >= 0 ? after : commands.length) - 1;
    const target = commands[(from + commands.length) % commands.length]!;
    const block = layout.blocks[target]!;
    setChosen(target);
    if (!inView(block, lessonOffset, paneHeight) || block.end > lessonOffset + paneHeight) {
      setOffset(Math.min(maxOffset(lines.length, paneHeight), Math.max(0, block.start - 1)));
    }
  };
  const copy = () => {
    const block = marked === undefined ? undefined : layout.blocks[marked];
    if (!block) {
      setNotice(
        lessonShown ? 'no command in view: scroll to one (Tab jumps to the next)' : 'c copies a command of the lesson: v or ↑↓ shows it',
      );
      return;
    }
    clipboard(osc52(block.text));
    const count = block.text.split('\n').length;
    setNotice(`copied ${plural(count, 'line')} (OSC 52; if your terminal ignores it, use \`npx lab show ${step.number}\`)`);
  };

  useKeys((input, key) => {
    setNotice(undefined);
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
      // Apply's progress and the checks it turns green are what to watch now.
      setReading(false);
      setLogOpen(false);
      setLessonWanted(false);
      void store.apply();
    } else if (input === 'h') setHintLevel((level) => Math.min(step.meta.hints.length, level + 1));
    else if (input === 'l') {
      setReading(false);
      setLogOpen((open) => !open);
    } else if (input === 'r') {
      setReading(false);
      void store.checkNow({ visible: true });
    } else if (input === 'v') {
      if (!reading) showLesson();
      setReading(!reading);
    } else if (input === 'c') copy();
    else if (key.tab) nextCommand(key.shift ? -1 : 1);
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
    const machine =
      state.preflight?.phase === 'done'
        ? {
            fails: state.preflight.results.filter((r) => r.status === 'fail').length,
            warns: state.preflight.results.filter((r) => r.status === 'warn').length,
          }
        : undefined;
    return (
      <Box flexDirection="column" height={height} width={columns}>
        <Box flexGrow={1} overflow="hidden">
          <Welcome
            steps={stepLines}
            resumeStep={state.viewing}
            firstVisit={state.firstVisit}
            isRoot={isRoot}
            checking={!state.surveyed}
            width={columns}
            machine={machine}
            // Ink keeps the terminal's last row free and the footer takes one more.
            height={rows - 2}
          />
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
          <FinalScreen
            steps={stepLines}
            finale={steps.at(-1)!.meta.finale!}
            snapshot={state.snapshot}
            nodeName={state.snapshot?.nodeName ?? env.nodeName}
            width={columns}
          />
        </Box>
        <Footer keys={keys} />
      </Box>
    );
  }

  let pane: MainPane = { kind: 'lesson', lines: markedLines, offset: lessonOffset };
  if (logOpen) pane = { kind: 'log', lines: logLines };
  else if (state.apply && state.apply.step === step.number && (state.apply.running || state.apply.error))
    pane = { kind: 'apply', apply: state.apply };
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
        notice={notice}
        reading={reading}
        keys={stepKeys({ applying, first: step.number === 1, last: step.number === steps.length, logOpen, reading })}
        columns={columns}
        rows={rows}
      />
    </Box>
  );
}
