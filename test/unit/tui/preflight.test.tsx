import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { CheckResult } from '../../../src/engine/doctor/types.ts';
import { LabError } from '../../../src/core/errors.ts';
import { App } from '../../../src/tui/App.tsx';
import { Preflight } from '../../../src/tui/components/MachineCheck.tsx';
import { prepareMachine, type MachinePrep, type PreflightState } from '../../../src/tui/machineCheck.ts';
import { WalkthroughStore } from '../../../src/tui/store.ts';
import { fakeEngine, settle, STEP_NUMBERS } from './fakeEngine.ts';
import { FakeScheduler } from './fakeScheduler.ts';

// The store's timers never fire on their own here: a fake clock that nothing moves.
const timing = { pollMs: 60_000, debounceMs: 0, unrelatedEventCheckMs: 30_000 };
const flat = (frame: string) => frame.replace(/\s+/g, ' ');

const pass = (id: string, title = id): CheckResult => ({ id, title, status: 'pass', detail: 'fine' });
const missingBinaries: CheckResult = {
  id: 'binaries',
  title: 'Kubernetes binaries present or obtainable',
  status: 'warn',
  detail: 'kubelet: missing',
  fix: '`lab setup` downloads them',
};
const missingImages: CheckResult = {
  id: 'images',
  title: 'container images present or obtainable',
  status: 'warn',
  detail: 'not on this machine: busybox:1.35',
  fix: '`lab images pull`',
};

/** A machine that answers from memory; `have` says what is already there, `calls` what was asked. */
function fakePrep(options: { results: CheckResult[]; pulls?: boolean; binariesFail?: boolean }) {
  const calls: string[] = [];
  const have = new Set<string>();
  const prep: MachinePrep = {
    async doctor(onCheck, onResult) {
      calls.push('doctor');
      const results = options.results.map((r) => (have.has(r.id) ? pass(r.id) : r));
      for (const [i, r] of results.entries()) {
        onCheck(r.title, i, results.length);
        onResult(r);
      }
      return results;
    },
    async recheck(ids) {
      calls.push(`recheck ${ids.join(',')}`);
      return ids.map((id) => (have.has(id) ? pass(id) : options.results.find((r) => r.id === id)!));
    },
    binarySource: () => 'http://127.0.0.1:1/v1.19.16/kubernetes-server-linux-amd64.tar.gz',
    async fetchBinaries(onProgress, log) {
      calls.push('fetchBinaries');
      onProgress({ received: 50e6, total: 100e6, resumedFrom: 0 });
      if (options.binariesFail)
        throw new LabError(
          'the download does not match its sha512 in labs/checksums.yaml; it was deleted',
          'try again; if it fails twice, the release host or a proxy changed the file',
        );
      log('sha512 matches labs/checksums.yaml; unpacking kubelet');
      have.add('binaries');
    },
    pullsAllowed: () => options.pulls ?? true,
    async fetchImages(onImage, onLayer) {
      calls.push('fetchImages');
      const missing = ['registry.k8s.io/pause:3.2', 'busybox:1.35'];
      for (const image of missing) {
        onImage(image, missing);
        onLayer({ image, layer: 'a1b2c3d4e5f6', status: 'Downloading', current: 1e6, total: 2e6 });
      }
      have.add('images');
      return missing;
    },
  };
  return { prep, calls };
}

