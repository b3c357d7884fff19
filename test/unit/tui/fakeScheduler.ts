import type { Scheduler, TimerHandle } from '../../../src/tui/store.ts';

interface FakeTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock the test moves by hand: timers run only inside `tick`, in the order they fall due, and no
 * real timer is ever set, so nothing fires behind the test's back or keeps the process alive.
 */
export class FakeScheduler implements Scheduler {
  private nowMs: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.nowMs = start;
  }

  setTimeout = (callback: () => void, ms: number): TimerHandle => {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.nowMs + Math.max(0, ms), callback });
    return id;
  };

  clearTimeout = (handle: TimerHandle): void => {
    if (typeof handle === 'number') this.timers.delete(handle);
  };

  now = (): number => this.nowMs;

  /** The delays of the timers still pending, from now, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((timer) => timer.at - this.nowMs).sort((a, b) => a - b);
  }

  /**
   * Moves the clock on by `ms`, running every timer that falls due on the way (those set by a callback
   * included) at its own time. `tick()` runs what is due now.
   */
  tick(ms = 0): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers.delete(due.id);
      this.nowMs = Math.max(this.nowMs, due.at);
      due.callback();
    }
    this.nowMs = end;
  }
}
