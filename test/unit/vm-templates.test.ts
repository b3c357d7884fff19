import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../src/core/paths.ts';
import { parse } from 'yaml';
import { templates } from '../vm/templates.ts';

const vm = (name: string) => readFileSync(path.join(repoRoot, 'vm', name), 'utf8');

describe('the VM recipes for students without Linux', () => {
  it('carry vm/provision.sh as it is now (the script the VM test runs)', () => {
    for (const [name, text] of Object.entries(templates())) {
      assert.equal(vm(name), text, `vm/${name} is out of date: run npx tsx test/vm/templates.ts`);
    }
  });

  it('embed the script byte for byte, and it is valid sh', () => {
    const script = vm('provision.sh');
    const lima = parse(vm('lima.yaml')) as { provision: { mode: string; script: string }[]; mounts: unknown[] };
    assert.equal(lima.provision[0]!.mode, 'system');
    assert.equal(lima.provision[0]!.script, script);
    assert.deepEqual(lima.mounts, []);
    const cloud = parse(vm('cloud-init.yaml')) as { write_files: { content: string }[]; runcmd: string[][] };
    assert.ok(vm('cloud-init.yaml').startsWith('#cloud-config\n'));
    assert.equal(cloud.write_files[0]!.content, script);
    execFileSync('sh', ['-n', path.join(repoRoot, 'vm', 'provision.sh')]);
  });
});
