import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../../src/tui/App.tsx';
import { WalkthroughStore } from '../../../src/tui/store.ts';
import { fakeEngine, settle, STEP_NUMBERS } from './fakeEngine.ts';
import { FakeScheduler } from './fakeScheduler.ts';

// The store's timers never fire on their own here: a fake clock that nothing moves.
const timing = { pollMs: 60_000, debounceMs: 0, unrelatedEventCheckMs: 30_000 };

async function started(passing: number[] = []) {
  const fake = fakeEngine({ passing: new Set(passing) });
  const store = new WalkthroughStore(fake.engine, timing, new FakeScheduler());
  await store.start();
  const app = render(<App store={store} lessonMarkdown={(n) => `# Lesson ${n}\n\nRead this.`} isRoot />);
  await settle();
  return { ...fake, store, app };
}

describe('App', () => {
  afterEach(cleanup);

  it('goes from the welcome screen to the step with Enter', async () => {
    const { app, store } = await started();
    assert.match(app.lastFrame()!, /Press Enter to start/);
    app.stdin.write('\r');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, new RegExp(`Step 1/${STEP_NUMBERS.length}`));
    assert.match(app.lastFrame()!, /Lesson 1/);
    assert.match(app.lastFrame()!, /a apply/);
  });

  it('asks before moving past a failing step, and moves on y', async () => {
    const { app, store } = await started();
    app.stdin.write('\r');
    await settle();
    app.stdin.write('n');
    await settle();
    assert.match(app.lastFrame()!, /Step 1 does not pass yet\. Move on to step 2 anyway\? \(y\/n\)/);
    app.stdin.write('y');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, new RegExp(`Step 2/${STEP_NUMBERS.length}`));
  });

  it('shows hints one at a time', async () => {
    const { app, store, engine } = await started();
    app.stdin.write('\r');
    await settle();
    app.stdin.write('h');
    await settle();
    store.stop();
    assert.ok(app.lastFrame()!.replace(/\s+/g, ' ').includes(`Hint 1/3: ${engine.steps[0]!.meta.hints[0]}`));
  });

  it('applies with a, then shows what the step taught', async () => {
    const { app, store, applied } = await started();
    app.stdin.write('\r');
    await settle();
    app.stdin.write('a');
    await settle(20);
    store.stop();
    assert.deepEqual(applied, [1]);
    assert.match(app.lastFrame()!, /✔ Step 1 passes\. What you learned/);
    assert.match(app.lastFrame()!, /Press n for step 2/);
  });

  it('opens the kubelet log with l', async () => {
    const { app, store } = await started();
    app.stdin.write('\r');
    await settle();
    app.stdin.write('l');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, /kubelet log \(\.lab\/kubelet\.log\)/);
    assert.match(app.lastFrame()!, /I1122 kubelet line/);
  });

  it('reaches the final screen past a passing last step', async () => {
    const { app, store } = await started(STEP_NUMBERS);
    store.open('step', STEP_NUMBERS.length);
    await settle();
    app.stdin.write('n');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, /You built a working Kubernetes node by hand/);
  });
});

describe('App: reading mode and the copy key (issue 12)', () => {
  afterEach(cleanup);

  const lesson = (n: number) =>
    [
      `# Lesson ${n}`,
      '',
      ...Array.from({ length: 30 }, (_, i) => `Paragraph ${i}.\n`),
      'Run this:',
      '',
      '```sh lab-run',
      'echo one \\',
      '  two',
      '```',
      '',
      'Then this:',
      '',
      '```sh lab-run',
      'echo three',
      '```',
      '',
      '```text lab-expect',
      'three',
      '```',
    ].join('\n');

  async function onStep(options: { clipboard?: (sequence: string) => void } = {}) {
    const fake = fakeEngine();
    const store = new WalkthroughStore(fake.engine, timing, new FakeScheduler());
    await store.start();
    const app = render(<App store={store} lessonMarkdown={lesson} isRoot clipboard={options.clipboard ?? (() => undefined)} />);
    await settle();
    app.stdin.write('\r');
    await settle();
    return { app, store };
  }

  it('v gives the lesson the checklist and map rows, and v again brings them back', async () => {
    const { app, store } = await onStep();
    const normal = app.lastFrame()!;
    assert.match(normal, /Checks \d+\/\d+/);
    assert.match(normal, /v read/);
    app.stdin.write('v');
    await settle();
    const reading = app.lastFrame()!;
    assert.doesNotMatch(reading, /Checks \d+\/\d+/);
    assert.match(reading, /v checks/);
    assert.match(reading, /Tab next command/);
    const shown = (frame: string) => frame.split('\n').filter((line) => /^Paragraph \d+\.$/.test(line)).length;
    assert.ok(shown(reading) >= shown(normal) + 4, `reading mode shows more of the lesson:\n${normal}\n${reading}`);
    app.stdin.write('v');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, /Checks \d+\/\d+/);
  });

  it('c copies the command in view with OSC 52 and says how else to get it; Tab moves to the next command', async () => {
    const sent: string[] = [];
    const { app, store } = await onStep({ clipboard: (sequence) => sent.push(sequence) });
    app.stdin.write('c');
    await settle();
    assert.match(app.lastFrame()!, /no command in view: scroll to one \(Tab jumps to the next\)/);
    assert.equal(sent.length, 0);
    app.stdin.write('\t');
    await settle();
    assert.match(app.lastFrame()!, /› echo one \\/, 'the block c takes is marked');
    app.stdin.write('c');
    await settle();
    const decoded = (sequence: string) => Buffer.from(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/.exec(sequence)![1]!, 'base64').toString('utf8');
    assert.equal(sent.length, 1);
    assert.equal(decoded(sent[0]!), 'echo one \\\n  two');
    assert.match(app.lastFrame()!, /copied 2 lines \(OSC 52; if your terminal ignores it, use `npx lab show 1`\)/);
    app.stdin.write('\t');
    await settle();
    app.stdin.write('c');
    await settle();
    store.stop();
    assert.equal(decoded(sent[1]!), 'echo three', 'Tab moved to the next command (the expected output is no command)');
    assert.match(app.lastFrame()!, /copied 1 line \(/);
  });

  it('c right after Tab copies the command Tab marked, even before React runs its effects', async () => {
    // A terminal under load hands the app keys back to back; each must see the state the key before
    // it left (in CI, c once copied the command before the one Tab had just marked).
    const sent: string[] = [];
    const { app, store } = await onStep({ clipboard: (sequence) => sent.push(sequence) });
    // Four reads of the terminal, one after the other: React renders none of them before the last.
    for (const key of ['\t', 'c', '\t', 'c']) app.stdin.write(key);
    await settle();
    store.stop();
    const decoded = (sequence: string) => Buffer.from(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/.exec(sequence)![1]!, 'base64').toString('utf8');
    assert.deepEqual(sent.map(decoded), ['echo one \\\n  two', 'echo three']);
  });

  it('the hint box grows to fit a long hint', async () => {
    const { app, store, engine } = await (async () => {
      const fake = fakeEngine();
      fake.engine.steps[0]!.meta.hints[0] = `${'a long hint '.repeat(20)}END`;
      const s = new WalkthroughStore(fake.engine, timing, new FakeScheduler());
      await s.start();
      const a = render(<App store={s} lessonMarkdown={lesson} isRoot />);
      await settle();
      a.stdin.write('\r');
      await settle();
      return { app: a, store: s, engine: fake.engine };
    })();
    app.stdin.write('h');
    await settle();
    store.stop();
    assert.ok(engine.steps[0]);
    assert.match(app.lastFrame()!, /END/, 'the end of the hint shows');
  });
});
