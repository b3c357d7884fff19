import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lessonLines, plainFences, tablesAsLists } from '../../../src/ui/markdown.ts';

describe('lesson markdown for the terminal', () => {
  it('drops the test markers from code fences', () => {
    assert.equal(plainFences('```sh lab-run kubelet\nkubelet\n```\n```text lab-expect\nok\n```'), '```sh\nkubelet\n```\n```text\nok\n```');
  });

  it('turns a table into a list so it fits a narrow terminal', () => {
    assert.equal(tablesAsLists('| flag | why |\n| --- | --- |\n| `--a` | because |\n\nafter'), '- **`--a`**: because\n\nafter');
  });

  it('renders within the width and keeps commands', () => {
    const lines = lessonLines('# Title\n\nsome words '.concat('word '.repeat(40), '\n\n```sh lab-run\nkubectl get pods\n```\n'), 40);
    const plain = lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
    assert.ok(plain.every((line) => line.length <= 40), plain.join('\n'));
    assert.ok(plain.some((line) => line.includes('kubectl get pods')));
    assert.ok(!plain.some((line) => line.includes('lab-run')));
  });
});
