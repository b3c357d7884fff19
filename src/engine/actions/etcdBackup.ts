import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../../core/context.ts';
import { LabError } from '../../core/errors.ts';
import { loadVersions } from '../../core/versions.ts';
import { currentPodUid, DockerDriver } from '../../machine/docker.ts';
import { removeTree } from '../../machine/files.ts';
import { httpGet, parseJson } from '../../machine/http.ts';
import { realMachine } from '../../machine/machine.ts';
import { runCommand } from '../../machine/run.ts';
import { apiserverCacheRestored, etcdRestoredDataDir, PRECIOUS } from '../probes/custom/etcdBackup.ts';
import type { Outcome, ProbeContext } from '../probes/types.ts';
import { templateVars } from '../templateVars.ts';
import { renderFixture } from './files.ts';
import { withStaticPodStopped, writeStaticPodFile } from './staticPodFile.ts';
import { kubectlApply, kubectlDelete } from './kubectlApply.ts';

/** Where step 9's lesson keeps its snapshot and its restored data directory: under {{varDir}}, so `lab reset` removes them. */
export const backupPaths = (env: LabEnv) => ({
  backupDir: path.join(env.varDir, 'backup'),
  snapshot: path.join(env.varDir, 'backup', 'snapshot.db'),
  restoredDir: path.join(env.varDir, 'etcd-restored'),
});

function probeCtx(env: LabEnv): ProbeContext {
  return { env, vars: templateVars(env), machine: realMachine(), step: 9, memo: new Map() };
}

/** Runs etcdctl from the etcd image as the lesson does (`docker run --rm …`); its output on failure. */
async function etcdctl(dockerArgs: string[], args: string[], log: (line: string) => void): Promise<void> {
  const image = loadVersions().images.etcd;
  const run = await runCommand('docker', ['run', '--rm', ...dockerArgs, image, 'etcdctl', ...args], { timeoutMs: 60_000 });
  if (run.exitCode !== 0)
    throw new LabError(
      `etcdctl ${args.join(' ')} failed${run.timedOut ? ' (no answer within 60 s)' : ''}: ${(run.stderr || run.stdout).trim().split('\n').at(-1) ?? ''}`,
      'check that etcd answers (`lab verify 2`) and that Docker runs the etcd image (`docker images`)',
    );
  log(`etcdctl ${args.join(' ')}`);
}

async function until(what: string, timeoutMs: number, check: () => Promise<Outcome>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Outcome | undefined;
  while (Date.now() < deadline) {
    last = await check().catch((error: Error) => ({ ok: false, expected: '', seen: error.message }));
    if (last.ok) return;
    await sleep(1000);
  }
  throw new LabError(
    `${what} within ${Math.round(timeoutMs / 1000)} s: ${last?.seen ?? ''}`,
    'run `lab verify 9` to see which check fails',
  );
}

const preciousInStore = async (env: LabEnv): Promise<Outcome> => {
  const reply = await httpGet(`${env.apiserverUrl}/api/v1/namespaces/${PRECIOUS.namespace}/configmaps/${PRECIOUS.name}`);
  return { ok: reply.status === 200, expected: '', seen: `GET ${PRECIOUS.name}: HTTP ${reply.status}` };
};

interface MirrorPod {
  metadata?: { annotations?: Record<string, string> };
  status?: { phase?: string };
}

/** Restarts the apiserver as the lesson does: stop its container (its log stays for `docker logs`); kubelet starts a new one. */
async function restartApiserver(env: LabEnv, docker: DockerDriver, log: (line: string) => void): Promise<void> {
  const vars = templateVars(env);
  const containers = await docker.podContainers({
    podName: `${vars['pods.apiserver.name']}-${env.nodeName}`,
    namespace: vars['pods.apiserver.namespace'],
  });
  for (const container of containers.filter((c) => c.containerName !== 'POD' && c.state === 'running')) {
    const stop = await runCommand('docker', ['stop', container.id], { timeoutMs: 60_000 });
    if (stop.exitCode !== 0) throw new LabError(`docker stop ${container.name} failed: ${stop.stderr.trim()}`, 'check `docker ps`');
    log(`stopped the apiserver's container ${container.name.slice(0, 40)}; kubelet starts a new one`);
  }
  await until("the apiserver's cache did not show the restored ConfigMap", 120_000, () => apiserverCacheRestored(probeCtx(env)));
  await until('the apiserver did not become healthy', 60_000, async () => {
    const reply = await httpGet(`${env.apiserverUrl}/healthz`);
    return { ok: reply.status === 200, expected: '', seen: `/healthz: HTTP ${reply.status}` };
  });
}

