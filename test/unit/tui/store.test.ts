import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyProgress } from '../../../src/engine/stepProgress.ts';
import { realScheduler, WalkthroughStore } from '../../../src/tui/store.ts';
import { fakeEngine, flush, settle, STEP_NUMBERS } from './fakeEngine.ts';
import { FakeScheduler } from './fakeScheduler.ts';

// Long poll and no debounce: the tests drive every check themselves, on a clock they move by hand.
const timing = { pollMs: 60_000, debounceMs: 0, unrelatedEventCheckMs: 30_000 };

function storeOf(engine: ReturnType<typeof fakeEngine>['engine']) {
  const scheduler = new FakeScheduler();
  return { store: new WalkthroughStore(engine, timing, scheduler), scheduler };
}

const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('WalkthroughStore', () => {
  it('checks every step once at start and resumes where saved progress says', async () => {
    const { engine, checked } = fakeEngine({
      passing: new Set([1, 2]),
      progress: { ...emptyProgress(), passed: { 1: 't', 2: 't' }, current: 3 },
    });
    const { store } = storeOf(engine);
    assert.equal(store.getState().viewing, 3);
    assert.equal(store.getState().firstVisit, false);
    await store.start();
    store.stop();
    assert.deepEqual(checked, STEP_NUMBERS);
    assert.equal(store.getState().reports[2]?.passed, true);
    assert.equal(store.getState().surveyed, true);
  });

  it('saves the step the student is looking at, so a relaunch resumes there', async () => {
    const { engine, saved } = fakeEngine();
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 2);
    await flush(scheduler);
    store.stop();
    assert.equal(saved.at(-1)?.current, 2);
    assert.equal(storeOf(engine).store.getState().viewing, 2);
  });

  it('records a pass when the viewed step starts to pass, and keeps the student on it', async () => {
    const { engine, saved, passing } = fakeEngine();
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 1);
    await flush(scheduler);
    passing.add(1);
    await store.checkNow();
    store.stop();
    assert.ok(saved.at(-1)?.passed['1']);
    assert.equal(saved.at(-1)?.current, 1);
    assert.equal(store.getState().reports[1]?.passed, true);
  });

  it('runs apply through the engine, showing its lines, then re-checks', async () => {
    const { engine, applied } = fakeEngine();
    const { store } = storeOf(engine);
    await store.start();
    store.open('step', 1);
    await store.apply();
    store.stop();
    assert.deepEqual(applied, [1]);
    assert.deepEqual(store.getState().apply?.lines, ['step 1: doing it']);
    assert.equal(store.getState().apply?.running, false);
    assert.equal(store.getState().reports[1]?.passed, true);
  });

  it('shows a typed error from apply with its hint', async () => {
    const { engine } = fakeEngine();
    const { LabError } = await import('../../../src/core/errors.ts');
    engine.apply = async () => {
      throw new LabError('kubelet exited right after starting', 'read .lab/kubelet.log');
    };
    const { store } = storeOf(engine);
    await store.start();
    store.open('step', 1);
    await store.apply();
    store.stop();
    assert.deepEqual(store.getState().apply?.error, { message: 'kubelet exited right after starting', hint: 'read .lab/kubelet.log' });
  });

  it('re-checks the step at once for its own pods, and only redraws the map for other pods', async () => {
    const { engine, checked } = fakeEngine();
    let snapshots = 0;
    const snapshot = engine.snapshot;
    engine.snapshot = () => {
      snapshots++;
      return snapshot();
    };
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 2);
    await flush(scheduler);
    try {
      const before = checked.length;
      const snapshotsBefore = snapshots;
      store.containerEvent('hello-mvk-node');
      await flush(scheduler);
      assert.equal(checked.length, before, 'hello is not a pod step 2 looks at');
      assert.equal(snapshots, snapshotsBefore + 1, 'the map is redrawn');
      store.containerEvent('etcd-mvk-node');
      await flush(scheduler);
      assert.deepEqual(checked.slice(before), [2], "etcd is step 2's pod");
      scheduler.tick(30_000);
      await settle();
      assert.deepEqual(checked.slice(before), [2], 'no poll yet (60 s)');
      store.containerEvent('hello-mvk-node');
      await flush(scheduler);
      assert.deepEqual(checked.slice(before), [2, 2], 'after 30 s an unrelated event re-checks too');
    } finally {
      store.stop();
    }
  });

  it('polls a failing step that waits on state nothing pushes, and stops polling once it passes', async () => {
    const { engine, checked, passing } = fakeEngine();
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 3);
    await flush(scheduler);
    const before = checked.length;
    assert.deepEqual(scheduler.pending(), [60_000], 'one poll is pending');
    scheduler.tick(60_000);
    await settle();
    assert.deepEqual(checked.slice(before), [3], 'the poll re-checked the step');
    passing.add(3);
    scheduler.tick(60_000);
    await settle();
    assert.deepEqual(checked.slice(before), [3, 3]);
    assert.deepEqual(scheduler.pending(), [], 'a passing step is not polled');
    store.stop();
  });

  it('stretches polls that change nothing (×1.5 up to maxPollMs), and polls briskly again after an event or a change', async () => {
    const { engine, checked } = fakeEngine();
    const scheduler = new FakeScheduler();
    let seen = 'y';
    const changing = {
      ...engine,
      async check(step: Parameters<typeof engine.check>[0]) {
        const report = await engine.check(step);
        return { ...report, results: report.results.map((r) => ({ ...r, seen })) };
      },
    };
    const store = new WalkthroughStore(changing, { ...timing, maxPollMs: 120_000 }, scheduler);
    await store.start();
    store.open('step', 3);
    await flush(scheduler);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(scheduler.pending()[0]!);
      scheduler.tick(delays.at(-1));
      await settle();
    }
    assert.deepEqual(delays, [60_000, 90_000, 120_000, 120_000], 'nothing changed: each poll waits longer, up to the cap');
    store.requestCheck(); // a file in pods/ changed
    await flush(scheduler);
    assert.deepEqual(scheduler.pending(), [60_000], 'an event re-checks and brings the poll back to pollMs');
    scheduler.tick(60_000);
    await settle();
    assert.deepEqual(scheduler.pending(), [90_000]);
    seen = 'something new';
    scheduler.tick(90_000);
    await settle();
    assert.deepEqual(scheduler.pending(), [60_000], 'a poll that changed the checklist keeps the next one brisk');
    assert.ok(checked.length > 0);
    store.stop();
  });

  it('leaves no timer behind when stopped, and does nothing afterwards', async () => {
    const { engine, checked, saved } = fakeEngine();
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 1);
    await flush(scheduler);
    store.containerEvent('etcd-mvk-node');
    store.requestCheck(5000);
    assert.notDeepEqual(scheduler.pending(), []);
    store.stop();
    assert.deepEqual(scheduler.pending(), [], 'stop cancels every timer');
    const checks = checked.length;
    const saves = saved.length;
    await store.checkNow();
    store.requestCheck(0);
    store.containerEvent('hello-mvk-node');
    scheduler.tick(120_000);
    await settle();
    assert.equal(checked.length, checks, 'no check after stop');
    assert.equal(saved.length, saves, 'no progress saved after stop');
    assert.deepEqual(scheduler.pending(), []);
  });

  it('drops the answer of a check still running when it is stopped', async () => {
    const { engine, saved, passing } = fakeEngine();
    const { store, scheduler } = storeOf(engine);
    await store.start();
    store.open('step', 1);
    await flush(scheduler);
    const saves = saved.length;
    passing.add(1);
    const check = engine.check;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    engine.check = async (step) => {
      await gate;
      return check(step);
    };
    const running = store.checkNow();
    store.stop();
    release();
    await running;
    assert.equal(saved.length, saves, 'the pass found after stop is not recorded');
    assert.equal(store.getState().reports[1]?.passed, false);
    assert.deepEqual(scheduler.pending(), []);
  });

  it('with the real timers, stop cancels them all, so nothing keeps the process alive', async () => {
    const { engine } = fakeEngine();
    const before = activeTimers();
    const store = new WalkthroughStore(engine, timing, realScheduler);
    await store.start();
    store.open('step', 1);
    store.containerEvent('etcd-mvk-node');
    store.requestCheck(60_000);
    assert.ok(activeTimers() > before, 'the store set real timers');
    store.stop();
    assert.equal(activeTimers(), before, 'none is left after stop');
  });
});
