import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { codeActions } from '../../src/engine/actions/code.ts';
import {
  checkContent,
  devCheckReport,
  formatContentProblem,
  lessonHeadings,
  type CheckOptions,
  type ContentProblem,
} from '../../src/engine/contentCheck.ts';
import { repoRoot } from '../../src/core/paths.ts';
import { codeProbes } from '../../src/engine/probes/custom/index.ts';
import { labSteps } from '../../src/engine/steps.ts';

/** Issue 13, item 2: `lab dev check` on the real content, and on a copy broken one rule at a time. */
describe('lab dev check', () => {
  const temps: string[] = [];
  after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A copy of labs/ and fixtures/ in a temporary directory, with `edit` applied to it. */
  function brokenTree(edit: (root: string) => void, bashSyntax = false): CheckOptions {
    const root = mkdtempSync(path.join(tmpdir(), 'mvk-devcheck-'));
    temps.push(root);
    cpSync(path.join(repoRoot, 'labs'), path.join(root, 'labs'), { recursive: true });
    cpSync(path.join(repoRoot, 'fixtures'), path.join(root, 'fixtures'), { recursive: true });
    edit(root);
    return {
      labsDir: path.join(root, 'labs'),
      fixturesDir: path.join(root, 'fixtures'),
      codeProbes: Object.keys(codeProbes),
      codeActions: Object.keys(codeActions),
      bashSyntax,
    };
  }
  const editFile = (file: string, edit: (text: string) => string) => writeFileSync(file, edit(readFileSync(file, 'utf8')));
  const lineOf = (file: string, needle: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((line) => line.includes(needle)) + 1;
  const only = (problems: ContentProblem[], rule: ContentProblem['rule']) => problems.filter((p) => p.rule === rule);

  it('passes on the repository content', async () => {
    const report = await devCheckReport();
    assert.equal(report.ok, true, report.lines.join('\n'));
    assert.match(
      report.lines.at(-1)!,
      new RegExp(`^content ok: ${labSteps().length} steps, \\d+ probes, \\d+ lesson commands, \\d+ fixtures, \\d+ diagnoses checked$`),
    );
  });

  it('the unbroken copy passes too (the tests below break one thing each)', async () => {
    const { problems } = await checkContent(brokenTree(() => undefined, true));
    assert.deepEqual(
      problems.map((p) => formatContentProblem(p)),
      [],
    );
  });

  it('a diagnosis whose lesson section is no heading of its lesson, and a lessonSection not in the form', async () => {
    const options = brokenTree((root) =>
      editFile(path.join(root, 'labs/02-etcd/lesson.md'), (text) => text.replace(/^## Check etcd$/m, '## Checking etcd')),
    );
    const diagnosesFile = path.join(path.dirname(options.labsDir!), 'catalogue.ts');
    writeFileSync(
      diagnosesFile,
      "  {\n    id: 'etcd-down',\n    lessonSection: 'lesson 2, \"Check etcd\"',\n  },\n  {\n    id: 'vague',\n    " +
        "lessonSection: 'the etcd lesson',\n  },\n",
    );
    const { problems } = await checkContent({
      ...options,
      diagnoses: [
        { id: 'etcd-down', lessonSection: 'lesson 2, "Check etcd"' },
        { id: 'vague', lessonSection: 'the etcd lesson' },
      ],
      diagnosesFile,
    });
    const found = only(problems, 'lesson-section');
    assert.equal(found.length, 2, found.map((p) => formatContentProblem(p)).join('\n'));
    assert.equal(found[0]!.file, diagnosesFile);
    assert.equal(found[0]!.line, 3);
    assert.match(
      found[0]!.message,
      /diagnosis etcd-down names the section "Check etcd" of lesson 2, which has no such heading \(it has: .*Checking etcd/,
    );
    assert.equal(found[1]!.line, 7);
    assert.match(found[1]!.message, /diagnosis vague: lessonSection "the etcd lesson" is not 'lesson N, "Heading"'/);
  });

  it('a lesson section named in step.yaml, and a hint quoting a command the lesson does not have', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/02-etcd/step.yaml'), (text) =>
        text.replace('hint: check --listen-client-urls and hostNetwork in pods/etcd.yaml', 'hint: reread lesson 2, "No such heading"'),
      );
      editFile(path.join(root, 'labs/02-etcd/step.yaml'), (text) =>
        text.replace("the lesson's `cat <<'EOF' > pods/etcd.yaml` command", "the lesson's `cat <<'EOF' > pods/etcd-server.yaml` command"),
      );
    });
    const file = path.join(options.labsDir!, '02-etcd/step.yaml');
    const { problems } = await checkContent(options);
    const sections = only(problems, 'lesson-section');
    assert.equal(sections.length, 1);
    assert.equal(sections[0]!.file, file);
    assert.equal(sections[0]!.line, lineOf(file, 'No such heading'));
    const hints = only(problems, 'hint-reference');
    assert.equal(hints.length, 1, problems.map((p) => formatContentProblem(p)).join('\n'));
    assert.equal(hints[0]!.line, lineOf(file, 'etcd-server.yaml'));
    assert.match(hints[0]!.message, /hints\.2 quotes the lesson's `cat <<'EOF' > pods\/etcd-server\.yaml`, but lesson 2 has no/);
  });

  it('an unpinned image in versions.yaml, an image a fixture names outside it, an unknown image role', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/versions.yaml'), (text) => text.replace('nginx: nginx:1.22.1', 'nginx: nginx:latest'));
      editFile(path.join(root, 'fixtures/hello.yaml'), (text) => text.replace('{{images.busybox}}', 'busybox'));
      editFile(path.join(root, 'fixtures/curl.yaml'), (text) => text.replace('{{images.curl}}', '{{images.wget}}'));
    });
    const root = path.dirname(options.labsDir!);
    const { problems } = await checkContent(options);
    const images = only(problems, 'image');
    assert.deepEqual(
      images.map((p) => [path.relative(root, p.file), p.line]),
      [
        ['labs/versions.yaml', lineOf(path.join(root, 'labs/versions.yaml'), 'nginx:latest')],
        ['fixtures/curl.yaml', lineOf(path.join(root, 'fixtures/curl.yaml'), 'images.wget')],
        ['fixtures/hello.yaml', lineOf(path.join(root, 'fixtures/hello.yaml'), 'image: busybox')],
      ].sort((a, b) => images.findIndex((p) => p.file.endsWith(a[0] as string)) - images.findIndex((p) => p.file.endsWith(b[0] as string))),
    );
    assert.match(images.find((p) => p.file.endsWith('versions.yaml'))!.message, /image nginx is "nginx:latest": not pinned/);
    assert.match(images.find((p) => p.file.endsWith('hello.yaml'))!.message, /image busybox is not in labs\/versions\.yaml/);
    assert.match(
      images.find((p) => p.file.endsWith('curl.yaml'))!.message,
      /\{\{images\.wget\}\} names an image role that labs\/versions\.yaml does not list/,
    );
    // The unknown role is an unknown placeholder as well.
    assert.ok(only(problems, 'placeholder').some((p) => p.file.endsWith('curl.yaml') && /\{\{images\.wget\}\}/.test(p.message)));
  });

  it('a fixture that is a bad pod manifest: every lint problem with its line and column; a broken non-pod fixture', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'fixtures/etcd.yaml'), (text) => text.replace('hostNetwork: true', 'hostnetwork: true'));
      mkdirSync(path.join(root, 'fixtures/07-new'));
      writeFileSync(
        path.join(root, 'fixtures/07-new/pod.yaml'),
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: x\n',
      );
      writeFileSync(path.join(root, 'fixtures/binding.json'), '{ "kind": "Binding", ');
    });
    const root = path.dirname(options.labsDir!);
    const { problems } = await checkContent(options);
    const lint = only(problems, 'fixture-lint').map((p) => formatContentProblem(p, root));
    const etcdLine = lineOf(path.join(root, 'fixtures/etcd.yaml'), 'hostnetwork');
    assert.equal(lint.length, 3, lint.join('\n'));
    assert.equal(lint[0], 'fixtures/07-new/pod.yaml:7:5: error: spec.containers[0] has no image [fixture-lint]');
    assert.match(lint[1]!, /^fixtures\/binding\.json: not valid JSON: .* \[fixture-lint\]$/);
    assert.equal(
      lint[2],
      `fixtures/etcd.yaml:${etcdLine}:3: warning: spec.hostnetwork is not a Pod field (did you mean hostNetwork?); kubelet ` +
        `ignores it without a word [fixture-lint]`,
    );
  });

  it('a YAML mistake in step.yaml or a non-pod fixture: its line and column once, not again in the message', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/01-kubelet-static-pod/step.yaml'), (text) =>
        text.replace('slug: kubelet-static-pod', 'slug: [unclosed'),
      );
      writeFileSync(path.join(root, 'fixtures/config.yaml'), 'a: [1\n');
    });
    const root = path.dirname(options.labsDir!);
    const { problems } = await checkContent(options);
    const shown = problems
      .filter((p) => p.file.endsWith('01-kubelet-static-pod/step.yaml') || p.file.endsWith('config.yaml'))
      .map((p) => formatContentProblem(p, root));
    assert.ok(shown.length >= 2, shown.join('\n'));
    for (const line of shown) {
      assert.match(line, /^(labs\/01-kubelet-static-pod\/step|fixtures\/config)\.yaml:\d+:\d+: (YAML error|not valid YAML): /);
      assert.doesNotMatch(line, /at line \d+|\^/);
    }
  });

  it('a Pod a lesson command writes is linted as a fixture is, on the lesson line', async () => {
    const options = brokenTree((root) =>
      editFile(path.join(root, 'labs/01-kubelet-static-pod/lesson.md'), (text) =>
        text.replace('    image: {{images.busybox}}', '    imagee: {{images.busybox}}'),
      ),
    );
    const file = path.join(options.labsDir!, '01-kubelet-static-pod/lesson.md');
    const { problems } = await checkContent(options);
    const lint = only(problems, 'fixture-lint');
    const imagee = lineOf(file, 'imagee:');
    assert.deepEqual(
      lint.map((p) => [p.file, p.line, p.column, p.message]),
      [
        [file, imagee - 1, 5, 'a Pod in this command: error: spec.containers[0] has no image'],
        [
          file,
          imagee,
          5,
          'a Pod in this command: warning: spec.containers[0].imagee is not a Pod field (did you mean image?); kubelet ignores it ' +
            'without a word',
        ],
      ],
    );
  });

  it('a probe without a cause or a hint is named by its id', async () => {
    const options = brokenTree((root) =>
      editFile(path.join(root, 'labs/02-etcd/step.yaml'), (text) =>
        text.replace(
          '    cause: etcd runs but is not healthy yet\n    hint: give it a few seconds after start; if it stays unhealthy, its ' +
            'logs say why\n',
          '',
        ),
      ),
    );
    const file = path.join(options.labsDir!, '02-etcd/step.yaml');
    const { problems } = await checkContent(options);
    assert.deepEqual(
      problems.map((p) => [p.rule, p.line, p.message]),
      [
        [
          'probe-text',
          lineOf(file, 'id: etcd-health'),
          'probe "etcd-health" has no cause, no hint: every probe needs a title, and a cause and a hint, which the student sees ' +
            'when it fails',
        ],
      ],
    );
  });

  it('lab-run blocks: bad shell, an expectation nobody checks, a kubelet block without kubelet, an unknown flag', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/02-etcd/lesson.md'), (text) =>
        text.replace(
          '```sh lab-run retry\ncurl -sS http://127.0.0.1:2379/version',
          '```sh lab-run retry\nif true; then\ncurl -sS http://127.0.0.1:2379/version',
        ),
      );
      editFile(path.join(root, 'labs/04-kubelet-joins/lesson.md'), (text) =>
        text.replace(
          /```sh lab-run kubelet\n/,
          '```sh lab-run kubelet\necho start it yourself\n```\n\n```text lab-expect\nready\n```\n\n```sh lab-run\n',
        ),
      );
      editFile(path.join(root, 'labs/03-apiserver/lesson.md'), (text) => text.replace('```sh lab-run\n', '```sh lab-run sometimes\n'));
    }, true);
    const { problems } = await checkContent(options);
    const runs = only(problems, 'lab-run').map((p) => `${path.basename(path.dirname(p.file))}:${p.line} ${p.message}`);
    const lesson = (n: string) => path.join(options.labsDir!, n, 'lesson.md');
    const ifLine = lineOf(lesson('02-etcd'), 'if true; then');
    const kubeletLine = lineOf(lesson('04-kubelet-joins'), '```sh lab-run kubelet');
    assert.deepEqual(
      runs.sort(),
      [
        `02-etcd:${ifLine + 1} not valid shell (bash -n): syntax error: unexpected end of file`,
        `03-apiserver:${lineOf(lesson('03-apiserver'), 'lab-run sometimes')} unknown lab-run flag "sometimes"`,
        `04-kubelet-joins:${kubeletLine} a kubelet block that does not run kubelet: the engine test waits for the kubelet it starts`,
        `04-kubelet-joins:${kubeletLine} a lab-expect block after a kubelet block is never checked: the engine test does not read ` +
          `that block's output`,
      ].sort(),
    );
  });

  it('an unknown placeholder, on its line, in a lesson and a step.yaml', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/03-apiserver/lesson.md'), (text) => `${text}\nThe apiserver answers on {{apiServerUrl}}.\n`);
      editFile(path.join(root, 'labs/03-apiserver/step.yaml'), (text) =>
        text.replace('hint: write pods/apiserver.yaml as in the lesson', 'hint: write {{podsDir}}/apiserver.yaml as in the lesson'),
      );
    });
    const { problems } = await checkContent(options);
    const found = only(problems, 'placeholder').map((p) => `${path.basename(p.file)}:${p.line} ${p.message.replace(/ \(known: .*/, '')}`);
    assert.deepEqual(found.sort(), [
      `lesson.md:${lineOf(path.join(options.labsDir!, '03-apiserver/lesson.md'), 'apiServerUrl')} unknown placeholder {{apiServerUrl}}`,
      `step.yaml:${lineOf(path.join(options.labsDir!, '03-apiserver/step.yaml'), '{{podsDir}}')} unknown placeholder {{podsDir}}`,
    ]);
  });

  it("lists every step's load problems at once, with the field's line", async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/01-kubelet-static-pod/step.yaml'), (text) => text.replace('step: 1', 'step: 7'));
      editFile(path.join(root, 'labs/05-service-account/step.yaml'), (text) =>
        text.replace(/(\nprobes:[\s\S]*?)kind: apiObject/, '$1kind: apiObjects'),
      );
      editFile(path.join(root, 'labs/06-pods-talk/step.yaml'), (text) => text.replace(/code: run-curl/, 'code: run-wget'));
    });
    const { problems } = await checkContent(options);
    const load = only(problems, 'load').map((p) => `${path.basename(path.dirname(p.file))}:${p.line} ${p.message}`);
    const file = (n: string) => path.join(options.labsDir!, n, 'step.yaml');
    assert.equal(load.length, 3, load.join('\n'));
    assert.equal(
      load[0],
      `01-kubelet-static-pod:${lineOf(file('01-kubelet-static-pod'), 'step: 7')} field step: is 7 but the directory says 1`,
    );
    assert.match(load[1]!, /^05-service-account:\d+ field probes\.\d+\.kind: Invalid discriminator value/);
    assert.match(
      load[2]!,
      new RegExp(
        `^06-pods-talk:${lineOf(file('06-pods-talk'), 'code: run-wget')} field apply\\.\\d+\\.code: no code action named "run-wget"`,
      ),
    );
  });

  it('a step that adds nothing to the map, a static pod declared twice, a map part naming a pod not declared yet', async () => {
    const options = brokenTree((root) => {
      editFile(path.join(root, 'labs/04-kubelet-joins/step.yaml'), (text) =>
        text.replace(/\nmap:\n {2}- kind: kubeconfig\n {2}- kind: node\n/, '\n'),
      );
      editFile(path.join(root, 'labs/03-apiserver/step.yaml'), (text) =>
        text.replace('staticPods:\n  apiserver:\n', 'staticPods:\n  etcd:\n'),
      );
      editFile(path.join(root, 'labs/02-etcd/step.yaml'), (text) =>
        text.replace('{ kind: staticPod, pod: etcd,', '{ kind: staticPod, pod: scheduler,'),
      );
    });
    const { problems } = await checkContent(options);
    const found = only(problems, 'map').map((p) => `${path.basename(path.dirname(p.file))}:${p.line} ${p.message}`);
    const file = (n: string) => path.join(options.labsDir!, n, 'step.yaml');
    assert.deepEqual(found, [
      `04-kubelet-joins:${lineOf(file('04-kubelet-joins'), 'title:')} the step adds nothing to the cluster map: give it ` +
        `\`map:\` parts for what it builds, so the student sees it appear`,
      `02-etcd:${lineOf(file('02-etcd'), 'pod: scheduler')} field map.0.pod: "scheduler" is not a static pod of this step or an ` +
        `earlier one (declared: hello, etcd)`,
      `03-apiserver:${lineOf(file('03-apiserver'), 'staticPods:') + 1} field staticPods.etcd: the static pod "etcd" is already ` +
        `declared by step 2`,
      `03-apiserver:${lineOf(file('03-apiserver'), 'pod: apiserver')} field map.0.pod: "apiserver" is not a static pod of this ` +
        `step or an earlier one (declared: hello, etcd)`,
    ]);
  });

  it("the final screen's finale belongs to the last step, and the last step has one", async () => {
    const dirs = readdirSync(path.join(repoRoot, 'labs'))
      .filter((d) => /^\d\d-/.test(d))
      .sort();
    const [before, lastDir] = dirs.slice(-2) as [string, string];
    const options = brokenTree((root) => {
      const last = path.join(root, 'labs', lastDir, 'step.yaml');
      const text = readFileSync(last, 'utf8');
      const finale = text.slice(text.indexOf('\nfinale:'));
      writeFileSync(last, text.replace(finale, '\n'));
      editFile(path.join(root, 'labs', before, 'step.yaml'), (text) => `${text.trimEnd()}${finale}`);
    });
    const { problems } = await checkContent(options);
    const found = only(problems, 'map').map((p) => `${path.basename(path.dirname(p.file))}:${p.line} ${p.message}`);
    const file = (n: string) => path.join(options.labsDir!, n, 'step.yaml');
    assert.deepEqual(found, [
      `${before}:${lineOf(file(before), 'finale:')} field finale: only the last step (${dirs.length}) has the final ` + `screen's finale`,
      `${lastDir}:${lineOf(file(lastDir), 'title:')} field title: the last step needs a finale: the final screen's ` +
        `headline, request path, what production adds and what comes next`,
    ]);
  });

  it('headings are read outside code blocks only (a shell comment is no heading)', () => {
    assert.deepEqual(lessonHeadings('# Title\n\n```sh\n# a comment\n```\n\n## Part two ##\n'), [
      { text: 'Title', line: 1 },
      { text: 'Part two', line: 7 },
    ]);
  });

  it('`lab dev check` exits 0 on the repository content', async () => {
    const { main } = await import('../../src/cli.ts');
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['dev', 'check']);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0, lines.join(''));
    assert.match(lines.join(''), /^content ok: /m);
  });
});
