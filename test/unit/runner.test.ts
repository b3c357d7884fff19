import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { z } from 'zod';
import type { Step } from '../../src/content/load.ts';
import { contentSchemas } from '../../src/content/schema.ts';
import { labEnv } from '../../src/core/context.ts';
import { checkConditions, getField } from '../../src/engine/probes/conditions.ts';
import { codeProbes } from '../../src/engine/probes/custom/index.ts';
import { registerDiagnoser } from '../../src/engine/probes/diagnosis.ts';
import { emptyProgress, loadProgress, parseProgress, recordResult, saveProgress } from '../../src/engine/stepProgress.ts';
import { runStep } from '../../src/engine/runner.ts';

function tempRepo(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mvk-repo-'));
  mkdirSync(path.join(root, 'pods'));
  return root;
}

/** A step whose probes only read files, so the runner's logic is tested without Docker or kubelet. */
function fileStep(): Step {
  const meta = contentSchemas().stepMetaSchema.parse({
    format: 1,
    step: 1,
    slug: 'files',
    title: 'files',
    summary: 's',
    learned: ['l'],
    hints: ['h'],
    apply: [{ code: 'x' }],
    probes: [
      {
        id: 'manifest',
        title: 'pods/a.yaml is a Pod',
        kind: 'file',
        path: 'pods/a.yaml',
        parseAs: 'pod',
        expect: [{ field: 'metadata.name', equals: 'a' }],
        cause: 'missing',
        hint: 'write it',
      },
      { id: 'after', title: 'depends on it', kind: 'path', path: '/', type: 'directory', needs: ['manifest'], cause: 'c', hint: 'h' },
    ],
  });
  return { meta, number: 1, dir: '', metaFile: '', lessonFile: '', lesson: '' };
}

