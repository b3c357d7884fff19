import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseJson } from '../../../machine/http.ts';
import type { Outcome, ProbeContext } from '../types.ts';
import { etcdDataMount } from './staticPods.ts';

/**
 * Step 9 (etcd backup and restore) judges outcomes, wherever the student put them: a real etcd
 * snapshot somewhere under the lab's directory, an etcd running on a data directory that
 * `etcdctl snapshot restore` made, and the step's ConfigMap back in the store and in the
 * apiserver's cache.
 */

/** The object the lesson backs up, deletes and gets back: its etcd key is the apiserver's mapping of it. */
export const PRECIOUS = { namespace: 'default', name: 'precious' } as const;
export const PRECIOUS_KEY = `/registry/configmaps/${PRECIOUS.namespace}/${PRECIOUS.name}`;

/** bbolt (etcd's backend database) writes this number into both meta pages, at byte 16 of the file. */
const BOLT_MAGIC = 0xed0cdaed;
const SHA256_BYTES = 32;

export type SnapshotProblem = 'not-bolt' | 'no-hash' | 'hash-mismatch';

/**
 * Whether these bytes are a snapshot as `etcdctl snapshot save` writes it: a bbolt database (magic
 * number in the first meta page, whole pages) followed by the SHA-256 of the database, which etcd
 * appends to the stream and `snapshot restore` checks. etcd's own member/snap/db is a bbolt file
 * without that hash: a copy of it is not a snapshot (restore refuses it without --skip-hash-check).
 */
export function snapshotProblem(bytes: Buffer): SnapshotProblem | undefined {
  if (bytes.length < 24 || bytes.readUInt32LE(16) !== BOLT_MAGIC) return 'not-bolt';
  const pageSize = bytes.readUInt32LE(24);
  if (pageSize === 0 || bytes.length % pageSize !== SHA256_BYTES) return 'no-hash';
  const body = bytes.subarray(0, bytes.length - SHA256_BYTES);
  const hash = createHash('sha256').update(body).digest();
  return hash.equals(bytes.subarray(bytes.length - SHA256_BYTES)) ? undefined : 'hash-mismatch';
}

export interface SnapshotSeen {
  file: string;
  bytes: number;
  problem?: SnapshotProblem;
  /** Whether the snapshot holds a key under /registry (any Kubernetes object), and the step's ConfigMap's key. */
  hasRegistry: boolean;
  hasPrecious: boolean;
}

/** Directories never searched for snapshots: etcd's live data (member/) and kubelet's state. */
const SKIP_DIRS = new Set(['member', 'kubelet', 'pods', 'pki']);
const MAX_DEPTH = 3;

/** Files under `root` (a few levels deep, etcd's and kubelet's own directories left out). */
async function filesUnder(ctx: ProbeContext, root: string, depth = 0): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await ctx.machine.listDir(root)) {
    const full = path.join(root, entry.name);
    if (entry.kind === 'file') found.push(full);
    else if (entry.kind === 'directory' && depth < MAX_DEPTH && !SKIP_DIRS.has(entry.name))
      found.push(...(await filesUnder(ctx, full, depth + 1)));
  }
  return found;
}

/** Every bbolt file under the lab's directory, judged as a snapshot, and the `.part` files a failed save leaves. */
export async function snapshotsUnder(ctx: ProbeContext, root: string): Promise<{ snapshots: SnapshotSeen[]; partFiles: string[] }> {
  const snapshots: SnapshotSeen[] = [];
  const partFiles: string[] = [];
  for (const file of await filesUnder(ctx, root)) {
    if (file.endsWith('.part')) partFiles.push(file);
    let head: Buffer;
    try {
      head = await ctx.machine.readBytes(file, 20);
    } catch {
      continue;
    }
    if (head.length < 20 || head.readUInt32LE(16) !== BOLT_MAGIC) continue;
    const bytes = await ctx.machine.readBytes(file);
    const problem = snapshotProblem(bytes);
    snapshots.push({
      file,
      bytes: bytes.length,
      ...(problem ? { problem } : {}),
      // Keys are stored as plain bytes inside bbolt's pages (etcd neither compresses nor encrypts them).
      hasRegistry: bytes.includes('/registry/'),
      hasPrecious: bytes.includes(PRECIOUS_KEY),
    });
  }
  return { snapshots, partFiles };
}

const PROBLEM_WORDS: Record<SnapshotProblem, string> = {
  'not-bolt': 'is not a bbolt database',
  'no-hash': 'is a bbolt database without the hash `snapshot save` appends (a copy of member/snap/db?)',
  'hash-mismatch': 'has a hash that does not match its content (cut short or changed)',
};

/** A snapshot saved with etcdctl, under {{varDir}}, that holds the step's ConfigMap. */
export async function etcdSnapshotSaved(ctx: ProbeContext): Promise<Outcome> {
  const expected = `a file under ${ctx.env.varDir} saved by \`etcdctl snapshot save\` that holds the key ${PRECIOUS_KEY}`;
  const { snapshots, partFiles } = await snapshotsUnder(ctx, ctx.env.varDir);
  const evidence = { etcdSnapshot: { snapshots, partFiles } };
  const good = snapshots.find((s) => !s.problem && s.hasPrecious);
  if (good) return { ok: true, expected, seen: `${good.file} (${good.bytes} bytes) is an etcd snapshot holding ${PRECIOUS_KEY}`, evidence };
  const valid = snapshots.find((s) => !s.problem);
  if (valid)
    return {
      ok: false,
      expected,
      seen: `${valid.file} is an etcd snapshot, but ${PRECIOUS_KEY} is not in it`,
      cause: valid.hasRegistry
        ? `the snapshot was taken before the ConfigMap ${PRECIOUS.name} existed, or after it was deleted`
        : 'the snapshot holds no Kubernetes object at all: it is of another etcd than the cluster',
      evidence,
    };
  const broken = snapshots[0];
  if (broken) return { ok: false, expected, seen: `${broken.file} ${PROBLEM_WORDS[broken.problem!]}`, evidence };
  if (partFiles.length)
    return { ok: false, expected, seen: `no snapshot, only ${partFiles.join(', ')}, which a save that did not finish leaves`, evidence };
  return { ok: false, expected, seen: `no etcd snapshot under ${ctx.env.varDir}`, evidence };
}

