import { parseJson } from '../../../machine/http.ts';
import { snippet } from '../kinds/http.ts';
import { memo, type Outcome, type ProbeContext } from '../types.ts';
import { apiGet, isOutcome, statusMessage } from './apiserver.ts';

/**
 * Step 8's probes: kube-controller-manager at work, judged by what its controllers leave behind
 * (ServiceAccounts, token Secrets the apiserver accepts, ReplicaSets and pods), not by its flags.
 */

/** kube-controller-manager's insecure healthz (v1.19 `--port`, the lesson's 127.0.0.1:10252). */
export const CONTROLLER_MANAGER_HEALTHZ = 'http://127.0.0.1:10252/healthz';
const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager';
/** Its lease lasts 15 s and is renewed every 2 s; twice the duration leaves room for a slow machine. */
const LEASE_FRESH_MS = 30_000;
const TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** /proc/<pid>/comm keeps 15 characters: kube-controller-manager shows as this. */
const COMM = 'kube-controller';

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

export interface ControllerManagerState {
  active: boolean;
  /** One line: the lease and the healthz answer. */
  seen: string;
  holder?: string;
  healthz: boolean;
}

/**
 * Whether a controller manager works: it renews the Lease kube-system/kube-controller-manager (leader
 * election, on by default), or, with leader election off, answers its healthz. Shared by the probes
 * of one run, so a Deployment without pods can say whether the controllers are down.
 */
export function controllerManagerState(ctx: ProbeContext): Promise<ControllerManagerState | Outcome> {
  return memo(ctx, 'controller-manager-state', async () => {
    const reply = await apiGet(ctx, LEASE_PATH);
    if (isOutcome(reply)) return reply;
    const lease = reply.status === 200 ? (parseJson(reply.body) as { spec?: { holderIdentity?: string; renewTime?: string } }) : undefined;
    const holder = lease?.spec?.holderIdentity;
    const age = Date.now() - (lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN);
    const fresh = Boolean(holder) && age < LEASE_FRESH_MS;
    const healthz = await ctx.machine
      .http(CONTROLLER_MANAGER_HEALTHZ)
      .then((r) => r.status === 200 && r.body.trim() === 'ok')
      .catch(() => false);
    const leaseSeen = !lease
      ? 'no Lease kube-system/kube-controller-manager'
      : `the Lease was renewed ${Number.isNaN(age) ? 'never' : `${seconds(age)} ago`}${holder ? ` by ${holder}` : ''}`;
    return {
      active: fresh || healthz,
      seen: `${leaseSeen}; ${CONTROLLER_MANAGER_HEALTHZ} ${healthz ? 'answers ok' : 'does not answer ok'}`,
      ...(holder ? { holder } : {}),
      healthz,
    };
  });
}

const unanswered = (state: ControllerManagerState | Outcome): state is Outcome => 'ok' in state;
/** The controller manager as evidence for the diagnoses: active, down, or unknown (the apiserver did not answer). */
const stateWord = (state: ControllerManagerState | Outcome) => (unanswered(state) ? 'unknown' : state.active ? 'active' : 'down');

export async function controllerManagerActive(ctx: ProbeContext): Promise<Outcome> {
  const expected = `a kube-controller-manager renews the Lease kube-system/kube-controller-manager or answers ${CONTROLLER_MANAGER_HEALTHZ}`;
  const state = await controllerManagerState(ctx);
  if (unanswered(state)) return { ...state, expected };
  return {
    ok: state.active,
    expected,
    seen: state.seen,
    evidence: { controllerManager: state.active ? 'active' : 'down', healthz: state.healthz },
  };
}

/** Its ports, 10252 (plain HTTP, no authentication) and 10257, are not open beyond loopback. */
export async function controllerManagerLoopback(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'kube-controller-manager listens on 127.0.0.1 only (or not at all) on ports 10252 and 10257';
  const holders = ctx.machine.portHolders([10252, 10257]).filter((h) => h.name === COMM);
  const open = holders.filter((h) => !['127.0.0.1', '::1'].includes(h.address));
  const where = (list: typeof holders) => list.map((h) => `${h.address}:${h.port}`).join(', ');
  if (open.length > 0) return { ok: false, expected, seen: `it listens on ${where(open)}`, evidence: { open: where(open) } };
  return { ok: true, expected, seen: holders.length ? `it listens on ${where(holders)}` : 'it opens neither port on the host' };
}