describe('runner', () => {
  afterEach(() => registerDiagnoser(undefined));

  it('fails with the metadata cause and skips probes that need the failed one', async () => {
    const env = labEnv({ repoRoot: tempRepo() });
    const report = await runStep(env, fileStep());
    assert.equal(report.passed, false);
    assert.deepEqual(
      report.results.map((r) => r.status),
      ['fail', 'skip'],
    );
    assert.equal(report.results[0]!.seen, 'pods/a.yaml does not exist');
    assert.equal(report.results[0]!.cause, 'missing');
    assert.equal(report.results[0]!.hint, 'write it');
    assert.match(report.results[1]!.seen, /not checked: "pods\/a\.yaml is a Pod" did not pass/);
  });

  it(
    'a check that times out says the machine may be slow, with MVK_TIMEOUT_SCALE, and gets no diagnosis; the scale stretches ' + 'it',
    async () => {
      // A check that never answers: only the runner's timeout ends it.
      codeProbes['test-never-answers'] = () => new Promise(() => undefined);
      const meta = contentSchemas().stepMetaSchema.parse({
        ...fileStep().meta,
        probes: [
          { id: 'slow', title: 'answers', kind: 'code', module: 'test-never-answers', timeoutMs: 100, cause: 'down', hint: 'start it' },
        ],
      });
      let diagnosed = 0;
      registerDiagnoser(async () => {
        diagnosed++;
        return undefined;
      });
      try {
        const step = { ...fileStep(), meta };
        const quick = (await runStep(labEnv({ repoRoot: tempRepo() }), step)).results[0]!;
        assert.equal(quick.seen, 'no answer within 0.1s');
        assert.match(quick.cause!, /machine may be busy or slow/);
        assert.match(quick.hint!, /MVK_TIMEOUT_SCALE=4/);
        assert.equal(diagnosed, 0);
        process.env.MVK_TIMEOUT_SCALE = '3';
        const scaled = (await runStep(labEnv({ repoRoot: tempRepo() }), step)).results[0]!;
        assert.equal(scaled.seen, 'no answer within 0.3s');
      } finally {
        delete process.env.MVK_TIMEOUT_SCALE;
        delete codeProbes['test-never-answers'];
      }
    },
  );

  it('points at the YAML line of a broken student file', async () => {
    const root = tempRepo();
    writeFileSync(path.join(root, 'pods/a.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n\tcontainers: []\n');
    const report = await runStep(labEnv({ repoRoot: root }), fileStep());
    assert.match(report.results[0]!.seen, /pods\/a\.yaml:6:1: a tab in the indentation/);
  });

  it('passes when the file is right', async () => {
    const root = tempRepo();
    writeFileSync(
      path.join(root, 'pods/a.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: i:1\n',
    );
    const report = await runStep(labEnv({ repoRoot: root }), fileStep());
    assert.equal(report.passed, true);
  });

  it('lets a diagnosis layer attach to failed probes only', async () => {
    const seen: string[] = [];
    registerDiagnoser(async (result) => {
      seen.push(result.id);
      return { id: 'manifest-missing', explanation: 'e', fix: 'f' };
    });
    const report = await runStep(labEnv({ repoRoot: tempRepo() }), fileStep());
    assert.deepEqual(seen, ['manifest']);
    assert.equal(report.results[0]!.diagnosis?.id, 'manifest-missing');
  });
});

describe('conditions', () => {
  const node = {
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
    },
    items: [{ a: 1 }],
  };

  it('selects list items by key and by index', () => {
    assert.equal(getField(node, 'status.conditions[type=Ready].status'), 'True');
    assert.equal(getField(node, 'items[0].a'), 1);
    assert.equal(getField(node, 'status.nothing.deeper'), undefined);
  });

  it('reports the first condition that does not hold', () => {
    const check = checkConditions({ phase: 'Pending' }, [{ field: 'phase', equals: 'Running' }]);
    assert.equal(check.ok, false);
    assert.equal(check.seen, 'phase is "Pending"');
    assert.equal(checkConditions({ podIP: '' }, [{ field: 'podIP', exists: true }]).ok, false);
    assert.equal(checkConditions({ health: 'true' }, [{ field: 'health', equals: 'true' }]).ok, true);
  });

  it('holds an anyOf when one of its checks holds, and shows every field when none does', () => {
    const either = [
      {
        anyOf: [
          { field: 'automountServiceAccountToken', equals: false },
          { field: 'secrets[0].name', exists: true },
        ],
      },
    ];
    assert.equal(checkConditions({ automountServiceAccountToken: false }, either).ok, true);
    assert.equal(checkConditions({ secrets: [{ name: 'default-token-x' }] }, either).ok, true);
    const neither = checkConditions({ metadata: { name: 'default' } }, either);
    assert.equal(neither.ok, false);
    assert.equal(neither.expected, 'automountServiceAccountToken = false or secrets[0].name is set');
    assert.equal(neither.seen, 'automountServiceAccountToken is not set, secrets[0].name is not set');
    // A step.yaml writes it the same way; a choice of one is no choice.
    const { conditionSchema } = contentSchemas();
    assert.equal(conditionSchema.safeParse(either[0]).success, true);
    assert.equal(conditionSchema.safeParse({ anyOf: [{ field: 'a', exists: true }] }).success, false);
  });
});

describe('progress', () => {
  it('moves the current step to the first one not passed and survives a round trip', () => {
    let progress = recordResult(emptyProgress(), 1, true, 6);
    progress = recordResult(progress, 2, true, 6);
    assert.equal(progress.current, 3);
    progress = recordResult(progress, 1, false, 6);
    assert.equal(progress.current, 1);
    const env = labEnv({ repoRoot: tempRepo() });
    saveProgress(env, progress);
    assert.deepEqual(Object.keys(loadProgress(env).passed), ['2']);
  });

  it('starts over on a file of another format version', () => {
    const env = labEnv({ repoRoot: tempRepo() });
    mkdirSync(env.stateDir, { recursive: true });
    writeFileSync(path.join(env.stateDir, 'progress.json'), JSON.stringify({ version: 0, passed: { 1: 'x' } }));
    assert.equal(loadProgress(env).current, 1);
  });

  it('accepts and rejects exactly what its former zod schema did', () => {
    const schema = z.object({
      version: z.literal(1),
      passed: z.record(z.string().regex(/^\d+$/), z.string()),
      current: z.number().int().min(1),
      updatedAt: z.string(),
    });
    const good = { version: 1, passed: { 2: 'a', 10: 'b' }, current: 3, updatedAt: 't' };
    const cases: unknown[] = [
      good,
      { ...good, extra: true },
      { ...good, passed: {} },
      { ...good, version: 2 },
      { ...good, version: '1' },
      { ...good, passed: { x: 'a' } },
      { ...good, passed: { 1: 2 } },
      { ...good, passed: ['a'] },
      { ...good, passed: null },
      { ...good, current: 0 },
      { ...good, current: 1.5 },
      { ...good, current: '3' },
      { ...good, updatedAt: 5 },
      { version: 1, passed: {}, current: 1 },
      JSON.parse('{"version": 1, "passed": {"__proto__": "x"}, "current": 1, "updatedAt": "t"}'),
      [],
      null,
      'progress',
    ];
    for (const raw of cases) {
      const expected = schema.safeParse(raw);
      assert.deepStrictEqual(parseProgress(raw), expected.success ? expected.data : undefined, JSON.stringify(raw));
    }
  });
});
