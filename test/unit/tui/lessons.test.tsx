/**
 * Every real lesson as the walkthrough shows it (issue 12): at 80x24 and 120x40 no line is wider than
 * the pane, no markdown marker shows outside code, and every command comes back whole from what is on
 * screen once the continuation marks are undone.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import stringWidth from 'string-width';
import { lessonCommands } from '../../../src/content/lessonBlocks.ts';
import { labEnv } from '../../../src/core/context.ts';
import { renderLesson } from '../../../src/engine/lesson.ts';
import { labSteps } from '../../../src/engine/steps.ts';
import type { MachineFacts } from '../../../src/core/template.ts';
import { App } from '../../../src/tui/App.tsx';
import { layoutLesson, unwrapCode } from '../../../src/tui/markdown.ts';
import { WalkthroughStore } from '../../../src/tui/store.ts';
import { fakeEngine, settle } from './fakeEngine.ts';
import { FakeScheduler } from './fakeScheduler.ts';
import { cleanupSized, renderSized } from './sized.ts';

const steps = labSteps();
// Swap on: step 1's kubelet line is then at its longest (--fail-swap-on=false).
const machine: MachineFacts = { nodeIp: '172.17.0.1', cgroupDriver: 'systemd', swapOn: true };
const envs = [labEnv(), labEnv({ repoRoot: '/home/a-student-with-a-long-name/src/github.com/someone/mvk-lab' })];
/** Terminal sizes and the lesson pane's width in them (the walkthrough leaves the last column empty). */
const sizes = [
  { columns: 80, rows: 24, pane: 79, screenSteps: steps },
  // Every lesson's layout is checked at 119 columns above; on screen two suffice (and keep test:unit fast).
  { columns: 120, rows: 40, pane: 119, screenSteps: [steps[0]!, steps.at(-1)!] },
];

const ansi = /\x1b\[[0-9;]*m/g;
const plain = (line: string) => line.replace(ansi, '');
/** Prose with inline code (yellow) taken out: what is left must carry no markdown markers. */
const prose = (line: string) => plain(line.replace(/\x1b\[33m[^\x1b]*\x1b\[39m/g, ''));
const rawMarkdown = /\*\*|__|`|\]\(|^#{1,6} |^\s*[-*+] |(^|[\s(])[*_][^\s*_][^*_]*[*_]($|[\s.,;:)])/;

describe('every lesson in the walkthrough', () => {
  afterEach(cleanupSized);

  for (const { pane } of sizes) {
    it(`lays out within ${pane} columns, styled, with every command whole`, () => {
      for (const env of envs) {
        for (const step of steps) {
          const markdown = renderLesson(env, step, machine);
          const layout = layoutLesson(markdown, pane, { color: true });
          const where = `step ${step.number} at ${pane} columns`;
          const code = new Set(
            layout.blocks.flatMap((block) => Array.from({ length: block.end - block.start }, (_, i) => block.start + i)),
          );
          layout.lines.forEach((line, index) => {
            assert.ok(
              stringWidth(plain(line)) <= pane,
              `${where}: line ${index + 1} is ${stringWidth(plain(line))} columns:\n${plain(line)}`,
            );
            if (!code.has(index))
              assert.doesNotMatch(prose(line), rawMarkdown, `${where}: raw markdown on line ${index + 1}:\n${plain(line)}`);
          });
          for (const block of layout.blocks) {
            const rows = layout.lines
              .slice(block.start, block.end)
              .map((line, i) => plain(line).slice(plain(block.prefixes[i]!).length + 2));
            assert.equal(unwrapCode(rows), block.text, `${where}: a block does not come back from its rows:\n${rows.join('\n')}`);
          }
          assert.deepEqual(
            layout.blocks.filter((block) => block.command).map((block) => block.text),
            lessonCommands(markdown).map((command) => command.script),
            `${where}: every command of the lesson is a command block`,
          );
        }
      }
    });
  }

  for (const { columns, rows, pane, screenSteps } of sizes) {
    it(
      `shows ${screenSteps.length === steps.length ? 'each lesson' : `lessons ${screenSteps.map((s) => s.number).join(' and ')}`} ` +
        `on a ${columns}x${rows} screen line for line, within the screen, in reading mode`,
      async () => {
        const fake = fakeEngine();
        const store = new WalkthroughStore(
          fake.engine,
          { pollMs: 60_000, debounceMs: 0, unrelatedEventCheckMs: 30_000 },
          new FakeScheduler(),
        );
        await store.start();
        const markdown = (n: number) => renderLesson(fake.engine.env, steps[n - 1]!, machine);
        const app = renderSized(<App store={store} lessonMarkdown={markdown} isRoot clipboard={() => undefined} />, columns, rows);
        await settle();
        app.stdin.write('\r');
        await settle();
        app.stdin.write('v');
        await settle();
        for (const step of screenSteps) {
          store.open('step', step.number);
          await settle();
          const expected = layoutLesson(markdown(step.number), pane, { color: true }).lines.map((line) => plain(line).trimEnd());
          const seen: string[] = [];
          for (let page = 0; page < 100; page++) {
            const frame = plain(app.lastFrame()!);
            const lines = frame.split('\n');
            for (const line of lines)
              assert.ok(stringWidth(line) <= columns - 1, `step ${step.number}: a screen line is ${stringWidth(line)} columns:\n${frame}`);
            // Reading mode: header, the lesson, the footer. The header says which lines are shown.
            const position = /(\d+)-(\d+)\/(\d+)$/.exec(lines[0]!);
            const [from, to, total] = position ? position.slice(1).map(Number) : [1, expected.length, expected.length];
            assert.ok(rows - 3 >= to! - from! + 1, `step ${step.number}: the lesson has the screen but its header and footer`);
            // The block the copy key takes has a mark in its gutter (› without colour): the rest is the lesson's text.
            lines.slice(1, 1 + to! - from! + 1).forEach((line, i) => (seen[from! - 1 + i] = line.replace(/^( *)› /, '$1  ').trimEnd()));
            if (to === total) break;
            app.stdin.write('\x1b[6~'); // Page Down
            await settle();
          }
          assert.deepEqual(seen, expected, `step ${step.number}: what the screen showed is not the lesson`);
        }
        store.stop();
      },
    );
  }
});
