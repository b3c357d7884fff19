import { failureOf, type Failure } from '../core/errors.ts';
import { recordResult, type Progress } from '../engine/stepProgress.ts';
import type { StepReport } from '../engine/runner.ts';
import type { ClusterSnapshot } from '../engine/snapshot.ts';
import type { WalkthroughEngine } from './engine.ts';
import { needsPolling } from './polling.ts';
import { podsWatchedBy } from './containerEvents.ts';
import { templateVars } from '../engine/templateVars.ts';
import { withLiveNode } from '../engine/labNode.ts';
import type { LayerProgress } from '../engine/images/layerProgress.ts';
import { prepareMachine, withLayer, type LayerLine, type PreflightState } from './machineCheck.ts';

export type Screen = 'preflight' | 'welcome' | 'step' | 'final';

export interface ApplyState {
  step: number;
  running: boolean;
  lines: string[];
  /** The image apply is pulling, layer by layer. */
  pull?: { image: string; layers: LayerLine[] };
  error?: Failure;
}

/** What the walkthrough shows, all of it observed from the engine; the UI only renders this. */
export interface WalkthroughState {
  screen: Screen;
  viewing: number;
  reports: Record<number, StepReport | undefined>;
  checking: boolean;
  /** False until every step was checked once at start (the welcome screen's marks). */
  surveyed: boolean;
  snapshot?: ClusterSnapshot;
  apply?: ApplyState;
  progress: Progress;
  /** Where saved progress said the student was when the walkthrough started. */
  resumeStep: number;
  firstVisit: boolean;
  /** The machine check and fetches of the first screen; absent when the engine has no MachinePrep. */
  preflight?: PreflightState;
  /** The machine check is running (first time, or again after `r`). */
  preparing: boolean;
}

export interface StoreTiming {
  /** Re-check interval while the current step does not pass: for HTTP/API state that pushes no event. */
  pollMs: number;
  /**
   * A poll that changes nothing on screen stretches the next one (×1.5) up to this; any change, event or
   * key brings it back to `pollMs`. A student who leaves the step waiting costs little CPU (each check of
   * a failing step diagnoses it: kubelet's flags, Docker, /proc/net/tcp for the ports), and one who
   * starts the missing piece sees it within this. Absent: no stretching.
   */
  maxPollMs?: number;
  /** Events arrive in bursts (a pod start is several Docker events); wait this long and check once. */
  debounceMs: number;
  /**
   * A container event of a pod the current step does not look at (hello restarting while the student
   * is on step 2) redraws the map at once but re-runs the step's probes at most this often.
   */
  unrelatedEventCheckMs: number;
}

const defaultTiming: StoreTiming = { pollMs: 3000, maxPollMs: 10_000, debounceMs: 300, unrelatedEventCheckMs: 30_000 };
const POLL_STRETCH = 1.5;

/** A pending timer of a `Scheduler`; only the scheduler that made it knows what it is. */
export type TimerHandle = unknown;

/**
 * The store's clock: every timer it sets goes through here, so tests hand in one they advance by hand
 * (and `stop` leaves nothing behind). The walkthrough uses the real timers.
 */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  now(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  now: () => Date.now(),
};

/** A background check shows its spinner only when it takes longer than this; quick ones draw nothing. */
const SHOW_CHECKING_AFTER_MS = 500;

/** What the student sees of a report; timings differ on every run and must not cause a redraw. */
const visibleReport = (report: StepReport | undefined) =>
  report && JSON.stringify([report.passed, report.results.map((r) => [r.id, r.status, r.expected, r.seen, r.cause, r.hint, r.diagnosis])]);
const APPLY_LINES_KEPT = 40;

export class WalkthroughStore {
  private state: WalkthroughState;
  private listeners = new Set<() => void>();
  private running = false;
  private again = false;
  /** The next check (debounced event or poll). */
  private timer?: TimerHandle;
  /** The next redraw of the map alone (an event of a pod the step does not look at). */
  private snapshotTimer?: TimerHandle;
  /** Every timer set and not yet run or cancelled, so that `stop` cancels them all. */
  private readonly pending = new Set<TimerHandle>();
  private lastCheckAt = 0;
  private stopped = false;
  /** The next poll's delay: `timing.pollMs`, stretched while polls change nothing. */
  private pollDelay: number;

  constructor(
    readonly engine: WalkthroughEngine,
    private readonly timing: StoreTiming = defaultTiming,
    private readonly scheduler: Scheduler = realScheduler,
  ) {
    this.pollDelay = timing.pollMs;
    const progress = engine.loadProgress();
    const resumeStep = Math.min(Math.max(1, progress.current), engine.steps.length);
    this.state = {
      screen: engine.prep ? 'preflight' : 'welcome',
      viewing: resumeStep,
      reports: {},
      checking: false,
      surveyed: false,
      progress,
      resumeStep,
      firstVisit: resumeStep === 1 && Object.keys(progress.passed).length === 0,
      preparing: false,
    };
  }