describe('the first screen: machine check and fetches', () => {
  afterEach(cleanup);

  it('a ready machine fetches nothing and is clear to go on', async () => {
    const { prep, calls } = fakePrep({ results: [pass('platform'), pass('docker'), pass('binaries'), pass('images')] });
    const seen: PreflightState[] = [];
    const done = await prepareMachine(prep, (s) => seen.push(s));
    assert.deepEqual(calls, ['doctor']);
    assert.equal(done.clear, true);
    assert.ok(
      seen.some((s) => s.current?.title === 'docker'),
      'the check under way is shown',
    );
  });

  it('downloads missing binaries and pulls missing images, then checks those two again', async () => {
    const { prep, calls } = fakePrep({ results: [pass('docker'), missingBinaries, missingImages] });
    const seen: PreflightState[] = [];
    const done = await prepareMachine(prep, (s) => seen.push(s));
    assert.deepEqual(calls, ['doctor', 'fetchBinaries', 'fetchImages', 'recheck binaries,images']);
    assert.ok(
      seen.some((s) => s.phase === 'binaries' && s.binaries?.progress?.received === 50e6),
      'download progress reaches the screen',
    );
    assert.ok(
      seen.some((s) => s.phase === 'images' && s.images?.pulling === 'busybox:1.35' && s.images.layers[0]?.status === 'Downloading'),
      'layer progress reaches the screen',
    );
    assert.deepEqual(done.images?.pulled, ['registry.k8s.io/pause:3.2', 'busybox:1.35']);
    assert.ok(done.results.every((r) => r.status === 'pass'));
    // Something was fetched: the student sees what happened before going on.
    assert.equal(done.clear, false);
  });

  it('does not pull when Docker is down, nor when automatic pulls are off', async () => {
    const down = fakePrep({
      results: [
        { id: 'docker', title: 'Docker engine reachable', status: 'fail', detail: 'no answer', fix: 'start Docker' },
        pass('binaries'),
        missingImages,
      ],
    });
    await prepareMachine(down.prep, () => {});
    assert.deepEqual(down.calls, ['doctor']);
    const off = fakePrep({ results: [pass('docker'), pass('binaries'), missingImages], pulls: false });
    const done = await prepareMachine(off.prep, () => {});
    assert.deepEqual(off.calls, ['doctor']);
    assert.equal(done.images?.off, true);
  });

  it('a failed download is shown with its hint, and the binaries line stays', async () => {
    const { prep } = fakePrep({ results: [pass('docker'), missingBinaries], binariesFail: true });
    const done = await prepareMachine(prep, () => {});
    assert.match(done.binaries?.error?.message ?? '', /does not match its sha512/);
    const frame = flat(render(<Preflight preflight={done} details={false} offset={0} width={79} height={23} />).lastFrame()!);
    assert.match(frame, /✘ Kubernetes binaries from http:\/\/127\.0\.0\.1:1\//);
    assert.match(frame, /hint: try again/);
    assert.match(frame, /One thing needs fixing first/);
  });

  it('draws the check under way, passes as one count, problems with their fixes', () => {
    const state: PreflightState = {
      phase: 'checking',
      current: { title: 'swap off', index: 7, total: 25 },
      results: [
        pass('platform'),
        pass('root'),
        {
          id: 'cgroup-driver',
          title: "kubelet's cgroup driver matches Docker's",
          status: 'warn',
          detail: 'Docker uses systemd',
          fix: 'the lab passes --cgroup-driver=systemd to kubelet',
        },
      ],
      clear: false,
    };
    const frame = flat(render(<Preflight preflight={state} details={false} offset={0} width={79} height={23} />).lastFrame()!);
    assert.match(frame, /checking 8\/25: swap off/);
    assert.match(frame, /✔ 2 checks pass/);
    assert.match(frame, /! kubelet's cgroup driver matches Docker's: Docker uses systemd fix: the lab passes --cgroup-driver=systemd/);
  });

  it('with more problems than rows, the title stays whole, the list is cut, not squeezed, and the verdict shows', () => {
    // Seen at 80x24 with another cluster running: Yoga shrank the rows to fit the box, drew them on top
    // of each other, and a blank row's space landed on the title's first letter ("  vk-lab: …").
    const port = (n: number): CheckResult => ({
      id: `port-${n}`,
      title: `port ${n} free for something: held by someone (pid ${n}) on 127.0.0.1`,
      status: 'fail',
      detail: `held by someone (pid ${n})`,
      fix: `the lab needs this port; stop that process (\`ss -ltnp 'sport = :${n}'\` shows it), or use another machine if it belongs to a Kubernetes you keep`,
    });
    const state: PreflightState = {
      phase: 'done',
      results: [pass('platform'), ...[2379, 2380, 6443, 8080, 10248, 10250, 10251].map(port)],
      clear: false,
    };
    const lines = render(<Preflight preflight={state} details={false} offset={0} width={80} height={22} />)
      .lastFrame()!
      .split('\n');
    assert.ok(lines.length <= 22, `${lines.length} rows`);
    assert.match(lines[0]!, /^ mvk-lab: is this machine ready\?/, lines.join('\n'));
    assert.equal(lines[1]!.trim(), '', 'a blank row under the title');
    assert.match(lines.join('\n'), /✘ 7 things need fixing first/, 'the verdict is on screen');
    const shown = lines.filter((line) => /^ ✘ port \d+ free/.test(line)).length;
    assert.ok(shown >= 2, 'as many problems as fit');
    // Each problem shown is followed by its own fix: nothing drawn over anything.
    lines.forEach((line, i) => {
      if (/^ ✘ port \d+ free/.test(line) && i + 1 < lines.length && !/^ ✘ \d things/.test(line))
        assert.match(lines[i + 1]!, /^ {5}fix: |^\s*$/, lines.join('\n'));
    });
  });

  it('draws the download bar and each layer of the image being pulled', () => {
    const state: PreflightState = {
      phase: 'images',
      results: [pass('docker'), missingBinaries, missingImages],
      binaries: {
        source: 'https://dl.k8s.io/v1.19.16/kubernetes-server-linux-amd64.tar.gz',
        progress: { received: 60e6, total: 120e6, resumedFrom: 20e6 },
        done: false,
      },
      images: {
        missing: ['registry.k8s.io/pause:3.2', 'busybox:1.35'],
        pulling: 'busybox:1.35',
        pulled: ['registry.k8s.io/pause:3.2'],
        layers: [{ layer: 'a1b2c3d4e5f6', status: 'Downloading', current: 1.5e6, total: 3e6 }],
        done: false,
      },
      clear: false,
    };
    const frame = render(<Preflight preflight={state} details={false} offset={0} width={79} height={23} />).lastFrame()!;
    assert.match(frame, /\[#{12}\.{12}\] 50%\s+60\.0\/120\.0 MB, resumed at 20\.0 MB/);
    assert.match(frame, /Images: 1 of 2 pulled/);
    assert.match(frame, /✔ registry\.k8s\.io\/pause:3\.2/);
    assert.match(frame, /a1b2c3d4e5f6\s+Downloading\s+1\.5\/3\.0 MB/);
  });
});

describe('the walkthrough opens on the machine check', () => {
  it('goes straight on to the welcome screen when the machine is clear', async () => {
    const { engine, checked } = fakeEngine();
    engine.prep = fakePrep({ results: [pass('docker'), pass('binaries'), pass('images')] }).prep;
    const store = new WalkthroughStore(engine, timing, new FakeScheduler());
    assert.equal(store.getState().screen, 'preflight');
    await store.start();
    store.stop();
    assert.equal(store.getState().screen, 'welcome');
    // The steps are surveyed only once the machine has what they need.
    assert.deepEqual(checked, STEP_NUMBERS);
  });

  it('stays on the machine check when something needs reading, and r checks again', async () => {
    const { engine } = fakeEngine();
    const fake = fakePrep({ results: [pass('docker'), missingBinaries] });
    engine.prep = fake.prep;
    const store = new WalkthroughStore(engine, timing, new FakeScheduler());
    await store.start();
    assert.equal(store.getState().screen, 'preflight');
    assert.equal(store.getState().preflight?.phase, 'done');
    await store.prepareAgain();
    store.stop();
    assert.deepEqual(fake.calls, ['doctor', 'fetchBinaries', 'recheck binaries', 'doctor']);
    store.open('welcome');
    await settle();
    assert.equal(store.getState().screen, 'welcome');
  });

  it('in the app: Enter leaves the machine check, the welcome screen sums it up, m brings it back', async () => {
    const { engine } = fakeEngine();
    const cgroup: CheckResult = {
      id: 'cgroup-version',
      title: 'cgroup v1',
      status: 'warn',
      detail: 'cgroup v2',
      fix: 'boot with systemd.unified_cgroup_hierarchy=0',
    };
    engine.prep = fakePrep({ results: [pass('docker'), pass('binaries'), pass('images'), cgroup] }).prep;
    const store = new WalkthroughStore(engine, timing, new FakeScheduler());
    await store.start();
    const app = render(<App store={store} lessonMarkdown={() => '# Lesson'} isRoot />);
    await settle();
    let frame = flat(app.lastFrame()!);
    assert.match(frame, /is this machine ready\?/);
    assert.match(frame, /✔ 3 checks pass/);
    assert.match(frame, /! cgroup v1: cgroup v2 fix: boot with systemd\.unified_cgroup_hierarchy=0/);
    assert.match(frame, /The lab can run here; read the warning above\. Press Enter to continue\./);
    app.stdin.write('d');
    await settle();
    assert.match(flat(app.lastFrame()!), /✔ docker: fine ✔ binaries: fine ✔ images: fine ! cgroup v1: cgroup v2/);
    app.stdin.write('\r');
    await settle();
    frame = flat(app.lastFrame()!);
    assert.match(frame, /! Machine check: ready, 1 warning \(m shows them\)/);
    assert.match(frame, /Press Enter to start with step 1/);
    app.stdin.write('m');
    await settle();
    store.stop();
    assert.match(flat(app.lastFrame()!), /is this machine ready\?/);
    cleanup();
  });
});
