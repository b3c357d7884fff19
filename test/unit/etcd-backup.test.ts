import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { contentSchemas } from '../../src/content/schema.ts';
import { labEnv } from '../../src/core/context.ts';
import { matchEvidence } from '../../src/engine/diagnosis/index.ts';
import type { Evidence } from '../../src/engine/diagnosis/evidence.ts';
import { PRECIOUS_KEY, snapshotProblem } from '../../src/engine/probes/custom/etcdBackup.ts';
import { evaluate } from '../../src/engine/probes/evaluate.ts';
import type { ProbeContext } from '../../src/engine/probes/types.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import { fakeMachine, podContainer, type FakeMachineSetup } from '../helpers/fakeMachine.ts';
import { evidenceOf } from '../helpers/evidence.ts';

/** Step 9's probes and diagnoses on a fake machine and on recorded evidence. */

const root = mkdtempSync(path.join(tmpdir(), 'mvk-etcd-backup-'));
mkdirSync(path.join(root, 'pods'));
const env = labEnv({ repoRoot: root });
const VAR = env.varDir;

/** A bbolt file as etcd writes one: the magic number at byte 16, the page size at 24, whole pages, `content` inside. */
function bolt(content: string, pages = 4): Buffer {
  const bytes = Buffer.alloc(4096 * pages);
  bytes.writeUInt32LE(0xed0cdaed, 16);
  bytes.writeUInt32LE(4096, 24);
  bytes.write(content, 8192);
  return bytes;
}
/** What `etcdctl snapshot save` writes: the database and its SHA-256. */
const snapshot = (content: string) => {
  const db = bolt(content);
  return Buffer.concat([db, createHash('sha256').update(db).digest()]);
};

const context = (setup: FakeMachineSetup): ProbeContext => ({
  env,
  vars: templateVars(env),
  machine: fakeMachine(setup),
  step: 9,
  memo: new Map(),
});
const probe = (module: string) =>
  contentSchemas().probeSpecSchema.parse({ id: 'p', title: 't', cause: 'c', hint: 'h', kind: 'code', module });
const outcome = (module: string, setup: FakeMachineSetup) => evaluate(probe(module), context(setup));

describe('etcd snapshot files', () => {
  it('a snapshot is a bbolt database followed by its SHA-256', () => {
    assert.equal(snapshotProblem(snapshot('x')), undefined);
    assert.equal(snapshotProblem(bolt('x')), 'no-hash', "etcd's member/snap/db has no hash");
    const torn = snapshot('x');
    torn[9000] = 1;
    assert.equal(snapshotProblem(torn), 'hash-mismatch');
    assert.equal(snapshotProblem(Buffer.from('hello, not a database at all')), 'not-bolt');
  });

  it('etcd-snapshot-saved finds a snapshot anywhere under the lab directory, never etcd data', async () => {
    const good = await outcome('etcd-snapshot-saved', {
      binaries: {
        [`${VAR}/etcd/member/snap/db`]: bolt(PRECIOUS_KEY),
        [`${VAR}/my-backups/monday.db`]: snapshot(`/registry/pods/x ${PRECIOUS_KEY}`),
      },
    });
    assert.equal(good.ok, true, good.seen);
    assert.match(good.seen, /my-backups\/monday\.db/);

    const onlyLiveData = await outcome('etcd-snapshot-saved', { binaries: { [`${VAR}/etcd/member/snap/db`]: bolt(PRECIOUS_KEY) } });
    assert.equal(onlyLiveData.ok, false);
    assert.equal(onlyLiveData.seen, `no etcd snapshot under ${VAR}`);

    const early = await outcome('etcd-snapshot-saved', { binaries: { [`${VAR}/backup/snapshot.db`]: snapshot('/registry/pods/x') } });
    assert.equal(early.ok, false);
    assert.match(early.cause ?? '', /before the ConfigMap precious existed/);

    const part = await outcome('etcd-snapshot-saved', { files: { [`${VAR}/backup/snapshot.db.part`]: '' } });
    assert.equal(part.ok, false);
    assert.match(part.seen, /snapshot\.db\.part/);
  });
});

