import type { CheckResult } from '../engine/doctor/types.ts';
import { failureOf, type Failure } from '../core/errors.ts';
import type { LayerProgress } from '../engine/images/layerProgress.ts';
import type { DownloadProgress } from '../engine/setup/download.ts';

/**
 * The walkthrough's first screen: `lab doctor`, then whatever `lab setup` would fetch (the pinned
 * binaries, the images), each with its progress, so a fresh machine needs nothing but `npm run lab`.
 */
export interface MachinePrep {
  /** Runs every doctor check, reporting each as it starts and ends. */
  doctor(onCheck: (title: string, index: number, total: number) => void, onResult: (result: CheckResult) => void): Promise<CheckResult[]>;
  /** Only the checks with these ids: after a fetch, their lines are redrawn. */
  recheck(ids: string[]): Promise<CheckResult[]>;
  /** Where the binaries come from, for the heading (a URL, or a directory). */
  binarySource(): string;
  fetchBinaries(onProgress: (progress: DownloadProgress) => void, log: (line: string) => void): Promise<void>;
  /** False when automatic pulls are off (MVK_NO_PULL=1, `pullImages: false`): say so, pull nothing. */
  pullsAllowed(): boolean;
  fetchImages(
    onImage: (image: string, missing: string[]) => void,
    onLayer: (progress: LayerProgress) => void,
    log: (line: string) => void,
  ): Promise<string[]>;
}

export interface LayerLine {
  layer: string;
  status: string;
  current?: number;
  total?: number;
}

export interface PreflightState {
  phase: 'checking' | 'binaries' | 'images' | 'done';
  /** The doctor check under way, with its place in the list. */
  current?: { title: string; index: number; total: number };
  results: CheckResult[];
  binaries?: { source: string; progress?: DownloadProgress; line?: string; done: boolean; error?: Failure };
  images?: { missing: string[]; pulling?: string; layers: LayerLine[]; pulled: string[]; done: boolean; error?: Failure; off?: boolean };
  /** Every check passed and nothing had to be fetched: the walkthrough goes on by itself. */
  clear: boolean;
}

const asFailure = (error: unknown): Failure => failureOf(error, 'run `npx lab setup` in another terminal to see the whole output');

/** Layers kept on screen per image: the newest ones (a pull rarely has more). */
const LAYERS_SHOWN = 6;

export function withLayer(layers: LayerLine[], event: LayerProgress): LayerLine[] {
  const line = {
    layer: event.layer,
    status: event.status,
    ...(event.current !== undefined ? { current: event.current } : {}),
    ...(event.total !== undefined ? { total: event.total } : {}),
  };
  const at = layers.findIndex((l) => l.layer === event.layer);
  if (at === -1) return [...layers, line].slice(-LAYERS_SHOWN);
  return layers.map((l, i) => (i === at ? line : l));
}

/** Progress arrives per network read (thousands a second); the screen needs a few. */
const PROGRESS_EVERY_MS = 100;

function throttled<T>(apply: (value: T) => void): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    apply(value);
  };
}

const statusOf = (results: CheckResult[], id: string) => results.find((r) => r.id === id)?.status;

/**
 * Runs the doctor, then fetches what it found missing but obtainable, then re-runs those checks.
 * `update` receives every change; the store turns it into state for the screen.
 */
export async function prepareMachine(prep: MachinePrep, update: (state: PreflightState) => void): Promise<PreflightState> {
  let state: PreflightState = { phase: 'checking', results: [], clear: false };
  const set = (patch: Partial<PreflightState>) => {
    state = { ...state, ...patch };
    update(state);
  };
  set({});
  let results = await prep.doctor(
    (title, index, total) => set({ current: { title, index, total } }),
    (result) => set({ results: [...state.results, result] }),
  );
  set({ current: undefined, results });

  // The doctor warns (rather than fails) exactly when a missing thing can be fetched.
  const refetched: string[] = [];
  if (statusOf(results, 'binaries') === 'warn') {
    set({ phase: 'binaries', binaries: { source: prep.binarySource(), done: false } });
    try {
      await prep.fetchBinaries(
        throttled((progress) => set({ binaries: { ...state.binaries!, progress } })),
        (line) => set({ binaries: { ...state.binaries!, line } }),
      );
      set({ binaries: { ...state.binaries!, done: true } });
    } catch (error) {
      set({ binaries: { ...state.binaries!, done: true, error: asFailure(error) } });
    }
    refetched.push('binaries');
  }
  // Pulling needs Docker; when the doctor could not reach it, its own line already says what to do.
  if (statusOf(results, 'images') === 'warn' && statusOf(results, 'docker') === 'pass') {
    if (!prep.pullsAllowed()) set({ images: { missing: [], layers: [], pulled: [], done: true, off: true } });
    else {
      set({ phase: 'images', images: { missing: [], layers: [], pulled: [], done: false } });
      try {
        await prep.fetchImages(
          (image, missing) =>
            set({ images: { ...state.images!, missing, pulling: image, layers: [], pulled: missing.slice(0, missing.indexOf(image)) } }),
          (event) =>
            set({ images: { ...state.images!, layers: event.layer ? withLayer(state.images!.layers, event) : state.images!.layers } }),
          () => {},
        );
        set({ images: { ...state.images!, pulling: undefined, layers: [], pulled: state.images!.missing, done: true } });
      } catch (error) {
        set({ images: { ...state.images!, done: true, error: asFailure(error) } });
      }
      refetched.push('images');
    }
  }
  if (refetched.length > 0) {
    // The sandbox trial needs the pause image: once the pulls are done, it can be tried.
    const again = refetched.includes('images') && statusOf(results, 'sandbox') === 'warn' ? [...refetched, 'sandbox'] : refetched;
    const fresh = await prep.recheck(again);
    results = results.map((r) => fresh.find((f) => f.id === r.id) ?? r);
  }
  set({ phase: 'done', results, clear: refetched.length === 0 && results.every((r) => r.status === 'pass') });
  return state;
}
