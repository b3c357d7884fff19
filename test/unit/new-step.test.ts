import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mapPartsOf, nodeJoinsAt, staticPodsOf } from '../../src/content/declared.ts';
import { loadSteps } from '../../src/content/load.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { mapParts } from '../../src/engine/clusterMap.ts';
import { checkContent } from '../../src/engine/contentCheck.ts';
import { portTableOf } from '../../src/engine/labPorts.ts';
import { labContentOptions, labDeclarations } from '../../src/engine/steps.ts';
import { finishedFacts } from './tui/fixtures.ts';

/**
 * Issue 13: adding a step is adding a folder. A step after the lab's last one, running kube-proxy as a
 * static pod (a lab to come), is written here into a copy of labs/ and fixtures/ (its image in
 * versions.yaml, the final screen moved to it) and nothing else: the loader, lab dev check, the static
 * pods, the port table and the cluster map all take it in without a line of code.
 */
const LAST = labDeclarations().length;
const NEW = LAST + 1;
const FOLDER = `${String(NEW).padStart(2, '0')}-kube-proxy`;
const STEP = `format: 1
step: ${NEW}
slug: kube-proxy
title: kube-proxy as a static pod
summary: Give Services their virtual IPs.
learned:
  - kube-proxy turns Services into iptables rules on each node.
images: [proxy]
files: [pods/kube-proxy.yaml]
staticPods:
  proxy:
    name: kube-proxy
    namespace: kube-system
    program: kube-proxy
    ports:
      - { port: 10256, who: "kube-proxy (healthz)", addressed: true }
      - { port: 10249, who: kube-proxy (metrics) }
map:
  - { kind: staticPod, pod: proxy, running: ":10256", health: "http://127.0.0.1:10256/healthz" }
hints:
  - Write pods/kube-proxy.yaml as in the lesson.
apply:
  - write: { fixture: kube-proxy.yaml, to: pods/kube-proxy.yaml }
probes:
  - id: proxy-healthz
    title: kube-proxy answers /healthz on 127.0.0.1:10256
    kind: http
    url: http://127.0.0.1:10256/healthz
    cause: kube-proxy is not running, or not on the host network
    hint: "check {{pods.proxy.file}}: hostNetwork true, --master={{apiserverUrl}}"
`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: kube-proxy
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: kube-proxy
    image: {{images.proxy}}
    command: [kube-proxy, --master={{apiserverUrl}}, --healthz-bind-address=127.0.0.1:10256]
`;

const FENCE = '```';
const LESSON = `# Step ${NEW} — kube-proxy as a static pod

One more file in pods/.

${FENCE}sh lab-run
cat <<'EOF' > pods/kube-proxy.yaml
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
  mkdirSync(path.join(labsDir, FOLDER));
  const last = path.join(
    labsDir,
    readdirSync(labsDir)
      .filter((d) => d.startsWith(String(LAST).padStart(2, '0')))
      .at(0)!,
    'step.yaml',
  );
  const lastText = readFileSync(last, 'utf8');
  const finale = lastText.slice(lastText.indexOf('\nfinale:'));
  writeFileSync(last, lastText.replace(finale, '\n'));
  writeFileSync(path.join(labsDir, FOLDER, 'step.yaml'), STEP + finale.slice(1));
  writeFileSync(path.join(labsDir, FOLDER, 'lesson.md'), LESSON);
  writeFileSync(path.join(fixturesDir, 'kube-proxy.yaml'), POD);
  const versions = path.join(labsDir, 'versions.yaml');
  writeFileSync(versions, `${readFileSync(versions, 'utf8').trimEnd()}\n  proxy: registry.k8s.io/kube-proxy:v1.19.16\n`);
  // The checkout's versions.yaml would list the new image; the loader takes its placeholders from there.
  const options = labContentOptions();
  const steps = () =>
    loadSteps({ ...options, knownPlaceholders: [...(options.knownPlaceholders ?? []), 'images.proxy'], labsDir, fixturesDir });

  it('loads, with {{pods.proxy.*}} known from its own declaration', () => {
    assert.equal(steps().length, NEW);
    assert.equal(nodeJoinsAt(steps()), 4, 'the node still joins the API at step 4, which adds it to the map');
    assert.deepEqual(staticPodsOf(steps()).proxy, {
      name: 'kube-proxy',
      namespace: 'kube-system',
      program: 'kube-proxy',
      ports: [
        { port: 10256, who: 'kube-proxy (healthz)', addressed: true },
        { port: 10249, who: 'kube-proxy (metrics)', addressed: false },
      ],
      role: 'proxy',
      step: NEW,
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
      ports.filter((p) => p.component === 'proxy').map((p) => `${p.port} ${p.who}${p.addressed ? ' (addressed)' : ''}`),
      ['10256 kube-proxy (healthz) (addressed)', '10249 kube-proxy (metrics)'],
    );
    const declared = mapPartsOf(steps());
    const proxy = { file: true, container: { state: 'running' as const, status: 'Up 1 minute' } };
    const running = { ...finishedFacts, staticPods: { ...finishedFacts.staticPods, proxy } };
    const part = (facts: typeof finishedFacts) => mapParts(declared, facts).find((p) => p.id === 'proxy');
    assert.deepEqual(part(running), {
      id: 'proxy',
      label: 'proxy',
      place: 'staticPod',
      state: 'wait',
      detail: 'not healthy yet',
      step: NEW,
    });
    assert.equal(part({ ...running, healthy: { ...running.healthy, 'http://127.0.0.1:10256/healthz': true } })?.detail, ':10256');
    assert.equal(part(finishedFacts)?.state, 'off', 'no pod yet: not there');
  });
});
