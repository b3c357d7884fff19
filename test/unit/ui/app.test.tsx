import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { App } from '../../../src/ui/App.tsx';
import { WalkthroughStore } from '../../../src/ui/store.ts';
import { fakeEngine, settle } from './fakeEngine.ts';
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
    assert.match(app.lastFrame()!, /Step 1\/6/);
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
    assert.match(app.lastFrame()!, /Step 2\/6/);
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
    const { app, store } = await started([1, 2, 3, 4, 5, 6]);
    store.open('step', 6);
    await settle();
    app.stdin.write('n');
    await settle();
    store.stop();
    assert.match(app.lastFrame()!, /You built a working Kubernetes node by hand/);
  });
});
