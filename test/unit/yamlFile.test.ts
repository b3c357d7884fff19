import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseStepMeta } from '../../src/content/load.ts';
import { LabError } from '../../src/core/errors.ts';
import { loadLabConfig } from '../../src/core/labConfig.ts';
import { loadYamlFile, parseYamlFile, readYaml } from '../../src/core/yamlFile.ts';

const schema = z.object({ name: z.string(), items: z.array(z.object({ size: z.number() })).optional() }).strict();
const hint = 'fix it';

/** The LabError `run` throws. */
function thrown(run: () => unknown): LabError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof LabError, String(error));
    return error;
  }
  assert.fail('nothing was thrown');
}

function configFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mvk-yaml-')), 'lab.config.yaml');
  writeFileSync(file, text);
  return file;
}

describe('one YAML + schema loader', () => {
  it("a YAML mistake: file, line and column once, in one line, with the hint and the parser's error as cause", () => {
    const error = thrown(() => parseYamlFile('x.yaml', 'name: a\nitems: [1\n', schema, { hint }));
    assert.match(error.message, /^x\.yaml:\d+:\d+: [^\n]+$/);
    assert.doesNotMatch(error.message, /line \d+/);
    assert.equal(error.hint, hint);
    assert.ok(error.cause instanceof Error);
  });

  it('a tab in the indentation reads as in `lab lint`', () => {
    assert.equal(
      thrown(() => parseYamlFile('x.yaml', 'name: a\nitems:\n\t- size: 1\n', schema, { hint })).message,
      'x.yaml:3:1: a tab in the indentation; YAML indents with spaces only',
    );
  });

  it("a tab the parser accepts (in a block scalar's text) passes a settings file, as before; pods/ files are held to every tab", () => {
    const text = 'name: |\n  x\n  \ty\n';
    assert.deepEqual(parseYamlFile('x.yaml', text, schema, { hint }), { name: 'x\n\ty\n' });
    assert.deepEqual(
      readYaml(text, { everyTab: true }).problems.map((p) => [p.code, p.line, p.column]),
      [['tab', 3, 3]],
    );
  });

  it("a schema mistake names the field at its key's line and column, with zod's error as cause", () => {
    const error = thrown(() => parseYamlFile('x.yaml', 'name: a\nitems:\n  - size: big\n', schema, { hint }));
    assert.equal(error.message, 'x.yaml:3:5: field items.0.size: Expected number, received string');
    assert.ok(error.cause instanceof z.ZodError);
    assert.match(
      thrown(() => parseYamlFile('x.yaml', 'name: a\ncolour: red\n', schema, { hint })).message,
      /^x\.yaml:2:1: the document: Unrecognized key\(s\) in object: 'colour'/,
    );
  });

  it('an empty file is a problem unless the caller says what it stands for; two documents are one too many', () => {
    assert.equal(thrown(() => parseYamlFile('x.yaml', '# nothing\n', schema, { hint })).message, 'x.yaml:1:1: the file is empty');
    assert.deepEqual(parseYamlFile('x.yaml', '', z.object({}), { hint, ifEmpty: {} }), {});
    assert.equal(
      thrown(() => parseYamlFile('x.yaml', 'name: a\n---\nname: b\n', schema, { hint })).message,
      'x.yaml:2:1: holds 2 YAML documents; the lab reads one document from it',
    );
  });

  it("a file it cannot read keeps the system's error as cause", () => {
    const error = thrown(() => loadYamlFile('/nonexistent/x.yaml', schema, { hint }));
    assert.match(error.message, /^cannot read \/nonexistent\/x\.yaml: ENOENT/);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
  });

  it('lab.config.yaml and step.yaml errors share the format', () => {
    const config = configFile('pullImages: [\n');
    const configError = thrown(() => loadLabConfig(config));
    assert.match(configError.message, new RegExp(`^${config.replace(/[.]/g, '\\.')}:\\d+:\\d+: [^\\n]+$`));
    assert.match(configError.hint, /delete the file to use the defaults/);
    assert.deepEqual(loadLabConfig(configFile('# all defaults\n')), {});
    const stepError = thrown(() => parseStepMeta('/x/step.yaml', 'format: 1\nslug: [unclosed\n'));
    assert.match(stepError.message, /^\/x\/step\.yaml:\d+:\d+: [^\n]+$/);
    assert.doesNotMatch(stepError.message, /line \d+/);
  });
});
