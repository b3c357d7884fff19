import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { matchEvidence } from '../../src/engine/diagnosis/index.ts';
import type { Evidence } from '../../src/engine/diagnosis/evidence.ts';
import { evidenceOf } from '../helpers/evidence.ts';
import { componentProcess } from '../../src/engine/diagnosis/evidence.ts';
import { lessonStaticPodRef, labStaticPods } from '../../src/engine/labNode.ts';
import { lintManifestText } from '../../src/engine/manifestLint.ts';
import {
  apiReader,
  controllerManagerActive,
  controllerManagerLoopback,
  defaultServiceAccounts,
  deploymentPods,
  serviceAccountTokens,
  tokenCa,
  tokensAccepted,
} from '../../src/engine/probes/custom/controllerManager.ts';
import type { ProbeContext } from '../../src/engine/probes/types.ts';
import { templateVars } from '../../src/engine/templateVars.ts';
import type { HttpReply } from '../../src/machine/http.ts';
import { fakeMachine, type FakeMachineSetup } from '../helpers/fakeMachine.ts';

/** Step 8's code probes against a fake apiserver, and its diagnoses on recorded evidence. */
const root = mkdtempSync(path.join(tmpdir(), 'mvk-cm-'));
mkdirSync(path.join(root, 'pods'));
const env = labEnv({ repoRoot: root });
const API = 'http://127.0.0.1:8080';
const LEASE = `${API}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager`;
const SECRETS = `${API}/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Fservice-account-token`;
const REVIEW = `${API}/apis/authentication.k8s.io/v1/tokenreviews`;

const json = (body: unknown, status = 200): HttpReply => ({ status, body: JSON.stringify(body) });
const list = (items: unknown[]) => json({ items });
const ctx = (setup: FakeMachineSetup): ProbeContext => ({
  env,
  vars: templateVars(env),
  machine: fakeMachine(setup),
  step: 8,
  memo: new Map(),
});
const b64 = (text: string) => Buffer.from(text).toString('base64');
const now = () => new Date().toISOString();
const lease = (renewed: string) => json({ spec: { holderIdentity: 'vm_1', renewTime: renewed } });

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const account = (namespace: string, secret?: string) => ({
  metadata: { name: 'default', namespace },
  ...(secret ? { secrets: [{ name: secret }] } : {}),
});
const tokenSecret = (namespace: string, name: string, data: Record<string, string> = { token: b64('t1'), 'ca.crt': b64(CERT) }) => ({
  metadata: { name, namespace },
  type: 'kubernetes.io/service-account-token',
  data,
});

