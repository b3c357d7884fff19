import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabEnv } from '../../core/context.ts';
import { LabError } from '../../core/errors.ts';
import { yaml } from '../../core/yaml.ts';
import { DockerDriver } from '../../machine/docker.ts';
import { httpGet, parseJson } from '../../machine/http.ts';
import { templateVars } from '../templateVars.ts';
import { renderFixture } from './files.ts';
import { kubectlApply, kubectlDelete } from './kubectlApply.ts';

/** Step 8's files, under the lab's varDir so that reset removes them with it. */
export const pkiDir = (env: LabEnv) => path.join(env.varDir, 'pki');

/**
 * The ServiceAccount signing pair the lesson makes with openssl: sa.key (0600) for the controller
 * manager, sa.pub for the apiserver. A key already there is kept, since a new one would void every
 * token signed so far; sa.pub is always written from it, so the two are a pair.
 */
async function serviceAccountKeys(env: LabEnv, log: (line: string) => void): Promise<void> {
  const dir = pkiDir(env);
  const keyFile = path.join(dir, 'sa.key');
  const pubFile = path.join(dir, 'sa.pub');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(keyFile, privateKey, { mode: 0o600 });
    log(`wrote ${keyFile} (RSA 2048, mode 0600)`);
  }
  chmodSync(keyFile, 0o600);
  const publicKey = createPublicKey(readFileSync(keyFile)).export({ type: 'spki', format: 'pem' }).toString();
  if (!existsSync(pubFile) || readFileSync(pubFile, 'utf8') !== publicKey) {
    writeFileSync(pubFile, publicKey, { mode: 0o644 });
    log(`wrote ${pubFile}, the public half of sa.key`);
  }
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new LabError(`${what} within ${timeoutMs / 1000}s`, 'run `lab verify 8` to see which check fails');
    await sleep(1000);
  }
}

/**
 * The controller manager's --root-ca-file is the certificate the apiserver writes into its --cert-dir
 * when it starts with step 8's flags; a controller manager started before that file exists exits.
 */
async function awaitApiserverCert(env: LabEnv, log: (line: string) => void): Promise<void> {
  const cert = path.join(pkiDir(env), 'apiserver.crt');
  // The healthz of the apiserver kubelet has not replaced yet would answer too: wait for the new command line.
  const pod = yaml().parse(renderFixture('apiserver-sa.yaml', templateVars(env))) as {
    metadata: { name: string; namespace: string };
    spec: { containers: { name: string; command: string[] }[] };
  };
  const wanted = pod.spec.containers[0]!.command.join(' ');
  const docker = new DockerDriver();
  await until(`the apiserver did not restart with step 8's flags, write ${cert} and answer /healthz`, 120_000, async () => {
    const running = (
      await docker.podContainers({
        podName: `${pod.metadata.name}-${env.nodeName}`,
        namespace: pod.metadata.namespace,
        container: pod.spec.containers[0]!.name,
      })
    ).find((c) => c.state === 'running');
    if (!running || (await docker.inspectContainer(running.id)).argv.join(' ') !== wanted) return undefined;
    if (!existsSync(cert)) return undefined;
    const reply = await httpGet(`${env.apiserverUrl}/healthz`);
    return reply.status === 200 && reply.body.trim() === 'ok' ? true : undefined;
  });
  log(`the apiserver runs with step 8's flags and its certificate in ${cert}`);
}

interface PodView {
  status?: { phase?: string };
}

/**
 * The lesson's api-reader pod. Admission refuses it until the token controller has made demo/default's
 * token, so this waits for that; a pod that ran and failed (say, before the keys matched) is replaced.
 */
async function runApiReader(env: LabEnv, log: (line: string) => void): Promise<void> {
  await until('the ServiceAccount demo/default got no token', 120_000, async () => {
    const reply = await httpGet(`${env.apiserverUrl}/api/v1/namespaces/demo/serviceaccounts/default`);
    const account = parseJson(reply.body) as { secrets?: unknown[] } | undefined;
    return reply.status === 200 && (account?.secrets?.length ?? 0) > 0 ? true : undefined;
  });
  const reply = await httpGet(`${env.apiserverUrl}/api/v1/namespaces/demo/pods/api-reader`);
  if (reply.status === 200) {
    const phase = (parseJson(reply.body) as PodView)?.status?.phase;
    if (phase !== 'Failed') return;
    log('replacing the pod api-reader, which failed');
    await kubectlDelete(env, ['pod', '-n', 'demo', 'api-reader'], log);
  }
  await kubectlApply(env, renderFixture('api-reader.yaml', templateVars(env)), log);
}

export const controllerManagerActions = {
  'serviceaccount-keys': serviceAccountKeys,
  'await-apiserver-cert': awaitApiserverCert,
  'run-api-reader': runApiReader,
};