/**
 * Step 9, to the lesson's outcome: create the ConfigMap, save a snapshot, delete the ConfigMap, restore
 * the snapshot into a new data directory and point etcd's pod at it, then make sure the apiserver's
 * cache and etcd's mirror pod show the restored state. Skips what is already done: an etcd running on
 * restored data with the ConfigMap in it is not restored again.
 */
export async function etcdBackupRestore(env: LabEnv, log: (line: string) => void): Promise<void> {
  const vars = templateVars(env);
  const paths = backupPaths(env);
  const docker = new DockerDriver();
  const restored = (await etcdRestoredDataDir(probeCtx(env))).ok && (await preciousInStore(env)).ok;
  if (!restored) {
    await kubectlApply(env, renderFixture('precious.yaml', vars), log);
    mkdirSync(paths.backupDir, { recursive: true });
    await etcdctl(
      ['--network', 'host', '-v', `${env.varDir}:${env.varDir}`],
      ['--endpoints=http://127.0.0.1:2379', 'snapshot', 'save', paths.snapshot],
      log,
    );
    await kubectlDelete(env, ['configmap', PRECIOUS.name, '--namespace', PRECIOUS.namespace], log);
    const inUse = await etcdRestoredDataDir(probeCtx(env));
    if ((inUse.evidence?.restore as { hostDir?: string } | undefined)?.hostDir === paths.restoredDir)
      throw new LabError(
        `etcd already runs on ${paths.restoredDir}, but it holds no restored data`,
        `point the hostPath in ${vars['pods.etcd.file']} back at ${env.etcdDataDir}, wait for etcd, then run \`lab apply 9\` again`,
      );
    // `snapshot restore` refuses a directory that exists; a previous attempt's is not in use, so it can go.
    if (existsSync(paths.restoredDir)) removeTree(paths.restoredDir);
    await etcdctl(['-v', `${env.varDir}:${env.varDir}`], ['snapshot', 'restore', paths.snapshot, `--data-dir=${paths.restoredDir}`], log);
    const etcdPod = renderFixture('etcd.yaml', vars);
    const moved = etcdPod.replace(`path: ${env.etcdDataDir}\n`, `path: ${paths.restoredDir}\n`);
    if (moved === etcdPod)
      throw new LabError(`fixtures/etcd.yaml has no hostPath ${env.etcdDataDir} to move`, 'the fixture and this action disagree');
    // The lesson swaps etcd under a running apiserver, then restarts it to show its stale cache. The
    // operator's order is quicker: with the apiserver stopped during the swap, it starts on the
    // restored data with nothing stale, and kubelet, reconnecting to it, replaces etcd's outdated
    // mirror pod at once (stopped later, the apiserver can miss kubelet's new mirror pod for a minute).
    await withStaticPodStopped(env, docker, vars['pods.apiserver.file']!, log, async () => {
      await writeStaticPodFile(env, docker, vars['pods.etcd.file']!, moved, log, [etcdPod]);
      await until('etcd did not start on the restored data', 120_000, () => etcdRestoredDataDir(probeCtx(env)));
    });
    await until(`the apiserver did not read ${PRECIOUS.name} back from the restored etcd`, 120_000, () => preciousInStore(env));
  }
  if (!(await apiserverCacheRestored(probeCtx(env))).ok) await restartApiserver(env, docker, log);
  // The restore brought back etcd's mirror pod from before the edit; kubelet replaces it with one for
  // the running pod (the mirror's config.mirror annotation is the static pod's UID) when it next syncs it.
  await until("kubelet did not bring etcd's mirror pod up to date", 150_000, async () => {
    const podName = `${vars['pods.etcd.name']}-${env.nodeName}`;
    const namespace = vars['pods.etcd.namespace']!;
    const uid = currentPodUid(await docker.podContainers({ podName, namespace }));
    const reply = await httpGet(`${env.apiserverUrl}/api/v1/namespaces/${namespace}/pods/${podName}`);
    const mirror = reply.status === 200 ? (parseJson(reply.body) as MirrorPod) : undefined;
    const mirrors = mirror?.metadata?.annotations?.['kubernetes.io/config.mirror'];
    const phase = mirror?.status?.phase;
    return {
      ok: uid !== undefined && mirrors === uid && phase === 'Running',
      expected: '',
      seen: mirror
        ? `etcd's mirror pod: ${phase}, for pod ${mirrors ?? '?'} (running: ${uid ?? 'none'})`
        : `etcd's mirror pod: HTTP ${reply.status}`,
    };
  });
}