interface Meta {
  name: string;
  namespace: string;
  uid?: string;
  creationTimestamp?: string;
  ownerReferences?: { uid: string; kind: string }[];
}
interface ServiceAccount {
  metadata: Meta;
  secrets?: { name: string }[];
}
interface Secret {
  metadata: Meta & { annotations?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}

const qualified = (m: Meta) => `${m.namespace}/${m.name}`;
const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64').toString('utf8') : '');

async function listItems<T>(ctx: ProbeContext, apiPath: string): Promise<T[] | Outcome> {
  return memo(ctx, `list:${apiPath}`, async () => {
    const reply = await apiGet(ctx, apiPath);
    if (isOutcome(reply)) return reply;
    if (reply.status !== 200)
      return { ok: false, expected: `GET ${apiPath}`, seen: `HTTP ${reply.status}: ${statusMessage(reply.body)}` } satisfies Outcome;
    return (parseJson(reply.body) as { items?: T[] })?.items ?? [];
  });
}

const tokenSecrets = (ctx: ProbeContext) =>
  listItems<Secret>(ctx, `/api/v1/secrets?fieldSelector=${encodeURIComponent(`type=${TOKEN_TYPE}`)}`);

/** Every namespace has a ServiceAccount named default: the serviceaccount controller's work. */
export async function defaultServiceAccounts(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'every namespace has a ServiceAccount default';
  const [namespaces, accounts] = await Promise.all([
    listItems<{ metadata: Meta; status?: { phase?: string } }>(ctx, '/api/v1/namespaces'),
    listItems<ServiceAccount>(ctx, '/api/v1/serviceaccounts'),
  ]);
  if (!Array.isArray(namespaces)) return { ...namespaces, expected };
  if (!Array.isArray(accounts)) return { ...accounts, expected };
  const have = new Set(accounts.filter((a) => a.metadata.name === 'default').map((a) => a.metadata.namespace));
  const active = namespaces.filter((n) => n.status?.phase !== 'Terminating').map((n) => n.metadata.name);
  const without = active.filter((n) => !have.has(n));
  if (without.length === 0) return { ok: true, expected, seen: `${active.length} namespaces, each with default` };
  const state = await controllerManagerState(ctx);
  return {
    ok: false,
    expected,
    seen: `no ServiceAccount default in ${without.join(', ')}`,
    evidence: { without, controllerManager: stateWord(state) },
  };
}

/** Every ServiceAccount names a token Secret that exists: the token controller's work. */
export async function serviceAccountTokens(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'every ServiceAccount has a token Secret (kubernetes.io/service-account-token)';
  const [accounts, secrets] = await Promise.all([listItems<ServiceAccount>(ctx, '/api/v1/serviceaccounts'), tokenSecrets(ctx)]);
  if (!Array.isArray(accounts)) return { ...accounts, expected };
  if (!Array.isArray(secrets)) return { ...secrets, expected };
  const secretNames = new Set(secrets.filter((s) => s.data?.token).map((s) => qualified(s.metadata)));
  const without = accounts.filter((a) => !(a.secrets ?? []).some((s) => secretNames.has(`${a.metadata.namespace}/${s.name}`)));
  if (accounts.length > 0 && without.length === 0)
    return { ok: true, expected, seen: `${accounts.length} ServiceAccounts, ${secrets.length} token Secrets` };
  const state = await controllerManagerState(ctx);
  return {
    ok: false,
    expected,
    seen: accounts.length === 0 ? 'there are no ServiceAccounts' : `no token for ${without.map((a) => qualified(a.metadata)).join(', ')}`,
    evidence: {
      withoutToken: without.map((a) => qualified(a.metadata)),
      tokenSecrets: secrets.length,
      controllerManager: stateWord(state),
    },
  };
}

/** Token Secrets carry a CA certificate as ca.crt (the controller manager's --root-ca-file). */
export async function tokenCa(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'every token Secret has a PEM certificate in ca.crt';
  const secrets = await tokenSecrets(ctx);
  if (!Array.isArray(secrets)) return { ...secrets, expected };
  const without = secrets.filter((s) => !decode(s.data?.['ca.crt']).includes('-----BEGIN CERTIFICATE-----'));
  if (secrets.length > 0 && without.length === 0) return { ok: true, expected, seen: `${secrets.length} token Secrets, each with ca.crt` };
  return {
    ok: false,
    expected,
    seen:
      secrets.length === 0 ? 'there are no token Secrets' : `no CA in ca.crt of ${without.map((s) => qualified(s.metadata)).join(', ')}`,
    evidence: { withoutCa: without.map((s) => qualified(s.metadata)) },
  };
}

interface Review {
  status?: { authenticated?: boolean; error?: string; user?: { username?: string } };
}

/**
 * The apiserver accepts every token Secret's token: a TokenReview (answered, never stored) on the
 * insecure port runs the same authenticator as a request on the secure port, with its
 * --service-account-key-file.
 */
export async function tokensAccepted(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a TokenReview of each token Secret says authenticated: true';
  const secrets = await tokenSecrets(ctx);
  if (!Array.isArray(secrets)) return { ...secrets, expected };
  const withToken = secrets.filter((s) => s.data?.token);
  if (withToken.length === 0) return { ok: false, expected, seen: 'there are no token Secrets to check' };
  const rejected: { secret: string; error: string }[] = [];
  for (const secret of withToken.slice(0, 30)) {
    const reply = await ctx.machine.http(`${ctx.env.apiserverUrl}/apis/authentication.k8s.io/v1/tokenreviews`, {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: decode(secret.data!.token) } }),
    });
    const review = parseJson(reply.body) as Review;
    if (reply.status !== 201 || review?.status?.authenticated !== true)
      rejected.push({
        secret: qualified(secret.metadata),
        error: review?.status?.error ?? `HTTP ${reply.status}: ${statusMessage(reply.body)}`,
      });
  }
  if (rejected.length === 0) return { ok: true, expected, seen: `the apiserver accepts all ${withToken.length} tokens` };
  return {
    ok: false,
    expected,
    seen: `${rejected.length} of ${withToken.length} rejected, ${rejected[0]!.secret}: ${rejected[0]!.error}`,
    evidence: { rejected: rejected.map((r) => r.secret), reviewError: rejected[0]!.error, checked: withToken.length },
  };
}