  getState = (): WalkthroughState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<WalkthroughState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /**
   * Checks the machine and fetches what it lacks (the first screen), then checks every step once (the
   * welcome screen's list), then keeps the current step live.
   */
  async start(): Promise<void> {
    await this.prepare();
    await this.survey();
  }

  /** `r` on the first screen: the student fixed something; check the machine, and the steps, again. */
  async prepareAgain(): Promise<void> {
    if (this.state.preparing) return;
    await this.prepare();
    await this.survey();
  }

  private async prepare(): Promise<void> {
    const prep = this.engine.prep;
    if (!prep || this.stopped) return;
    this.set({ preparing: true });
    try {
      const done = await prepareMachine(prep, (preflight) => {
        if (!this.stopped) this.set({ preflight });
      });
      // Nothing to read or fix: the student goes straight on to the steps.
      if (done.clear && this.state.screen === 'preflight') this.set({ screen: 'welcome' });
    } catch (error) {
      const failure = failureOf(error, 'run `npx lab doctor` in another terminal');
      this.set({
        preflight: {
          phase: 'done',
          results: [{ id: 'doctor', title: 'machine check', status: 'fail', detail: failure.message, fix: failure.hint }],
          clear: false,
        },
      });
    } finally {
      this.set({ preparing: false });
    }
  }

  private async survey(): Promise<void> {
    if (this.stopped) return;
    this.set({ checking: true });
    try {
      for (const step of this.engine.steps) {
        if (this.stopped) return;
        const report = await this.engine.check(step);
        if (this.stopped) return;
        this.record(report);
      }
      const snapshot = await this.engine.snapshot();
      if (!this.stopped) this.setSnapshot(snapshot);
    } finally {
      this.set({ checking: false, surveyed: true });
    }
    this.schedulePoll();
  }

  /** The walkthrough ends: no timer is left pending and nothing runs or changes any more. */
  stop(): void {
    this.stopped = true;
    for (const handle of this.pending) this.scheduler.clearTimeout(handle);
    this.pending.clear();
    this.timer = undefined;
    this.snapshotTimer = undefined;
  }

  /** Runs `callback` after `ms` unless the store was stopped (or the timer cancelled) first. */
  private after(ms: number, callback: () => void): TimerHandle {
    const handle = this.scheduler.setTimeout(() => {
      this.pending.delete(handle);
      if (!this.stopped) callback();
    }, ms);
    this.pending.add(handle);
    return handle;
  }

  private cancel(handle: TimerHandle | undefined): void {
    if (handle === undefined || !this.pending.delete(handle)) return;
    this.scheduler.clearTimeout(handle);
  }

  /**
   * Docker says a kubelet container of `pod` was created, started, died or removed. The checklist is
   * re-run at once when the current step looks at that pod; otherwise only the map is redrawn, and the
   * step's probes follow at most every `unrelatedEventCheckMs` (diagnosing a failure is not free).
   */
  containerEvent(pod: string | undefined): void {
    if (this.stopped) return;
    const step = this.engine.steps[this.state.viewing - 1];
    if (!pod || (step && podsWatchedBy(step, templateVars(withLiveNode(this.engine.env))).has(pod))) {
      this.requestCheck();
      return;
    }
    this.cancel(this.snapshotTimer);
    this.snapshotTimer = this.after(this.timing.debounceMs, () => void this.refreshSnapshot());
    const sinceCheck = this.scheduler.now() - this.lastCheckAt;
    if (sinceCheck >= this.timing.unrelatedEventCheckMs) this.requestCheck();
  }

  private async refreshSnapshot(): Promise<void> {
    try {
      const snapshot = await this.engine.snapshot();
      if (!this.stopped) this.setSnapshot(snapshot);
    } catch {
      // the next event tries again
    }
  }

  /** Something changed on the machine (or the student pressed r): check soon, once per burst. */
  requestCheck(delayMs = this.timing.debounceMs): void {
    if (this.stopped) return;
    this.pollDelay = this.timing.pollMs;
    this.cancel(this.timer);
    this.timer = this.after(delayMs, () => void this.checkNow());
  }