/** Data directories under {{varDir}} that `snapshot restore` made (member/snap holds a .snap file). */
async function restoredDirsUnder(ctx: ProbeContext, root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await ctx.machine.listDir(root)) {
    if (entry.kind !== 'directory') continue;
    const dir = path.join(root, entry.name);
    if ((await snapFiles(ctx, dir)).length) found.push(dir);
  }
  return found;
}

/** The raft snapshot files (`<term>-<index>.snap`) in a data directory's member/snap. */
async function snapFiles(ctx: ProbeContext, dataDir: string): Promise<string[]> {
  return (await ctx.machine.listDir(path.join(dataDir, 'member', 'snap'))).filter((e) => e.name.endsWith('.snap')).map((e) => e.name);
}

/**
 * The running etcd uses a data directory made by `etcdctl snapshot restore`. restore writes a raft
 * snapshot file (member/snap/<term>-<index>.snap) next to the database, which an etcd that started
 * on an empty directory writes only after --snapshot-count (100,000) changes, far beyond a lab's life.
 * The directory may be anywhere and have any name; one outside {{varDir}} earns a note about reset.
 */
export async function etcdRestoredDataDir(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'etcd runs on a data directory made by `etcdctl snapshot restore`';
  const data = await etcdDataMount(ctx);
  if (!data.running) return { ok: false, expected, seen: `no running etcd container for pod ${data.namespace}/${data.name}` };
  if (!data.hostDir)
    return { ok: false, expected, seen: `etcd's --data-dir=${data.dataDir} is inside its container, not a host directory` };
  const hostDir = path.resolve(data.hostDir);
  const snaps = await snapFiles(ctx, hostDir);
  const restoredDirs = (await restoredDirsUnder(ctx, ctx.env.varDir)).filter((dir) => dir !== hostDir);
  const hasMember = (await ctx.machine.pathKind(path.join(hostDir, 'member'))) === 'directory';
  const evidence = {
    restore: { hostDir, dataDir: data.dataDir, snapFiles: snaps, hasMember, original: hostDir === ctx.env.etcdDataDir, restoredDirs },
  };
  if (snaps.length) {
    const seen = `etcd's data is the host's ${hostDir}, restored from a snapshot (member/snap/${snaps[0]})`;
    if (hostDir.startsWith(`${ctx.env.varDir}/`)) return { ok: true, expected, seen, evidence };
    return {
      ok: true,
      expected,
      seen,
      evidence,
      note: `your restored data is in ${hostDir}, outside ${ctx.env.varDir}: \`lab reset\` removes it only if it appeared after the lab first ran`,
    };
  }
  return {
    ok: false,
    expected,
    seen: hasMember
      ? `etcd's data is the host's ${hostDir}, which no restore made (no member/snap/*.snap)`
      : `etcd's data is the host's ${hostDir}, which has no member/ yet`,
    evidence,
  };
}

interface ConfigMapList {
  metadata?: { resourceVersion?: string };
  items?: { metadata?: { name?: string } }[];
}

async function listConfigMaps(ctx: ProbeContext, query: string): Promise<ConfigMapList | undefined> {
  const reply = await ctx.machine.http(`${ctx.env.apiserverUrl}/api/v1/namespaces/${PRECIOUS.namespace}/configmaps${query}`);
  return reply.status === 200 ? (parseJson(reply.body) as ConfigMapList) : undefined;
}

/**
 * The apiserver's watch cache agrees with etcd about the restored ConfigMap. A plain GET or list
 * reads etcd (a quorum read); a list with resourceVersion=0, and every watch (kubelet's, a
 * controller's), is served from the cache the apiserver filled before the restore. The apiserver
 * does not notice etcd going back in time, so until it restarts its cache lacks what the restore
 * brought back and keeps what the restore removed.
 */
export async function apiserverCacheRestored(ctx: ProbeContext): Promise<Outcome> {
  const expected = `the apiserver's cache (a list with resourceVersion=0) shows the restored ConfigMap ${PRECIOUS.name}, as etcd does`;
  const [cache, store] = await Promise.all([listConfigMaps(ctx, '?resourceVersion=0'), listConfigMaps(ctx, '')]);
  if (!cache || !store) return { ok: false, expected, seen: 'the apiserver does not list ConfigMaps' };
  const has = (list: ConfigMapList) => (list.items ?? []).some((item) => item.metadata?.name === PRECIOUS.name);
  const inCache = has(cache);
  const inStore = has(store);
  const evidence = {
    cache: { inCache, inStore, cacheVersion: cache.metadata?.resourceVersion, storeVersion: store.metadata?.resourceVersion },
  };
  if (inCache && inStore) return { ok: true, expected, seen: `${PRECIOUS.name} is in etcd and in the apiserver's cache`, evidence };
  if (!inStore) return { ok: false, expected, seen: `${PRECIOUS.name} is not in etcd (a list without resourceVersion)`, evidence };
  return {
    ok: false,
    expected,
    seen:
      `etcd has ${PRECIOUS.name}, the apiserver's cache does not (its list is at resourceVersion ${cache.metadata?.resourceVersion}, ` +
      `etcd's at ${store.metadata?.resourceVersion})`,
    evidence,
  };
}
