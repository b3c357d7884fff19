import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadSteps, parseStepMeta, writeContentCache, type ContentOptions } from '../../src/content/load.ts';
import { labEnv } from '../../src/core/context.ts';
import { kubeletArgs } from '../../src/machine/kubelet.ts';
import { renderedCommands } from '../../src/engine/lesson.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { render } from '../../src/core/template.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { codeProbes } from '../../src/engine/probes/custom/index.ts';
import { codeActions } from '../../src/engine/actions/code.ts';
import { CODE_ACTIONS } from '../../src/engine/actions/names.ts';
import { LabError } from '../../src/core/errors.ts';

const machine = { nodeIp: '172.17.0.1', cgroupDriver: 'cgroupfs', swapOn: false };

function copyLabs(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mvk-labs-'));
  cpSync(path.join(repoRoot, 'labs'), dir, { recursive: true });
  return dir;
}

function editStep(labsDir: string, stepDir: string, edit: (text: string) => string): void {
  const file = path.join(labsDir, stepDir, 'step.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

const engineOptions = (): ContentOptions => ({
  codeProbes: Object.keys(codeProbes),
  codeActions: Object.keys(codeActions),
  knownPlaceholders: Object.keys(templateVars(labEnv())).concat('nginxIp'),
});

function loadError(labsDir: string, options: ContentOptions = {}): LabError {
  try {
    loadSteps({ labsDir, ...engineOptions(), ...options });
  } catch (error) {
    assert.ok(error instanceof LabError, `expected a LabError, got ${error}`);
    return error;
  }
  assert.fail('content loaded although it is broken');
}

describe('code actions', () => {
  it('are exactly the names content is checked against (the list a verify loads instead of the actions)', () => {
    assert.deepEqual(Object.keys(codeActions).sort(), [...CODE_ACTIONS].sort());
  });
});

describe('step content', () => {
  it('the shipped steps load and validate, numbered from 1 without gaps', () => {
    const steps = labSteps();
    assert.deepEqual(
      steps.map((s) => s.number),
      steps.map((_, i) => i + 1),
    );
    for (const step of steps) assert.ok(step.meta.probes.length >= 3, `step ${step.number} has few probes`);
  });

  it('names the file and field when the format version is wrong', () => {
    const labs = copyLabs();
    editStep(labs, '02-etcd', (t) => t.replace('format: 1', 'format: 7'));
    const error = loadError(labs);
    assert.match(error.message, /02-etcd\/step\.yaml/);
    assert.match(error.message, /field format: must be 1/);
  });

  it('names the file and the probe field when a probe is malformed', () => {
    const labs = copyLabs();
    editStep(labs, '03-apiserver', (t) => t.replace('url: http://127.0.0.1:8080/healthz', 'url: not a url'));
    const error = loadError(labs);
    assert.match(error.message, /03-apiserver\/step\.yaml:\d+:\d+: field probes\.3\.url/);
  });

  it('reports YAML syntax errors with a line', () => {
    const labs = copyLabs();
    editStep(labs, '01-kubelet-static-pod', (t) => t.replace('slug: kubelet-static-pod', 'slug: [unclosed'));
    assert.match(loadError(labs).message, /01-kubelet-static-pod\/step\.yaml:\d+:\d+: /);
  });

  it('rejects a `needs` that names no earlier probe', () => {
    const labs = copyLabs();
    editStep(labs, '02-etcd', (t) => t.replace('needs: [etcd-manifest]', 'needs: [etcd-typo]'));
    assert.match(loadError(labs).message, /02-etcd\/step\.yaml:\d+:\d+: field probes\.1\.needs: "etcd-typo"/);
  });

  it('rejects unknown code probes, missing fixtures and unknown placeholders', () => {
    let labs = copyLabs();
    editStep(labs, '05-service-account', (t) => t.replace('module: dry-run-pod', 'module: dry-run-typo'));
    assert.match(
      loadError(labs).message,
      /05-service-account\/step\.yaml:\d+:\d+: field probes\.1\.module: no code probe named "dry-run-typo"/,
    );
    labs = copyLabs();
    editStep(labs, '01-kubelet-static-pod', (t) => t.replace('fixture: hello.yaml', 'fixture: nope.yaml'));
    assert.match(loadError(labs).message, /field apply\.0: fixture nope\.yaml does not exist/);
    labs = copyLabs();
    const lesson = path.join(labs, '02-etcd', 'lesson.md');
    writeFileSync(lesson, readFileSync(lesson, 'utf8').replace('{{images.etcd}}', '{{images.etdc}}'));
    assert.match(loadError(labs).message, /02-etcd\/lesson\.md: unknown placeholder \{\{images\.etdc\}\}/);
  });

  it('rejects an unknown field instead of ignoring it', () => {
    assert.throws(
      () =>
        parseStepMeta(
          '/x/step.yaml',
          'format: 1\nstep: 1\nslug: a\ntitle: t\nsummary: s\nlearned: [x]\nhints: [h]\napply: [{code: a}]\nprobes: []\ncolour: red\n',
        ),
      /unrecognized key|colour|probes/i,
    );
  });
});

describe("the build's content cache (dist/content-cache.json)", () => {
  /** A copy of labs/ with a cache of it, as `npm run build` writes one for the checkout. */
  function cachedCopy() {
    const labsDir = copyLabs();
    const cacheFile = path.join(labsDir, 'cache.json');
    writeContentCache(cacheFile, { labsDir, ...engineOptions() });
    return { labsDir, cacheFile };
  }

  it('gives exactly the steps a full load gives', () => {
    const { labsDir, cacheFile } = cachedCopy();
    const cached = loadSteps({ labsDir, cacheFile, ...engineOptions() });
    assert.deepStrictEqual(cached, loadSteps({ labsDir, ...engineOptions() }));
    assert.deepStrictEqual(
      cached.map((s) => s.number),
      cached.map((_, i) => i + 1),
    );
    // And it is used: an unchanged step's metadata comes from the cache, not from a parse.
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    cache.steps[0].meta.title = 'from the cache';
    writeFileSync(cacheFile, JSON.stringify(cache));
    assert.equal(loadSteps({ labsDir, cacheFile, ...engineOptions() })[0]!.meta.title, 'from the cache');
  });

  it('a step edited since the cache was written is checked again: the error names the file and field', () => {
    const { labsDir, cacheFile } = cachedCopy();
    editStep(labsDir, '03-apiserver', (t) => t.replace('url: http://127.0.0.1:8080/healthz', 'url: not a url'));
    assert.match(loadError(labsDir, { cacheFile }).message, /03-apiserver\/step\.yaml:\d+:\d+: field probes\.3\.url/);
    const lesson = path.join(labsDir, '02-etcd', 'lesson.md');
    editStep(labsDir, '03-apiserver', (t) => t.replace('url: not a url', 'url: http://127.0.0.1:8080/healthz'));
    writeFileSync(lesson, readFileSync(lesson, 'utf8').replace('{{images.etcd}}', '{{images.etdc}}'));
    assert.match(loadError(labsDir, { cacheFile }).message, /02-etcd\/lesson\.md: unknown placeholder \{\{images\.etdc\}\}/);
  });

  it('still finds a fixture that went missing, and ignores a cache made for other code probes', () => {
    const { labsDir, cacheFile } = cachedCopy();
    const fixturesDir = mkdtempSync(path.join(tmpdir(), 'mvk-fixtures-'));
    cpSync(path.join(repoRoot, 'fixtures'), fixturesDir, { recursive: true });
    rmSync(path.join(fixturesDir, 'hello.yaml'));
    assert.match(loadError(labsDir, { cacheFile, fixturesDir }).message, /field apply\.0: fixture hello\.yaml does not exist/);
    // Valid for an engine that has a code probe dry-run-typo; this one has not.
    const other = copyLabs();
    editStep(other, '05-service-account', (t) => t.replace('module: dry-run-pod', 'module: dry-run-typo'));
    const otherCache = path.join(other, 'cache.json');
    writeContentCache(otherCache, { labsDir: other, ...engineOptions(), codeProbes: [...Object.keys(codeProbes), 'dry-run-typo'] });
    assert.match(loadError(other, { cacheFile: otherCache }).message, /field probes\.1\.module: no code probe named "dry-run-typo"/);
  });

  it('a step.yaml that cannot be read fails as without a cache (the crash of issue 10)', () => {
    const { labsDir, cacheFile } = cachedCopy();
    const file = path.join(labsDir, '01-kubelet-static-pod', 'step.yaml');
    rmSync(file);
    cpSync(path.join(labsDir, '02-etcd'), file, { recursive: true });
    assert.throws(() => loadSteps({ labsDir, cacheFile, ...engineOptions() }), /EISDIR/);
  });
});

describe('lessons agree with the engine', () => {
  const env = labEnv();
  const steps = labSteps();

  it('the kubelet command in lessons 1 and 4 is exactly the one lab apply runs', () => {
    for (const [stepNumber, kubeconfig] of [
      [1, false],
      [4, true],
    ] as const) {
      const command = renderedCommands(env, steps[stepNumber - 1]!, machine).find((c) => c.flags.includes('kubelet'));
      assert.ok(command, `lesson ${stepNumber} has a kubelet block`);
      const argv = command.script.replace(/\\\n/g, ' ').trim().split(/\s+/);
      assert.deepEqual(argv, ['kubelet', ...kubeletArgs(env, machine, { kubeconfig })]);
    }
  });

  it('the swap flag appears in the lesson only when swap is on', () => {
    const command = renderedCommands(env, steps[0]!, { ...machine, swapOn: true }).find((c) => c.flags.includes('kubelet'))!;
    assert.deepEqual(command.script.replace(/\\\n/g, ' ').trim().split(/\s+/), [
      'kubelet',
      ...kubeletArgs(env, { ...machine, swapOn: true }, { kubeconfig: false }),
    ]);
  });

  it('every manifest a lesson writes is the fixture lab apply writes', () => {
    const vars = { ...templateVars(env, machine), nginxIp: '$NGINX_IP' };
    // A file's fixture, by the step that writes it: step 8 gives the apiserver its ServiceAccount key.
    const fileFixture = (step: number, target: string): string | undefined =>
      ({
        'pods/hello.yaml': 'hello.yaml',
        'pods/etcd.yaml': 'etcd.yaml',
        'pods/apiserver.yaml': step >= 8 ? 'apiserver-sa.yaml' : 'apiserver.yaml',
        'pods/scheduler.yaml': 'scheduler.yaml',
        'pods/controller-manager.yaml': 'controller-manager.yaml',
        'kubeconfig.yaml': 'kubeconfig.yaml',
      })[target];
    // Objects applied from stdin, by kind and name.
    const objectFixture = (body: any): string | undefined => {
      if (body.kind === 'ServiceAccount' && body.automountServiceAccountToken === false) return 'serviceaccount.yaml';
      if (body.kind === 'Pod' && ['nginx', 'curl', 'web', 'api-reader'].includes(body.metadata.name)) return `${body.metadata.name}.yaml`;
      if (body.kind === 'Deployment' && body.metadata.name === 'site') return 'site.yaml';
      if (body.kind === 'Binding') return 'binding.json';
      return undefined;
    };
    const used = new Set<string>();
    for (const step of steps) {
      for (const command of renderedCommands(env, step, machine)) {
        const heredoc = /<<'?EOF'?(?: > (\S+))?\n([\s\S]*?)\nEOF/.exec(command.script);
        if (!heredoc) continue;
        const body = parse(heredoc[2]!);
        const target = heredoc[1];
        const fixture = target ? fileFixture(step.number, target) : objectFixture(body);
        if (!fixture) continue;
        const expected = parse(render(readFileSync(path.join(repoRoot, 'fixtures', fixture), 'utf8'), vars));
        assert.deepEqual(body, expected, `lesson ${step.number} (line ${command.line}) differs from fixtures/${fixture}`);
        used.add(fixture);
      }
    }
    // Every fixture appears in a lesson, but the ones a lesson makes with a command instead (kubectl create namespace).
    const byCommand = ['demo-namespace.yaml', 'precious.yaml'];
    const fixtures = readdirSync(path.join(repoRoot, 'fixtures')).filter((f) => !byCommand.includes(f));
    assert.deepEqual([...used].sort(), fixtures.sort(), 'every fixture appears in a lesson');
  });

  it('every lesson has runnable commands and ends with its own verify', () => {
    for (const step of steps) {
      const commands = renderedCommands(env, step, machine);
      assert.ok(commands.length >= 3, `lesson ${step.number} has commands`);
      assert.equal(commands.at(-1)!.script.trim(), `npm run lab -- verify ${step.number}`);
    }
  });
});