  /**
   * Runs the current step's probes and refreshes the map. `visible` (the r key) shows the spinner at once;
   * `poll` says the poll timer asked, so a check that changes nothing stretches the next poll.
   */
  async checkNow(options: { visible?: boolean; poll?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    if (!options.poll) this.pollDelay = this.timing.pollMs;
    if (this.running) {
      this.again = true;
      if (options.visible) this.set({ checking: true });
      return;
    }
    this.running = true;
    this.lastCheckAt = this.scheduler.now();
    this.cancel(this.timer);
    this.timer = undefined;
    const spinner = options.visible ? undefined : this.after(SHOW_CHECKING_AFTER_MS, () => this.set({ checking: true }));
    if (options.visible) this.set({ checking: true });
    let changed = false;
    try {
      const { screen, viewing } = this.state;
      const step = this.engine.steps[viewing - 1];
      if (screen === 'step' && step) {
        const report = await this.engine.check(step);
        // Stopped meanwhile (the student quit): the answer changes nothing, progress included.
        if (this.stopped) return;
        changed = this.record(report);
      }
      const snapshot = await this.engine.snapshot();
      if (!this.stopped) changed = this.setSnapshot(snapshot) || changed;
    } catch {
      // A check that cannot run leaves the last picture in place; the next event or poll tries again.
    } finally {
      this.cancel(spinner);
      this.running = false;
      if (this.state.checking) this.set({ checking: false });
    }
    if (this.again) {
      this.again = false;
      return this.checkNow();
    }
    if (changed) this.pollDelay = this.timing.pollMs;
    else if (options.poll)
      this.pollDelay = Math.min(this.pollDelay * POLL_STRETCH, Math.max(this.timing.pollMs, this.timing.maxPollMs ?? this.timing.pollMs));
    this.schedulePoll();
  }

  /** Polls only while the current step waits on state nothing pushes; otherwise events alone drive checks. */
  private schedulePoll(): void {
    if (this.stopped || !this.state.surveyed) return;
    const report = this.state.reports[this.state.viewing];
    if (this.state.screen !== 'step' || !needsPolling(report)) return;
    this.cancel(this.timer);
    this.timer = this.after(Math.round(this.pollDelay), () => void this.checkNow({ poll: true }));
  }

  /** A picture equal to the last one changes nothing on screen, so it is not stored (no redraw). Says whether it changed. */
  private setSnapshot(snapshot: ClusterSnapshot): boolean {
    if (JSON.stringify(snapshot) === JSON.stringify(this.state.snapshot)) return false;
    this.set({ snapshot });
    return true;
  }

  /** Stores a step's report; says whether anything the student sees changed. */
  private record(report: StepReport): boolean {
    const { progress, screen, viewing } = this.state;
    const next = recordResult(progress, report.step, report.passed, this.engine.steps.length);
    // The walkthrough resumes where the student was looking, not at the first step that fails.
    next.current = screen === 'welcome' ? progress.current : viewing;
    const changed = Boolean(progress.passed[report.step]) !== report.passed || next.current !== progress.current;
    if (changed) this.save(next);
    if (!changed && visibleReport(report) === visibleReport(this.state.reports[report.step])) return false;
    this.set({ reports: { ...this.state.reports, [report.step]: report }, progress: changed ? next : progress });
    return true;
  }

  private save(progress: Progress): void {
    try {
      this.engine.saveProgress(progress);
    } catch {
      // Progress is a convenience; a read-only checkout still runs the walkthrough.
    }
  }

  open(screen: Screen, viewing = this.state.viewing): void {
    const step = Math.min(Math.max(1, viewing), this.engine.steps.length);
    const progress = { ...this.state.progress, current: step };
    if (screen === 'step') this.save(progress);
    this.set({ screen, viewing: step, progress });
    if (screen === 'step' || screen === 'final') this.requestCheck(0);
  }

  /** `a`: the engine does this step (and earlier ones that fail); its progress lines are shown as they come. */
  async apply(): Promise<void> {
    if (this.state.apply?.running) return;
    const step = this.state.viewing;
    this.set({ apply: { step, running: true, lines: [] } });
    const log = (line: string) => {
      const current = this.state.apply!;
      this.set({ apply: { ...current, lines: [...current.lines, line].slice(-APPLY_LINES_KEPT) } });
      this.requestCheck();
    };
    const onPull = (event: LayerProgress) => {
      if (!event.layer) return;
      const current = this.state.apply!;
      const layers = current.pull?.image === event.image ? current.pull.layers : [];
      this.set({ apply: { ...current, pull: { image: event.image, layers: withLayer(layers, event) } } });
    };
    try {
      await this.engine.apply(step, log, onPull);
      this.set({ apply: { ...this.state.apply!, running: false, pull: undefined } });
    } catch (error) {
      const failure = failureOf(error, 'read .lab/kubelet.log, or run `npm run lab -- verify` in another terminal');
      this.set({ apply: { ...this.state.apply!, running: false, error: failure } });
    }
    // apply saved its own progress; ours stays the authority on where the student is.
    this.set({ progress: { ...this.engine.loadProgress(), current: this.state.viewing } });
    await this.checkNow();
  }

  dismissApply(): void {
    if (this.state.apply && !this.state.apply.running) this.set({ apply: undefined });
  }
}
