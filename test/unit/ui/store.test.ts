import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { emptyProgress } from '../../../src/progress.ts';
import { WalkthroughStore } from '../../../src/ui/store.ts';
import { fakeEngine, settle } from './fakeEngine.ts';

// Long poll and no debounce: the tests drive every check themselves.
const timing = { pollMs: 60_000, debounceMs: 0, unrelatedEventCheckMs: 30_000 };

describe('WalkthroughStore', () => {
  it('checks every step once at start and resumes where saved progress says', async () => {
    const { engine, checked } = fakeEngine({ passing: new Set([1, 2]), progress: { ...emptyProgress(), passed: { 1: 't', 2: 't' }, current: 3 } });
    const store = new WalkthroughStore(engine, timing);
    assert.equal(store.getState().viewing, 3);
    assert.equal(store.getState().firstVisit, false);
    await store.start();
    store.stop();
    assert.deepEqual(checked, [1, 2, 3, 4, 5, 6]);
    assert.equal(store.getState().reports[2]?.passed, true);
    assert.equal(store.getState().surveyed, true);
  });

  it('saves the step the student is looking at, so a relaunch resumes there', async () => {
    const { engine, saved } = fakeEngine();
    const store = new WalkthroughStore(engine, timing);
    await store.start();
    store.open('step', 2);
    await settle();
    store.stop();
    assert.equal(saved.at(-1)?.current, 2);
    assert.equal(new WalkthroughStore(engine, timing).getState().viewing, 2);
  });

  it('records a pass when the viewed step starts to pass, and keeps the student on it', async () => {
    const { engine, saved, passing } = fakeEngine();
    const store = new WalkthroughStore(engine, timing);
    await store.start();
    store.open('step', 1);
    await settle();
    passing.add(1);
    await store.checkNow();
    store.stop();
    assert.ok(saved.at(-1)?.passed['1']);
    assert.equal(saved.at(-1)?.current, 1);
    assert.equal(store.getState().reports[1]?.passed, true);
  });

  it('runs apply through the engine, showing its lines, then re-checks', async () => {
    const { engine, applied } = fakeEngine();
    const store = new WalkthroughStore(engine, timing);
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
    const { LabError } = await import('../../../src/errors.ts');
    engine.apply = async () => {
      throw new LabError('kubelet exited right after starting', 'read .lab/kubelet.log');
    };
    const store = new WalkthroughStore(engine, timing);
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
    const store = new WalkthroughStore(engine, timing);
    await store.start();
    store.open('step', 2);
    await settle();
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
    try {
      const before = checked.length;
      const snapshotsBefore = snapshots;
      store.containerEvent('hello-mvk-node');
      mock.timers.tick(1);
      await settle();
      assert.equal(checked.length, before, 'hello is not a pod step 2 looks at');
      assert.equal(snapshots, snapshotsBefore + 1, 'the map is redrawn');
      store.containerEvent('etcd-mvk-node');
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(checked.slice(before), [2], 'etcd is step 2\'s pod');
      mock.timers.tick(30_000);
      store.containerEvent('hello-mvk-node');
      mock.timers.tick(1);
      await settle();
      assert.deepEqual(checked.slice(before), [2, 2], 'after 30 s an unrelated event re-checks too');
    } finally {
      store.stop();
      mock.timers.reset();
    }
  });
});
