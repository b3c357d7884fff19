import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../../core/context.ts';
import { httpGet, httpRequest, parseJson } from '../../machine/http.ts';
import { LabError } from '../../core/errors.ts';
import { statusMessage } from '../probes/custom/apiserver.ts';
import { templateVars } from '../templateVars.ts';
import { renderFixture } from './files.ts';
import { etcdBackupRestore } from './etcdBackup.ts';
import { kubectlApply, kubectlDelete } from './kubectlApply.ts';
import { kubectl } from '../../machine/kubectl.ts';
import { controllerManagerActions } from './controllerManager.ts';
import type { CodeActionName } from './names.ts';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';

export type CodeAction = (env: LabEnv, log: (line: string) => void) => Promise<void>;

interface PodView {
  spec?: { nodeName?: string; containers?: { command?: string[] }[] };
  status?: { phase?: string; podIP?: string };
}

async function getPod(env: LabEnv, name: string): Promise<PodView | undefined> {
  const reply = await httpGet(`${env.apiserverUrl}/api/v1/namespaces/default/pods/${name}`);
  if (reply.status === 404) return undefined;
  return parseJson(reply.body) as PodView;
}

/** Step 5's nginx, created without a node as the lesson's third attempt does; an nginx already there stays as it is. */
async function pendingNginx(env: LabEnv, log: (line: string) => void): Promise<void> {
  if (await getPod(env, 'nginx')) return;
  await kubectlApply(env, renderFixture('nginx.yaml', templateVars(env)), log);
}

/**
 * Step 6 binds nginx to the node as a scheduler does: a Binding POSTed to pods/nginx/binding, which
 * sets spec.nodeName once. A binding is final, so an nginx bound to another node is replaced first.
 */
async function bindNginx(env: LabEnv, log: (line: string) => void): Promise<void> {
  let pod = await getPod(env, 'nginx');
  if (pod?.spec?.nodeName === env.nodeName) return;
  if (pod?.spec?.nodeName) {
    log(`nginx is bound to node ${pod.spec.nodeName}, not ${env.nodeName}, and a binding cannot change; deleting it`);
    await kubectlDelete(env, ['pod', 'nginx'], log);
    pod = undefined;
  }
  if (!pod) await pendingNginx(env, log);
  const reply = await httpRequest(`${env.apiserverUrl}/api/v1/namespaces/default/pods/nginx/binding`, {
    method: 'POST',
    body: renderFixture('binding.json', templateVars(env)),
    contentType: 'application/json',
  });
  if (reply.status === 201) {
    log(`bound pod nginx to node ${env.nodeName} (POST pods/nginx/binding)`);
    return;
  }
  // Someone else may have bound it meanwhile (409): fine if to this node.
  if ((await getPod(env, 'nginx'))?.spec?.nodeName === env.nodeName) return;
  throw new LabError(
    `binding nginx to node ${env.nodeName} failed: HTTP ${reply.status}: ${statusMessage(reply.body)}`,
    'run `lab verify 6` to see what the apiserver says about nginx',
  );
}

/** The curl pod needs nginx's pod IP in its command, known only once nginx runs. */
async function runCurl(env: LabEnv, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 90_000;
  let ip: string | undefined;
  while (!ip) {
    ip = (await getPod(env, 'nginx'))?.status?.podIP;
    if (ip) break;
    if (Date.now() > deadline) throw new LabError('nginx got no pod IP within 90s', 'run `lab verify 6` to see which nginx probe fails');
    await sleep(500);
  }
  const existing = await getPod(env, 'curl');
  const url = `http://${ip}/`;
  if (existing) {
    const command = existing.spec?.containers?.[0]?.command ?? [];
    if (command.includes(url) && existing.status?.phase !== 'Failed') return;
    log('replacing the curl pod (it targets another address or failed)');
    await kubectlDelete(env, ['pod', 'curl'], log);
  }
  await kubectlApply(env, renderFixture('curl.yaml', { ...templateVars(env), nginxIp: ip }), log);
}

/**
 * Step 7: the apiserver's TaintNodesByCondition admission gives a new Node the taint
 * node.kubernetes.io/not-ready:NoSchedule, and only kube-controller-manager's node lifecycle controller takes it off. Until step 8 runs one, the lab does
 * that controller's job, as the lesson has the student do with `kubectl taint … -`.
 */
async function untaintNode(env: LabEnv, log: (line: string) => void): Promise<void> {
  const reply = await httpGet(`${env.apiserverUrl}/api/v1/nodes/${env.nodeName}`);
  const node = parseJson(reply.body) as { spec?: { taints?: { key: string; effect: string }[] } } | undefined;
  const notReady = (node?.spec?.taints ?? []).filter((t) => t.key === NOT_READY_TAINT);
  for (const taint of notReady) {
    const result = await kubectl(env, ['--server', env.apiserverUrl, 'taint', 'node', env.nodeName, `${taint.key}:${taint.effect}-`]);
    if (result.exitCode !== 0)
      throw new LabError(`removing the taint ${taint.key}:${taint.effect} failed: ${result.stderr.trim()}`, 'run `lab verify 7`');
    log(result.stdout.trim());
  }
}

/** Every name in CODE_ACTIONS, and no other (test/unit/content.test.ts checks the second half). */
export const codeActions: Record<CodeActionName, CodeAction> = {
  'pending-nginx': pendingNginx,
  'bind-nginx': bindNginx,
  'run-curl': runCurl,
  'untaint-node': untaintNode,
  ...controllerManagerActions,
  'etcd-backup-restore': etcdBackupRestore,
};