interface Deployment {
  metadata: Meta;
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; replicas?: number; conditions?: { type: string; status: string; message?: string }[] };
}
interface PodItem {
  metadata: Meta;
  spec: { nodeName?: string; volumes?: { name: string; secret?: { secretName?: string } }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

/** Every Deployment has a ReplicaSet and as many ready pods as it asks for. */
export async function deploymentPods(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a Deployment exists, and each has a ReplicaSet and all its replicas ready';
  const [deployments, replicaSets, pods] = await Promise.all([
    listItems<Deployment>(ctx, '/apis/apps/v1/deployments'),
    listItems<{ metadata: Meta; status?: { replicas?: number } }>(ctx, '/apis/apps/v1/replicasets'),
    listItems<PodItem>(ctx, '/api/v1/pods'),
  ]);
  for (const list of [deployments, replicaSets, pods]) if (!Array.isArray(list)) return { ...list, expected };
  const ds = deployments as Deployment[];
  if (ds.length === 0) return { ok: false, expected, seen: 'there is no Deployment', evidence: { deployments: 0 } };
  for (const d of ds) {
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    if (ready >= want) continue;
    const owned = (replicaSets as { metadata: Meta }[]).filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
    const rsUids = new Set(owned.map((rs) => rs.metadata.uid));
    const itsPods = (pods as PodItem[]).filter((p) => p.metadata.ownerReferences?.some((o) => rsUids.has(o.uid)));
    const state = await controllerManagerState(ctx);
    const unplaced = itsPods.filter((p) => !p.spec.nodeName).length;
    const failure = d.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')?.message;
    return {
      ok: false,
      expected,
      seen:
        `${qualified(d.metadata)}: ${ready} of ${want} ready, ${owned.length} ReplicaSet(s), ${itsPods.length} pod(s)` +
        (unplaced ? `, ${unplaced} not placed on a node` : '') +
        (failure ? `; ${failure}` : ''),
      evidence: {
        deployment: qualified(d.metadata),
        replicaSets: owned.length,
        pods: itsPods.length,
        unplaced,
        ...(failure ? { replicaFailure: failure } : {}),
        controllerManager: stateWord(state),
      },
    };
  }
  return {
    ok: true,
    expected,
    seen: ds.map((d) => `${qualified(d.metadata)} ${d.status?.readyReplicas}/${d.spec?.replicas ?? 1} ready`).join(', '),
  };
}

/** A pod that mounts its ServiceAccount's token runs: admission found a token to mount, kubelet mounted it. */
export async function tokenPodRuns(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'a Running pod mounts a ServiceAccount token Secret';
  const [pods, secrets] = await Promise.all([listItems<PodItem>(ctx, '/api/v1/pods'), tokenSecrets(ctx)]);
  if (!Array.isArray(pods)) return { ...pods, expected };
  if (!Array.isArray(secrets)) return { ...secrets, expected };
  const tokens = new Set(secrets.map((s) => qualified(s.metadata)));
  const mounting = pods.filter((p) => (p.spec.volumes ?? []).some((v) => tokens.has(`${p.metadata.namespace}/${v.secret?.secretName}`)));
  const running = mounting.find((p) => p.status?.phase === 'Running');
  if (running) return { ok: true, expected, seen: `${qualified(running.metadata)} runs with its token mounted` };
  return {
    ok: false,
    expected,
    seen: mounting.length
      ? `${mounting.map((p) => `${qualified(p.metadata)} is ${p.status?.phase ?? 'without a phase'}`).join(', ')}`
      : 'no pod mounts a token',
  };
}

/** The lesson's api-reader pod ran curl against https://127.0.0.1:6443 with its token and ca.crt and got a PodList. */
export async function apiReader(ctx: ProbeContext): Promise<Outcome> {
  const expected = 'pod demo/api-reader finished and its log holds a PodList from the secure port';
  const podPath = '/api/v1/namespaces/demo/pods/api-reader';
  const reply = await apiGet(ctx, podPath);
  if (isOutcome(reply)) return { ...reply, expected };
  if (reply.status === 404) return { ok: false, expected, seen: 'there is no pod api-reader in namespace demo', evidence: { status: 404 } };
  const pod = parseJson(reply.body) as PodItem;
  const logs = await apiGet(ctx, `${podPath}/log`);
  const text = isOutcome(logs) || logs.status !== 200 ? '' : logs.body;
  if (text.includes('"kind": "PodList"')) return { ok: true, expected, seen: `its log holds a PodList (${text.length} bytes)` };
  const phase = pod?.status?.phase ?? 'without a phase';
  const evidence = { phase, log: snippet(text, 200) };
  if (text.includes('Unauthorized'))
    return {
      ok: false,
      expected,
      seen: 'the apiserver answered 401 Unauthorized',
      cause: 'the apiserver rejected the pod token: the key pair does not match, or the pod sent no token',
      evidence,
    };
  if (/certificate|SSL/i.test(text))
    return {
      ok: false,
      expected,
      seen: `curl could not check the certificate: ${snippet(text, 120)}`,
      cause: "ca.crt in the pod's token Secret is not the CA of the apiserver's certificate (--root-ca-file)",
      evidence,
    };
  return { ok: false, expected, seen: text ? `pod ${phase}, its log says "${snippet(text, 120)}"` : `pod ${phase}, no log yet`, evidence };
}
