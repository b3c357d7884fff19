import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inlineLines,
  layoutLesson,
  lessonLines,
  LITERAL_MARK,
  markBlock,
  plainFences,
  plainInline,
  shellBreaks,
  tablesAsLists,
  unwrapCode,
} from '../../../src/tui/markdown.ts';

const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');
const render = (markdown: string, width = 40) => lessonLines(markdown, width, { color: false });
/** A block's shown rows without the list indentation and the gutter. */
const codeRows = (markdown: string, width: number, index = 0) => {
  const layout = layoutLesson(markdown, width, { color: false });
  const block = layout.blocks[index]!;
  return { block, rows: layout.lines.slice(block.start, block.end).map((line, i) => line.slice(block.prefixes[i]!.length + 2)) };
};

describe('lesson markdown for the terminal', () => {
  it('drops the test markers from code fences', () => {
    assert.equal(plainFences('```sh lab-run kubelet\nkubelet\n```\n```text lab-expect\nok\n```'), '```sh\nkubelet\n```\n```text\nok\n```');
  });

  it('turns a table into a list so it fits a narrow terminal', () => {
    assert.equal(tablesAsLists('| flag | why |\n| --- | --- |\n| `--a` | because |\n\nafter'), '- **`--a`**: because\n\nafter');
    assert.deepEqual(render('| flag | why |\n| --- | --- |\n| `--a` | because |\n\nafter'), ['• --a: because', '', 'after']);
  });

  it('renders within the width and keeps commands', () => {
    const lines = render('# Title\n\nsome words '.concat('word '.repeat(40), '\n\n```sh lab-run\nkubectl get pods\n```\n'), 40);
    assert.ok(
      lines.every((line) => line.length <= 40),
      lines.join('\n'),
    );
    assert.ok(lines.some((line) => line.includes('kubectl get pods')));
    assert.ok(!lines.some((line) => line.includes('lab-run')));
  });

  it('reflows a paragraph to the width, one space between words', () => {
    assert.deepEqual(render('one two  three\nfour five six seven eight nine', 20), ['one two three four', 'five six seven eight', 'nine']);
  });

  it('renders bullet lists with hanging indentation, and nested lists one level in', () => {
    const lines = render(
      '- **`--pod-manifest-path`**: the directory kubelet watches for static pod files\n- second\n  - nested *one*\n  - nested ' +
        'two\n- third',
      40,
    );
    assert.deepEqual(lines, [
      '• --pod-manifest-path: the directory',
      '  kubelet watches for static pod files',
      '• second',
      '  ◦ nested one',
      '  ◦ nested two',
      '• third',
    ]);
  });

  it('numbers ordered lists, aligned past 9, and keeps a loose list loose', () => {
    const items = Array.from({ length: 10 }, (_, i) => `${i + 1}. item ${i + 1}`).join('\n');
    const lines = render(items, 40);
    assert.equal(lines[0], ' 1. item 1');
    assert.equal(lines[9], '10. item 10');
    assert.deepEqual(render('1. first\n\n   more of the first\n2. second'), ['1. first', '', '   more of the first', '', '2. second']);
  });

  it('styles emphasis, inline code and links instead of showing their markers', () => {
    const [line] = lessonLines('Run **kubelet** with `--pod-manifest-path`, *not* [this](https://example.com/x).', 100, { color: true });
    assert.match(line!, /\x1b\[1mkubelet\x1b\[22m/, 'bold');
    assert.match(line!, /\x1b\[33m--pod-manifest-path\x1b\[39m/, 'inline code in yellow');
    assert.match(line!, /\x1b\[3mnot\x1b\[23m/, 'italic');
    assert.equal(plain(line!), 'Run kubelet with --pod-manifest-path, not this (https://example.com/x).');
  });

  it('renders headings without their hashes, and <details> as its summary and content', () => {
    assert.deepEqual(
      render('## What `kubelet` does\n\n<details>\n<summary>What happens without it</summary>\n\ninside\n\n</details>\n\nafter &amp; more'),
      ['What kubelet does', '', '▸ What happens without it', '', 'inside', '', 'after & more'],
    );
  });

  it('keeps angle brackets that are no HTML element as text (pods/<name>/binding, <nodeIp>)', () => {
    assert.deepEqual(render('POST to pods/<name>/binding on <nodeIp>, <b>bold</b> tag dropped'), [
      'POST to pods/<name>/binding on <nodeIp>,',
      'bold tag dropped',
    ]);
  });

  it('renders a hint (inline markdown) as wrapped lines', () => {
    assert.deepEqual(inlineLines('**Hint 1/3:** use the `cat <<EOF` command', 20, { color: false }), [
      'Hint 1/3: use the',
      'cat <<EOF command',
    ]);
    assert.equal(plainInline('Start `kubelet` *now*'), 'Start kubelet now');
  });

  it('never cuts a code line: a long command wraps at a space with a shell continuation', () => {
    const command = 'docker ps -a --filter label=io.kubernetes.pod.name=hello-mvk-node --format x';
    const { block, rows } = codeRows(`\`\`\`sh lab-run\n${command}\n\`\`\``, 56);
    assert.equal(block.command, true);
    assert.deepEqual(rows, ['docker ps -a --filter \\', '    label=io.kubernetes.pod.name=hello-mvk-node \\', '    --format x']);
    assert.ok(rows.every((row) => row.length <= 54));
    assert.equal(unwrapCode(rows), command);
  });

  it('keeps quoted strings whole and breaks after $( when that is the place that fits', () => {
    const command = "curl -s http://$(kubectl get pod nginx -o jsonpath='{.status.podIP}')/";
    const { rows } = codeRows(`\`\`\`sh\n${command}\n\`\`\``, 40);
    for (const row of rows) assert.ok(!/'[^']*\\$/.test(row), `a break inside quotes: ${row}`);
    assert.equal(unwrapCode(rows), command);
    assert.deepEqual(
      shellBreaks([Array.from("a 'b c' d")])[0]!
        .map((b, i) => (b ? i : -1))
        .filter((i) => i >= 0),
      [2, 8],
    );
  });

  it("wraps a heredoc's body, output and unbreakable words with a literal mark, and the text comes back exactly", () => {
    const yaml = `cat <<'EOF' > pods/x.yaml\nmetadata:\n  annotations:\n    note: ${'a'.repeat(30)} ${'b'.repeat(30)}\nEOF`;
    const { rows } = codeRows(`\`\`\`sh\n${yaml}\n\`\`\``, 40);
    assert.ok(rows.some((row) => row.endsWith(LITERAL_MARK)));
    assert.ok(!rows.some((row) => row.endsWith('\\')), 'no shell continuation inside a heredoc');
    assert.equal(unwrapCode(rows), yaml);
    const word = `export PATH=/${'x'.repeat(60)}:$PATH`;
    const long = codeRows(`\`\`\`sh\n${word}\n\`\`\``, 40).rows;
    assert.ok(long.every((row) => row.length <= 38));
    assert.equal(unwrapCode(long), word);
    const output = codeRows(`\`\`\`text lab-expect\n${'out '.repeat(20).trim()}\n\`\`\``, 30);
    assert.equal(output.block.command, false);
    assert.equal(unwrapCode(output.rows), 'out '.repeat(20).trim());
  });

  it("keeps the lesson's own continuation lines apart from the wrapped parts", () => {
    const kubelet =
      `kubelet \\\n  --pod-manifest-path=/root/mvk-lab/pods \\\n  ` +
      `--experimental-dockershim-root-directory=/var/lib/mvk-lab/dockershim --fail-swap-on=false`;
    const { rows } = codeRows(`\`\`\`sh lab-run kubelet\n${kubelet}\n\`\`\``, 79);
    assert.equal(rows.at(-1), '      --fail-swap-on=false');
    assert.equal(unwrapCode(rows), kubelet);
  });

  it('indents a code block inside a list item and marks the block the copy key takes', () => {
    const layout = layoutLesson('- run this:\n\n  ```sh\n  echo hi\n  ```\n', 40, { color: false });
    const block = layout.blocks[0]!;
    assert.equal(layout.lines[block.start], '    echo hi');
    assert.equal(block.text, 'echo hi');
    assert.equal(markBlock(layout, 0, '›')[block.start], '  › echo hi');
  });
});
