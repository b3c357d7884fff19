import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mapPartsOf, nodeJoinsAt, staticPodsOf } from '../../src/content/declared.ts';
import { loadSteps } from '../../src/content/load.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { mapParts } from '../../src/engine/clusterMap.ts';
import { checkContent } from '../../src/engine/contentCheck.ts';
import { portTableOf } from '../../src/engine/labPorts.ts';
import { labContentOptions } from '../../src/engine/steps.ts';
import { finishedFacts } from './tui/fixtures.ts';

/**
 * Issue 13: adding a step is adding a folder. A step 7 that runs kube-scheduler as a static pod is
 * written here into a copy of labs/ and fixtures/ (its image in versions.yaml, the final screen moved to
 * it) and nothing else: the loader, lab dev check, the static pods, the port table and the cluster map
 * all take it in without a line of code.
 */
const STEP7 = `format: 1
step: 7
slug: scheduler
title: kube-scheduler as a static pod
summary: Let the scheduler place the pods you pinned by hand.
learned:
  - The scheduler only writes a Binding; kubelet does the rest.
images: [scheduler]
files: [pods/scheduler.yaml]
staticPods:
  scheduler:
    name: kube-scheduler
    namespace: kube-system
    program: kube-scheduler
    ports:
      - { port: 10251, who: "kube-scheduler (healthz, insecure)", addressed: true }
      - { port: 10259, who: kube-scheduler (secure) }
map:
  - { kind: staticPod, pod: scheduler, running: ":10251", health: "http://127.0.0.1:10251/healthz" }
hints:
  - Write pods/scheduler.yaml as in the lesson.
apply:
  - write: { fixture: scheduler.yaml, to: pods/scheduler.yaml }
probes:
  - id: scheduler-healthz
    title: kube-scheduler answers /healthz on 127.0.0.1:10251
    kind: http
    url: http://127.0.0.1:10251/healthz
    bodyEquals: ok
    cause: the scheduler is not running, or not on the host network
    hint: "check {{pods.scheduler.file}}: hostNetwork true, --master={{apiserverUrl}}"
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: kube-scheduler
    image: {{images.scheduler}}
    command: [kube-scheduler, --master={{apiserverUrl}}, --leader-elect=false]
`;

const FENCE = '```';
const LESSON7 = `# Step 7 — kube-scheduler as a static pod

One more file in pods/.

${FENCE}sh lab-run
cat <<'EOF' > pods/scheduler.yaml
${POD}EOF
${FENCE}
`;

describe('a new step is a folder (issue 13)', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-newstep-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const labsDir = path.join(root, 'labs');
  const fixturesDir = path.join(root, 'fixtures');
  cpSync(path.join(repoRoot, 'labs'), labsDir, { recursive: true });
  cpSync(path.join(repoRoot, 'fixtures'), fixturesDir, { recursive: true });
  // Content only: the step's folder, its fixture, its image, and the final screen moved to the new last step.
  mkdirSync(path.join(labsDir, '07-scheduler'));
  const six = path.join(labsDir, '06-pods-talk', 'step.yaml');
  const sixText = readFileSync(six, 'utf8');
  const finale = sixText.slice(sixText.indexOf('\nfinale:'));
  writeFileSync(six, sixText.replace(finale, '\n'));
  writeFileSync(path.join(labsDir, '07-scheduler', 'step.yaml'), STEP7 + finale.slice(1));
  writeFileSync(path.join(labsDir, '07-scheduler', 'lesson.md'), LESSON7);
  writeFileSync(path.join(fixturesDir, 'scheduler.yaml'), POD);
  const versions = path.join(labsDir, 'versions.yaml');
  writeFileSync(versions, `${readFileSync(versions, 'utf8').trimEnd()}\n  scheduler: registry.k8s.io/kube-scheduler:v1.19.16\n`);
  // The checkout's versions.yaml would list the new image; the loader takes its placeholders from there.
  const options = labContentOptions();
  const steps = () =>
    loadSteps({ ...options, knownPlaceholders: [...(options.knownPlaceholders ?? []), 'images.scheduler'], labsDir, fixturesDir });

  it('loads, with {{pods.scheduler.*}} known from its own declaration', () => {
    assert.equal(steps().length, 7);
    assert.equal(nodeJoinsAt(steps()), 4, 'the node still joins the API at step 4, which adds it to the map');
    assert.deepEqual(staticPodsOf(steps()).scheduler, {
      name: 'kube-scheduler',
      namespace: 'kube-system',
      program: 'kube-scheduler',
      ports: [
        { port: 10251, who: 'kube-scheduler (healthz, insecure)', addressed: true },
        { port: 10259, who: 'kube-scheduler (secure)', addressed: false },
      ],
      role: 'scheduler',
      step: 7,
    });
  });

  it('passes lab dev check: fixtures lint, images pinned, map parts, the finale on the last step', async () => {
    const { problems } = await checkContent({ labsDir, fixturesDir, versionsFile: versions, bashSyntax: false });
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line} ${p.message} [${p.rule}]`),
      [],
    );
  });

  it('brings its ports into the one table and its part into the map', () => {
    const ports = portTableOf(Object.values(staticPodsOf(steps())));
    assert.deepEqual(
      ports.filter((p) => p.component === 'scheduler').map((p) => `${p.port} ${p.who}${p.addressed ? ' (addressed)' : ''}`),
      ['10251 kube-scheduler (healthz, insecure) (addressed)', '10259 kube-scheduler (secure)'],
    );
    const declared = mapPartsOf(steps());
    const scheduler = { file: true, container: { state: 'running' as const, status: 'Up 1 minute' } };
    const running = { ...finishedFacts, staticPods: { ...finishedFacts.staticPods, scheduler } };
    const part = (facts: typeof finishedFacts) => mapParts(declared, facts).find((p) => p.id === 'scheduler');
    assert.deepEqual(part(running), {
      id: 'scheduler',
      label: 'scheduler',
      place: 'staticPod',
      state: 'wait',
      detail: 'not healthy yet',
      step: 7,
    });
    assert.equal(part({ ...running, healthy: { ...running.healthy, 'http://127.0.0.1:10251/healthz': true } })?.detail, ':10251');
    assert.equal(part(finishedFacts)?.state, 'off', 'no pod yet: not there');
  });
});
