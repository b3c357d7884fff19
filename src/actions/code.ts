import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../context.ts';
import { httpGet, parseJson } from '../drivers/http.ts';
import { LabError } from '../errors.ts';
import { templateVars } from '../template.ts';
import { renderFixture } from './files.ts';
import { kubectlApply, kubectlDelete } from './kubectlApply.ts';

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

/** A pod's nodeName cannot change, so the step-5 nginx (no node) must go before the pinned one. */
async function removeUnpinnedNginx(env: LabEnv, log: (line: string) => void): Promise<void> {
  const pod = await getPod(env, 'nginx');
  if (pod && pod.spec?.nodeName !== env.nodeName) {
    log(`nginx exists without nodeName ${env.nodeName}; deleting it`);
    await kubectlDelete(env, ['pod', 'nginx'], log);
  }
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

export const codeActions: Record<string, CodeAction> = {
  'remove-unpinned-nginx': removeUnpinnedNginx,
  'run-curl': runCurl,
};