describe('step 8 probes', () => {
  it('the controller manager is active by a fresh Lease, or by its healthz; down without either', async () => {
    assert.equal((await controllerManagerActive(ctx({ http: { [LEASE]: lease(now()) } }))).ok, true);
    const healthzOnly = await controllerManagerActive(
      ctx({ http: { [LEASE]: json({}, 404), 'http://127.0.0.1:10252/healthz': { status: 200, body: 'ok' } } }),
    );
    assert.equal(healthzOnly.ok, true);
    const stale = await controllerManagerActive(ctx({ http: { [LEASE]: lease(new Date(Date.now() - 120_000).toISOString()) } }));
    assert.equal(stale.ok, false);
    assert.match(stale.seen, /renewed 120 s ago by vm_1/);
    assert.equal(stale.evidence?.controllerManager, 'down');
  });

  it('its ports must stay on loopback; /proc comm names it kube-controller', async () => {
    const open = await controllerManagerLoopback(
      ctx({ listeners: [{ port: 10252, address: '0.0.0.0', pid: 7, name: 'kube-controller' }] }),
    );
    assert.equal(open.ok, false);
    assert.match(open.seen, /0\.0\.0\.0:10252/);
    const loopback = await controllerManagerLoopback(
      ctx({ listeners: [{ port: 10252, address: '127.0.0.1', pid: 7, name: 'kube-controller' }] }),
    );
    assert.equal(loopback.ok, true);
    assert.equal(componentProcess('controllerManager'), 'kube-controller');
  });

  it('every namespace needs its ServiceAccount default', async () => {
    const namespaces = list(['default', 'kube-system', 'demo'].map((name) => ({ metadata: { name }, status: { phase: 'Active' } })));
    const seen = await defaultServiceAccounts(
      ctx({
        http: {
          [`${API}/api/v1/namespaces`]: namespaces,
          [`${API}/api/v1/serviceaccounts`]: list([account('default')]),
          [LEASE]: lease(now()),
        },
      }),
    );
    assert.equal(seen.ok, false);
    assert.match(seen.seen, /no ServiceAccount default in kube-system, demo/);
    assert.equal(seen.evidence?.controllerManager, 'active');
  });

  it('every ServiceAccount needs a token Secret; each needs a CA in ca.crt', async () => {
    const http = {
      [`${API}/api/v1/serviceaccounts`]: list([account('default', 'default-token-a'), account('demo')]),
      [SECRETS]: list([tokenSecret('default', 'default-token-a', { token: b64('t1') })]),
      [LEASE]: lease(now()),
    };
    const tokens = await serviceAccountTokens(ctx({ http }));
    assert.equal(tokens.ok, false);
    assert.deepEqual(tokens.evidence?.withoutToken, ['demo/default']);
    const ca = await tokenCa(ctx({ http }));
    assert.equal(ca.ok, false);
    assert.match(ca.seen, /no CA in ca\.crt of default\/default-token-a/);
  });

  it('a token the apiserver cannot verify fails the TokenReview with its error', async () => {
    const seen = await tokensAccepted(
      ctx({
        http: {
          [SECRETS]: list([tokenSecret('demo', 'default-token-b')]),
          [REVIEW]: json({ status: { user: {}, error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' } }, 201),
        },
      }),
    );
    assert.equal(seen.ok, false);
    assert.match(String(seen.evidence?.reviewError), /cryptographic primitive/);
    const accepted = await tokensAccepted(
      ctx({
        http: { [SECRETS]: list([tokenSecret('demo', 'default-token-b')]), [REVIEW]: json({ status: { authenticated: true } }, 201) },
      }),
    );
    assert.equal(accepted.ok, true);
  });

  it('a Deployment without a ReplicaSet says whether the controller manager works', async () => {
    const seen = await deploymentPods(
      ctx({
        http: {
          [`${API}/apis/apps/v1/deployments`]: list([
            { metadata: { name: 'site', namespace: 'demo', uid: 'd1' }, spec: { replicas: 2 }, status: {} },
          ]),
          [`${API}/apis/apps/v1/replicasets`]: list([]),
          [`${API}/api/v1/pods`]: list([]),
          [LEASE]: json({}, 404),
        },
      }),
    );
    assert.equal(seen.ok, false);
    assert.match(seen.seen, /demo\/site: 0 of 2 ready, 0 ReplicaSet\(s\), 0 pod\(s\)/);
    assert.equal(seen.evidence?.controllerManager, 'down');
  });

  it('api-reader passes on a PodList in its log and names a 401', async () => {
    const pod = `${API}/api/v1/namespaces/demo/pods/api-reader`;
    const ok = await apiReader(
      ctx({
        http: { [pod]: json({ status: { phase: 'Succeeded' } }), [`${pod}/log`]: { status: 200, body: '{\n  "kind": "PodList",\n' } },
      }),
    );
    assert.equal(ok.ok, true);
    const refused = await apiReader(
      ctx({
        http: {
          [pod]: json({ status: { phase: 'Succeeded' } }),
          [`${pod}/log`]: { status: 200, body: '{"message": "Unauthorized", "code": 401}' },
        },
      }),
    );
    assert.equal(refused.ok, false);
    assert.match(refused.cause ?? '', /rejected the pod token/);
  });

  it('the lesson file of the role controllerManager is pods/controller-manager.yaml', () => {
    assert.equal(lessonStaticPodRef(env, 'controllerManager', labStaticPods().controllerManager!).file, 'pods/controller-manager.yaml');
  });
});

const KCM = (extra = '', hostNetwork = true) => `apiVersion: v1
kind: Pod
metadata: {name: kube-controller-manager, namespace: kube-system}
spec:
${hostNetwork ? '  hostNetwork: true\n' : ''}  containers:
  - name: kube-controller-manager
    image: registry.k8s.io/kube-controller-manager:v1.19.16
    command: [kube-controller-manager, --master=http://127.0.0.1:8080${extra}]
`;
const APISERVER = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.19.16
    command: [kube-apiserver, --etcd-servers=http://127.0.0.1:2379, --service-account-key-file=/var/lib/mvk-lab/pki/other.pub]
`;

function evidence(overrides: Partial<Evidence>): Evidence {
  return evidenceOf({
    step: 8,
    probe: { id: 'p', kind: 'code', title: 't', seen: 's', expected: 'e' },
    focus: { component: 'serviceaccount' },
    manifests: [lintManifestText(KCM(', --service-account-private-key-file=/var/lib/mvk-lab/pki/sa.key'), 'pods/controller-manager.yaml')],
    ...overrides,
  });
}

describe('step 8 diagnoses', () => {
  it('a controller manager without hostNetwork', () => {
    const d = matchEvidence(
      evidence({
        probe: { id: 'controller-manager-manifest', kind: 'file', title: 't', seen: 's', expected: 'e' },
        focus: {
          component: 'controllerManager',
          pod: { namespace: 'kube-system', name: 'kube-controller-manager' },
          file: 'pods/controller-manager.yaml',
        },
        manifests: [lintManifestText(KCM('', false), 'pods/controller-manager.yaml')],
      }),
    );
    assert.equal(d?.id, 'controller-manager-not-host-network');
    assert.match(d!.explanation, /127\.0\.0\.1:8080/);
  });

  it('no private key: the token controller is off', () => {
    const d = matchEvidence(
      evidence({
        probe: {
          id: 'serviceaccount-tokens',
          kind: 'code',
          title: 't',
          seen: 's',
          expected: 'e',
          data: { withoutToken: ['demo/default'], controllerManager: 'active' },
        },
        manifests: [lintManifestText(KCM(), 'pods/controller-manager.yaml')],
      }),
    );
    assert.equal(d?.id, 'serviceaccount-token-controller-disabled');
    assert.match(d!.explanation, /"serviceaccount-token" is disabled/);
    assert.match(d!.fix, /--service-account-private-key-file=\/var\/lib\/mvk-lab\/pki\/sa\.key/);
  });

  it('with the key given, tokens missing are not put on it', () => {
    const d = matchEvidence(
      evidence({
        probe: {
          id: 'serviceaccount-tokens',
          kind: 'code',
          title: 't',
          seen: 's',
          expected: 'e',
          data: { withoutToken: ['demo/default'] },
        },
      }),
    );
    assert.notEqual(d?.id, 'serviceaccount-token-controller-disabled');
  });

  it('a key pair that does not match names both files', () => {
    const d = matchEvidence(
      evidence({
        probe: {
          id: 'tokens-accepted',
          kind: 'code',
          title: 't',
          seen: 's',
          expected: 'e',
          data: { reviewError: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' },
        },
        manifests: [
          lintManifestText(KCM(', --service-account-private-key-file=/var/lib/mvk-lab/pki/sa.key'), 'pods/controller-manager.yaml'),
          lintManifestText(APISERVER, 'pods/apiserver.yaml'),
        ],
      }),
    );
    assert.equal(d?.id, 'serviceaccount-key-mismatch');
    assert.match(d!.explanation, /other\.pub/);
    assert.match(d!.fix, /openssl rsa -in \/var\/lib\/mvk-lab\/pki\/sa\.key -pubout -out \/var\/lib\/mvk-lab\/pki\/other\.pub/);
  });

  it('a Deployment with no ReplicaSet while the controller manager is down', () => {
    const d = matchEvidence(
      evidence({
        probe: {
          id: 'deployment-pods',
          kind: 'code',
          title: 't',
          seen: 's',
          expected: 'e',
          data: { deployment: 'demo/site', replicaSets: 0, pods: 0, controllerManager: 'down' },
        },
        focus: { component: 'controllerManager', pod: { namespace: 'kube-system', name: 'kube-controller-manager' } },
      }),
    );
    assert.equal(d?.id, 'deployment-no-controller-manager');
    assert.match(d!.explanation, /demo\/site is stored, but it has no ReplicaSet/);
  });
});