describe('the restored data directory', () => {
  const etcd = podContainer({ podName: 'etcd-mvk-node', containerName: 'etcd' });
  const on = (hostDir: string, setup: FakeMachineSetup = {}): FakeMachineSetup => ({
    containers: [etcd],
    details: {
      [etcd.id]: {
        imageId: 'sha',
        argv: ['etcd', '--data-dir=/var/lib/etcd'],
        mounts: [{ source: hostDir, destination: '/var/lib/etcd' }],
      },
    },
    ...setup,
  });

  it('passes when etcd runs on a directory with the .snap file restore writes', async () => {
    const seen = await outcome(
      'etcd-restored-data-dir',
      on(`${VAR}/etcd-restored`, { files: { [`${VAR}/etcd-restored/member/snap/0000000000000001-0000000000000001.snap`]: 'x' } }),
    );
    assert.equal(seen.ok, true, seen.seen);
    assert.equal(seen.note, undefined);
  });

  it('fails on the original data, naming restored data etcd does not read', async () => {
    const seen = await outcome(
      'etcd-restored-data-dir',
      on(`${VAR}/etcd`, {
        dirs: [`${VAR}/etcd/member`],
        files: { [`${VAR}/etcd-restored/member/snap/0000000000000001-0000000000000001.snap`]: 'x' },
      }),
    );
    assert.equal(seen.ok, false);
    assert.deepEqual(seen.evidence?.restore, {
      hostDir: `${VAR}/etcd`,
      dataDir: '/var/lib/etcd',
      snapFiles: [],
      hasMember: true,
      original: true,
      restoredDirs: [`${VAR}/etcd-restored`],
    });
  });
});

describe("the apiserver's cache after a restore", () => {
  const list = (names: string[], rv: string) => ({
    status: 200,
    body: JSON.stringify({ metadata: { resourceVersion: rv }, items: names.map((name) => ({ metadata: { name } })) }),
  });
  const url = 'http://127.0.0.1:8080/api/v1/namespaces/default/configmaps';

  it('passes when the cache and etcd both have precious, fails with the versions when only etcd has it', async () => {
    const fresh = await outcome('apiserver-cache-restored', {
      http: { [`${url}?resourceVersion=0`]: list(['precious'], '60'), [url]: list(['precious'], '60') },
    });
    assert.equal(fresh.ok, true);
    const stale = await outcome('apiserver-cache-restored', {
      http: { [`${url}?resourceVersion=0`]: list(['after-backup'], '612'), [url]: list(['precious'], '570') },
    });
    assert.equal(stale.ok, false);
    assert.match(stale.seen, /resourceVersion 612, etcd's at 570/);
  });
});

describe("step 9's diagnoses on recorded evidence", () => {
  const recorded = (data: Record<string, unknown>, focus: Evidence['focus'] = { component: 'etcd' }): Evidence =>
    evidenceOf({ step: 9, probe: { id: 'p', kind: 'code', title: 't', seen: 's', expected: 'e', data }, focus, nodes: [] });
  const restore = (fields: Record<string, unknown>) => ({
    restore: { hostDir: `${VAR}/etcd`, snapFiles: [], hasMember: true, original: true, restoredDirs: [], ...fields },
  });

  it('a save that did not finish, and a snapshot of another etcd', () => {
    const part = matchEvidence(recorded({ etcdSnapshot: { snapshots: [], partFiles: [`${VAR}/backup/s.db.part`] } }));
    assert.equal(part?.id, 'etcd-snapshot-wrong-endpoint');
    assert.match(part!.explanation, /--network host/);
    const foreign = matchEvidence(
      recorded({ etcdSnapshot: { snapshots: [{ file: 'f', hasRegistry: false, hasPrecious: false }], partFiles: [] } }),
    );
    assert.match(foreign?.explanation ?? '', /no key under \/registry/);
    assert.equal(matchEvidence(recorded({ etcdSnapshot: { snapshots: [], partFiles: [] } }))?.id, undefined);
  });

  it('restored data etcd does not read, or no restore at all', () => {
    const elsewhere = matchEvidence(recorded(restore({ restoredDirs: [`${VAR}/etcd-restored`] })));
    assert.equal(elsewhere?.id, 'etcd-restore-not-in-use');
    assert.match(elsewhere!.fix, /hostPath to .*etcd-restored/);
    const none = matchEvidence(recorded(restore({})));
    assert.match(none?.explanation ?? '', /data-dir "…" exists/);
  });

  it('etcd on an empty directory: the cluster looks wiped', () => {
    const empty = matchEvidence(
      recorded(restore({ hostDir: `${VAR}/etcd-restord`, original: false, restoredDirs: [`${VAR}/etcd-restored`] })),
    );
    assert.equal(empty?.id, 'etcd-empty-data-dir');
    assert.match(empty!.explanation, /not even the Node mvk-node/);
    assert.match(empty!.fix, /etcd-restored, then remove .*etcd-restord/);
  });

  it("the apiserver's stale cache", () => {
    const stale = matchEvidence(
      recorded({ cache: { inCache: false, inStore: true, cacheVersion: '612', storeVersion: '570' } }, { component: 'apiserver' }),
    );
    assert.equal(stale?.id, 'apiserver-stale-cache');
    assert.match(stale!.fix, /docker stop/);
  });
});
