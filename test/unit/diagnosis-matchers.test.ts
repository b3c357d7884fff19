import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fallbackDiagnosis, matchEvidence } from '../../src/engine/diagnosis/index.ts';
import { linesAboutPod, staticName, withManifestPod, type Evidence } from '../../src/engine/diagnosis/evidence.ts';
import { exitCodeOf } from '../../src/machine/containerFact.ts';
import { unpinned } from '../../src/engine/diagnosis/catalogue.ts';
import { findDuplicates, lintManifestText } from '../../src/engine/manifestLint.ts';

/** Recorded evidence of a healthy step-1 machine; each case changes what its mistake changes. */
function recorded(overrides: Partial<Evidence> = {}): Evidence {
  return {
    step: 1,
    nodeName: 'mvk-node',
    probe: { id: 'p', kind: 'container', title: 't', seen: 's', expected: 'e' },
    focus: { component: 'pod', pod: { namespace: 'default', name: 'hello' } },
    manifests: [manifest('pods/hello.yaml', HELLO)],
    duplicates: [],
    kubelet: {
      running: true,
      pid: 42,
      flags: { 'pod-manifest-path': '/repo/pods', 'pod-infra-container-image': 'registry.k8s.io/pause:3.2' },
    },
    kubeletLog: { source: '.lab/kubelet.log', lines: [] },
    docker: { up: true, socket: '/var/run/docker.sock' },
    containers: [
      {
        name: 'k8s_POD_hello-mvk-node_default_x_0',
        container: 'POD',
        state: 'running',
        status: 'Up 1 minute',
        image: 'registry.k8s.io/pause:3.2',
      },
    ],
    ports: [],
    images: { 'registry.k8s.io/pause:3.2': true, 'busybox:1.35': true },
    labImages: { pause: 'registry.k8s.io/pause:3.2', busybox: 'busybox:1.35', etcd: 'quay.io/coreos/etcd:v3.4.23' },
    missing: [],
    ...overrides,
  };
}

const HELLO =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: busybox:1.35\n    ' +
  'command: ["echo", "hello world!"]\n';
const ETCD = `apiVersion: v1
kind: Pod
metadata:
  name: etcd
  namespace: kube-system
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: quay.io/coreos/etcd:v3.4.23
    command: [etcd, --data-dir=/var/lib/etcd, --listen-client-urls=http://127.0.0.1:2379, --advertise-client-urls=http://127.0.0.1:2379]
    volumeMounts:
    - {name: etcd-data, mountPath: /var/lib/etcd}
  volumes:
  - name: etcd-data
    hostPath: {path: /var/lib/mvk-lab/etcd, type: DirectoryOrCreate}
`;
const APISERVER = (url: string) => `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.19.16
    command: [kube-apiserver, --etcd-servers=${url}, --insecure-port=8080]
`;
const manifest = (file: string, text: string) => lintManifestText(text, file);
const etcdFocus: Evidence['focus'] = { component: 'etcd', pod: { namespace: 'kube-system', name: 'etcd' } };
const apiFocus: Evidence['focus'] = { component: 'apiserver', pod: { namespace: 'kube-system', name: 'kube-apiserver' } };
const idOf = (ev: Evidence) => matchEvidence(ev)?.id;

describe('diagnosis catalogue on recorded evidence', () => {
  it('healthy evidence matches nothing', () => {
    assert.equal(idOf(recorded()), undefined);
  });

  it('1: an untagged or :latest image is named, with the pull policy behind it', () => {
    const ev = recorded({
      manifests: [manifest('pods/hello.yaml', HELLO.replace('busybox:1.35', 'busybox'))],
      kubeletLog: {
        source: '.lab/kubelet.log',
        lines: [
          'E1122 pod_workers.go:191] Error syncing pod x ("hello-mvk-node_default(x)"), skipping: failed to "StartContainer" for ' +
            '"hello" with ErrImagePull',
        ],
      },
    });
    const d = matchEvidence(ev)!;
    assert.equal(d.id, 'image-not-pinned');
    assert.match(d.explanation, /no tag.*Always/);
    assert.match(d.fix, /busybox:1\.35/);
    assert.equal(unpinned('127.0.0.1:5000/busybox'), 'untagged');
    assert.equal(unpinned('busybox:latest'), 'latest');
    assert.equal(unpinned('busybox:1.35'), undefined);
  });

  it('2: a pause image that is not on the machine', () => {
    const d = matchEvidence(
      recorded({
        kubelet: { running: true, pid: 1, flags: { 'pod-infra-container-image': '127.0.0.1:5999/pause:3.2' } },
        containers: [],
        images: { '127.0.0.1:5999/pause:3.2': false },
      }),
    )!;
    assert.equal(d.id, 'pause-image-unavailable');
    assert.match(d.explanation, /127\.0\.0\.1:5999\/pause:3\.2.*sandbox|sandbox.*127\.0\.0\.1:5999\/pause:3\.2/);
    assert.match(d.fix, /--pod-infra-container-image=registry\.k8s\.io\/pause:3\.2/);
    // kubelet 1.19's default is named when the flag is missing
    const byDefault = matchEvidence(
      recorded({ kubelet: { running: true, pid: 1, flags: {} }, containers: [], images: { 'k8s.gcr.io/pause:3.2': false } }),
    )!;
    assert.match(byDefault.explanation, /k8s\.gcr\.io\/pause:3\.2.*default/);
  });

  it('3: etcd without hostNetwork, seen from etcd and from the apiserver', () => {
    const manifests = [manifest('pods/etcd.yaml', ETCD.replace('  hostNetwork: true\n', ''))];
    assert.equal(idOf(recorded({ step: 2, focus: etcdFocus, manifests })), 'etcd-not-host-network');
    // the file probe on pods/etcd.yaml is about the pod that file defines
    const fileFocus = withManifestPod({ file: 'pods/etcd.yaml' }, manifests);
    assert.deepEqual(fileFocus, { file: 'pods/etcd.yaml', ...etcdFocus });
    assert.equal(
      idOf(
        recorded({ step: 2, probe: { id: 'etcd-manifest', kind: 'file', title: '', seen: '', expected: '' }, focus: fileFocus, manifests }),
      ),
      'etcd-not-host-network',
    );
    assert.equal(
      idOf(
        recorded({
          step: 3,
          focus: apiFocus,
          manifests: [...manifests, manifest('pods/apiserver.yaml', APISERVER('http://127.0.0.1:2379'))],
        }),
      ),
      'etcd-not-host-network',
    );
  });

  it('3b: a misspelt hostNetwork is an unknown field, with file, line and column', () => {
    const d = matchEvidence(
      recorded({
        step: 2,
        focus: { file: 'pods/etcd.yaml' },
        manifests: [manifest('pods/etcd.yaml', ETCD.replace('hostNetwork', 'hostnetwork'))],
      }),
    )!;
    assert.equal(d.id, 'manifest-unknown-field');
    assert.match(d.explanation, /pods\/etcd\.yaml:7:3: spec\.hostnetwork .*did you mean hostNetwork/);
  });

  it('4: etcd without the hostPath volume', () => {
    const noVolume = ETCD.replace(/ {4}volumeMounts:\n.*\n/, '').replace(/ {2}volumes:\n.*\n.*\n/, '');
    const d = matchEvidence(recorded({ step: 2, focus: etcdFocus, manifests: [manifest('pods/etcd.yaml', noVolume)] }))!;
    assert.equal(d.id, 'etcd-no-data-volume');
    assert.match(d.explanation, /--data-dir=\/var\/lib\/etcd/);
    assert.match(d.fix, /hostPath/);
  });

  it('5: the apiserver with the wrong --etcd-servers port or scheme', () => {
    const etcd = manifest('pods/etcd.yaml', ETCD);
    const port = matchEvidence(
      recorded({ step: 3, focus: apiFocus, manifests: [manifest('pods/apiserver.yaml', APISERVER('http://127.0.0.1:2380')), etcd] }),
    )!;
    assert.equal(port.id, 'apiserver-etcd-url');
    assert.match(port.explanation, /port 2380/);
    const tls = matchEvidence(
      recorded({ step: 3, focus: apiFocus, manifests: [manifest('pods/apiserver.yaml', APISERVER('https://127.0.0.1:2379')), etcd] }),
    )!;
    assert.match(tls.explanation, /TLS/);
    assert.equal(
      idOf(recorded({ step: 3, focus: apiFocus, manifests: [manifest('pods/apiserver.yaml', APISERVER('http://127.0.0.1:2379')), etcd] })),
      undefined,
    );
  });

  it('6: kubelet without --kubeconfig from step 4 on', () => {
    const ev = recorded({
      step: 4,
      probe: { id: 'kubelet-kubeconfig', kind: 'process', title: '', seen: '', expected: '' },
      focus: { component: 'kubelet' },
    });
    assert.equal(idOf(ev), 'kubelet-without-kubeconfig');
    assert.equal(idOf({ ...ev, step: 1 }), undefined);
  });

  it('7: kubeconfig at https or at another port', () => {
    const base = {
      step: 4,
      probe: { id: 'kubeconfig-file', kind: 'file', title: '', seen: '', expected: '' },
      focus: { component: 'kubelet' as const, file: 'kubeconfig.yaml' },
    };
    const https = matchEvidence(recorded({ ...base, kubeconfig: { file: 'kubeconfig.yaml', server: 'https://127.0.0.1:8080' } }))!;
    assert.equal(https.id, 'kubeconfig-wrong-server');
    assert.match(https.explanation, /TLS/);
    assert.match(
      matchEvidence(recorded({ ...base, kubeconfig: { file: 'kubeconfig.yaml', server: 'http://127.0.0.1:8081' } }))!.explanation,
      /port 8081/,
    );
  });

  it('8 and 9: admission errors about the ServiceAccount', () => {
    const code = (message: string) =>
      recorded({
        step: 5,
        probe: { id: 'pod-admitted', kind: 'code', title: '', seen: '', expected: '', data: { status: 403, message } },
        focus: { component: 'serviceaccount' },
      });
    assert.equal(
      idOf(code('pods "x" is forbidden: error looking up service account default/default: serviceaccount "default" not found')),
      'serviceaccount-missing',
    );
    assert.equal(
      idOf(code('No API token found for service account "default", retry after the token is automatically created')),
      'serviceaccount-token-automount',
    );
    const object = recorded({
      step: 5,
      probe: {
        id: 'default-serviceaccount',
        kind: 'apiObject',
        title: '',
        seen: '',
        expected: '',
        data: { status: 200, object: { kind: 'ServiceAccount' } },
      },
      focus: { component: 'serviceaccount' },
    });
    assert.equal(idOf(object), 'serviceaccount-token-automount');
  });

  it('10 and 11: a pod without nodeName, and one bound to another node', () => {
    const pod = (spec: Record<string, unknown>) =>
      recorded({
        step: 6,
        probe: {
          id: 'nginx-pinned',
          kind: 'apiObject',
          title: '',
          seen: '',
          expected: '',
          data: { status: 200, object: { kind: 'Pod', metadata: { name: 'nginx' }, spec, status: { phase: 'Pending' } } },
        },
        focus: { component: 'pod', pod: { namespace: 'default', name: 'nginx' } },
        containers: [],
      });
    const pending = matchEvidence(pod({}))!;
    assert.equal(pending.id, 'pod-pending-no-scheduler');
    assert.match(pending.explanation, /scheduler/);
    const elsewhere = matchEvidence({ ...pod({ nodeName: 'mink8s' }), nodes: ['mvk-node'] })!;
    assert.equal(elsewhere.id, 'node-name-mismatch');
    assert.match(elsewhere.explanation, /"mink8s".*"mvk-node"/);
  });

  it('node-name-mismatch only when that node really is missing (issue 9)', () => {
    const pod = recorded({
      step: 6,
      nodeName: 'vm',
      probe: {
        id: 'curl-completed',
        kind: 'code',
        title: '',
        seen: '',
        expected: '',
        data: { status: 200, object: { kind: 'Pod', metadata: { name: 'curl' }, spec: { nodeName: 'vm' }, status: { phase: 'Running' } } },
      },
      focus: { component: 'pod', pod: { namespace: 'default', name: 'curl' } },
      containers: [],
    });
    // The student's node is "vm", registered and Ready: the pod is bound to it, nothing to blame.
    assert.notEqual(idOf({ ...pod, nodes: ['vm'] }), 'node-name-mismatch');
    // Bound to a node the API knows, though not this kubelet's: still no "no node exists".
    const other = {
      ...pod,
      probe: { ...pod.probe, data: { status: 200, object: { kind: 'Pod', metadata: { name: 'curl' }, spec: { nodeName: 'worker-2' } } } },
    };
    assert.notEqual(idOf({ ...other, nodes: ['vm', 'worker-2'] }), 'node-name-mismatch');
    // Nodes unknown (apiserver down): no claim either way.
    assert.notEqual(idOf(other), 'node-name-mismatch');
    assert.equal(idOf({ ...other, nodes: ['vm'] }), 'node-name-mismatch');
  });

  it("restart wording follows the pod's restartPolicy (issue 9)", () => {
    const curl = (restartPolicy?: string) =>
      matchEvidence(
        recorded({
          step: 6,
          focus: { component: 'pod', pod: { namespace: 'default', name: 'curl' } },
          manifests: [],
          containers: [
            {
              name: 'k8s_curl_curl_default_u_0',
              container: 'curl',
              state: 'exited',
              status: 'Exited (7) 3 seconds ago',
              image: 'curl',
              exitCode: 7,
            },
          ],
          containerLogs: { container: 'curl', text: 'curl: (7) Failed to connect to 172.17.0.9 port 80: Connection refused' },
          ...(restartPolicy ? { restartPolicy } : {}),
        }),
      )!;
    assert.equal(curl('Never').id, 'container-crashes');
    assert.doesNotMatch(curl('Never').explanation, /keeps restarting/);
    assert.match(curl('Never').explanation, /stays exited \(restartPolicy Never\)/);
    assert.match(curl().explanation, /keeps restarting/);
    assert.match(curl('OnFailure').explanation, /keeps restarting/);
    const once = matchEvidence(
      recorded({
        focus: { component: 'pod', pod: { namespace: 'default', name: 'hello' }, logsContain: 'hello world!' },
        containers: [
          {
            name: 'k8s_hello_hello-mvk-node_default_u_0',
            container: 'hello',
            state: 'exited',
            status: 'Exited (0) 2 seconds ago',
            image: 'busybox:1.35',
            exitCode: 0,
          },
        ],
        containerLogs: { container: 'hello', text: 'hi' },
        restartPolicy: 'Never',
      }),
    )!;
    assert.equal(once.id, 'container-exits-by-design');
    assert.doesNotMatch(once.explanation, /again and again/);
    assert.match(once.explanation, /restartPolicy Never, so it stays exited/);
  });

  it('12: someone else holds the component port', () => {
    const d = matchEvidence(
      recorded({
        step: 2,
        focus: etcdFocus,
        manifests: [manifest('pods/etcd.yaml', ETCD)],
        ports: [{ port: 2379, address: '127.0.0.1', pid: 99, name: 'python3' }],
      }),
    )!;
    assert.equal(d.id, 'port-busy');
    assert.match(d.explanation, /python3 \(pid 99\).*2379/);
    assert.equal(
      idOf(
        recorded({
          step: 2,
          focus: etcdFocus,
          manifests: [manifest('pods/etcd.yaml', ETCD)],
          ports: [{ port: 2379, address: '127.0.0.1', pid: 98, name: 'etcd' }],
        }),
      ),
      undefined,
    );
  });

  it('12 for kubelet: a kubelet that died on its busy port is told apart from one never started', () => {
    const fatal = 'F1122 03:20:01.000000   4242 server.go:160] listen tcp 172.17.0.1:10250: bind: address already in use';
    const ev = recorded({
      probe: { id: 'kubelet-running', kind: 'process', title: '', seen: '', expected: '' },
      focus: { component: 'kubelet' },
      kubelet: { running: false, flags: {} },
      kubeletLog: { source: '.lab/kubelet.log', lines: [fatal] },
      ports: [{ port: 10250, address: '172.17.0.1', pid: 77, name: 'python3' }],
    });
    const d = matchEvidence(ev)!;
    assert.equal(d.id, 'port-busy');
    assert.match(
      d.explanation,
      /python3 \(pid 77\) already listens on 172\.17\.0\.1:10250.*stops right after it starts.*\.lab\/kubelet\.log: listen tcp 172\.17\.0\.1:10250: bind: address already in use/,
    );
    assert.match(d.fix, /kill 77.*then start kubelet again/);
    assert.equal(idOf({ ...ev, ports: [] }), 'kubelet-not-running');
  });

  it('13: two files define the same pod', () => {
    const manifests = [manifest('pods/etcd.yaml', ETCD), manifest('pods/etcd.yaml.bak', ETCD.replace('  hostNetwork: true\n', ''))];
    const d = matchEvidence(recorded({ step: 2, focus: etcdFocus, manifests, duplicates: findDuplicates(manifests) }))!;
    assert.equal(d.id, 'duplicate-pod-name');
    assert.match(
      d.explanation,
      /pods\/etcd\.yaml and pods\/etcd\.yaml\.bak both define the pod kube-system\/etcd.*drops the other without a word.*pods\/etcd\.yaml\.bak/,
    );
  });

  it('14: a container that exits 0 is expected behaviour, the output is what is wrong', () => {
    const d = matchEvidence(
      recorded({
        focus: { component: 'pod', pod: { namespace: 'default', name: 'hello' }, logsContain: 'hello world!' },
        containers: [
          {
            name: 'k8s_hello_hello-mvk-node_default_x_2',
            container: 'hello',
            state: 'exited',
            status: 'Exited (0) 2 seconds ago',
            image: 'busybox:1.35',
            exitCode: 0,
          },
          { name: 'k8s_POD_hello-mvk-node_default_x_0', container: 'POD', state: 'running', status: 'Up', image: 'pause' },
        ],
        containerLogs: { container: 'hello', text: 'hi there' },
      }),
    )!;
    assert.equal(d.id, 'container-exits-by-design');
    assert.match(d.explanation, /restartPolicy.*Always/);
    assert.match(d.explanation, /"hi there".*"hello world!"/);
  });

  it('15: Docker down, kubelet not running (with its last fatal line)', () => {
    assert.equal(idOf(recorded({ docker: { up: false, socket: '/tmp/dead.sock', error: 'no' } })), 'docker-down');
    const d = matchEvidence(
      recorded({
        kubelet: { running: false, flags: {} },
        focus: { component: 'kubelet' },
        probe: { id: 'kubelet-running', kind: 'process', title: '', seen: '', expected: '' },
        kubeletLog: {
          source: '.lab/kubelet.log',
          lines: ['F1122 10:00:00.000000   123 server.go:274] failed to run Kubelet: running with swap on is not supported'],
        },
      }),
    )!;
    assert.equal(d.id, 'kubelet-not-running');
    assert.match(d.explanation, /swap on is not supported/);
  });

  it('broken YAML in pods/ is shown with its position', () => {
    const d = matchEvidence(
      recorded({
        focus: { file: 'pods/hello.yaml' },
        probe: { id: 'hello-manifest', kind: 'file', title: '', seen: '', expected: '' },
        manifests: [manifest('pods/hello.yaml', HELLO.replace('  name: hello', '\tname: hello'))],
      }),
    )!;
    assert.equal(d.id, 'manifest-invalid');
    assert.match(d.explanation, /pods\/hello\.yaml:4:1: a tab/);
  });

  it('the other entries: apiserver off the host network, a missing image, etcd data elsewhere, the secure port', () => {
    const etcd = manifest('pods/etcd.yaml', ETCD);
    const apiOff = manifest('pods/apiserver.yaml', APISERVER('http://127.0.0.1:2379').replace('  hostNetwork: true\n', ''));
    assert.equal(idOf(recorded({ step: 3, focus: apiFocus, manifests: [apiOff, etcd] })), 'apiserver-not-host-network');
    const missing = matchEvidence(
      recorded({
        containers: [],
        images: { 'registry.k8s.io/pause:3.2': true, 'busybox:1.99': false },
        manifests: [manifest('pods/hello.yaml', HELLO.replace('1.35', '1.99'))],
      }),
    )!;
    assert.equal(missing.id, 'image-missing');
    assert.match(missing.explanation, /busybox:1\.99, which is not on this machine/);
    // The article's /var/lib/etcd is a host directory like any other: no mistake (issue 9).
    const elsewhere = matchEvidence(
      recorded({
        step: 2,
        focus: etcdFocus,
        manifests: [manifest('pods/etcd.yaml', ETCD.replace('path: /var/lib/mvk-lab/etcd', 'path: /var/lib/etcd'))],
      }),
    );
    assert.notEqual(elsewhere?.id, 'etcd-no-data-volume');
    const secure = matchEvidence(
      recorded({
        step: 4,
        focus: { component: 'kubelet', file: 'kubeconfig.yaml' },
        probe: { id: 'kubeconfig-file', kind: 'file', title: '', seen: '', expected: '' },
        kubeconfig: { file: 'kubeconfig.yaml', server: 'https://127.0.0.1:6443' },
      }),
    )!;
    assert.match(secure.explanation, /secure port/);
  });

  it('only the newest container counts: an older one that exited 0 when replaced is no excuse', () => {
    const ev = recorded({
      step: 2,
      focus: etcdFocus,
      manifests: [manifest('pods/etcd.yaml', ETCD)],
      containers: [
        { name: 'k8s_etcd_new', container: 'etcd', state: 'exited', status: 'Exited (2) 1 second ago', image: 'etcd', exitCode: 2 },
        { name: 'k8s_etcd_old', container: 'etcd', state: 'exited', status: 'Exited (0) 1 minute ago', image: 'etcd', exitCode: 0 },
      ],
    });
    assert.equal(idOf(ev), 'container-crashes');
    assert.equal(
      idOf({
        ...ev,
        containers: [{ name: 'k8s_etcd_new', container: 'etcd', state: 'running', status: 'Up', image: 'etcd' }, ev.containers[1]!],
      }),
      undefined,
    );
  });

  it('a container kubelet has just created and not yet started hides nothing: the one before it is read', () => {
    const ev = recorded({
      step: 2,
      focus: etcdFocus,
      manifests: [manifest('pods/etcd.yaml', ETCD)],
      containers: [
        { name: 'k8s_etcd_next', container: 'etcd', state: 'created', status: 'Created', image: 'etcd', starting: true },
        { name: 'k8s_etcd_prev', container: 'etcd', state: 'exited', status: 'Exited (1) 1 second ago', image: 'etcd', exitCode: 1 },
      ],
      containerLogs: { container: 'etcd', text: 'flag provided but not defined: -listen-client-url' },
    });
    const d = matchEvidence(ev)!;
    assert.equal(d.id, 'container-crashes');
    assert.match(d.explanation, /exits with code 1.*-listen-client-url/);
  });

  it('a command that is not in the image: Docker never starts the container', () => {
    const d = matchEvidence(
      recorded({
        manifests: [manifest('pods/hello.yaml', HELLO.replace('["echo"', '["ehco"'))],
        containers: [
          { name: 'k8s_hello_x', container: 'hello', state: 'created', status: 'Created', image: 'busybox:1.35' },
          { name: 'k8s_POD_x', container: 'POD', state: 'running', status: 'Up', image: 'pause' },
        ],
        containerLogs: {
          container: 'hello',
          text: '',
          startError:
            'OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "ehco": executable file not ' +
            'found in $PATH: unknown',
        },
      }),
    )!;
    assert.equal(d.id, 'container-cannot-start');
    assert.match(d.explanation, /exec: "ehco": executable file not found.*The command "ehco" does not exist in the image/);
    assert.match(d.fix, /docker run --rm busybox:1\.35 which ehco/);
  });

  it('an exit with an error code shows the last log line', () => {
    const d = matchEvidence(
      recorded({
        step: 2,
        focus: etcdFocus,
        manifests: [manifest('pods/etcd.yaml', ETCD)],
        containers: [
          { name: 'k8s_etcd_x', container: 'etcd', state: 'exited', status: 'Exited (1) 3 seconds ago', image: 'etcd', exitCode: 1 },
        ],
        containerLogs: {
          container: 'etcd',
          text: 'flag provided but not defined: -foo\nUsage:\n  etcd [flags]\n    Start an etcd server.',
        },
      }),
    )!;
    assert.equal(d.id, 'container-crashes');
    assert.match(d.explanation, /code 1.*Its log says: flag provided but not defined: -foo$/);
  });

  it('unknown failures fall back to the kubelet log line and container log', () => {
    const ev = recorded({
      containers: [],
      kubeletLog: {
        source: '.lab/kubelet.log',
        lines: [
          'I1122 10:00:00.1 1 x.go:1] unrelated',
          'E1122 10:00:01.000000   1 pod_workers.go:191] Error syncing pod x ("hello-mvk-node_default(x)"): something odd',
        ],
      },
    });
    assert.equal(matchEvidence(ev), undefined);
    const d = fallbackDiagnosis(ev, { cause: 'it broke', hint: 'look' })!;
    assert.equal(d.id, 'unrecognised');
    assert.match(d.explanation, /something odd/);
    assert.equal(fallbackDiagnosis(recorded({ containers: [] }), {}), undefined);
    // A routine kubelet line is a clue only when there is nothing better.
    const routine = 'I1122 10:00:00.1 1 reconciler.go:224] volume "etcd-data" for pod "hello-mvk-node"';
    assert.match(
      fallbackDiagnosis(recorded({ containers: [], kubeletLog: { source: '.lab/kubelet.log', lines: [routine] } }), {})!.explanation,
      /reconciler\.go:224\] volume/,
    );
    assert.doesNotMatch(
      fallbackDiagnosis(
        recorded({
          containers: [],
          kubeletLog: { source: '.lab/kubelet.log', lines: [routine] },
          runningLogs: { container: 'hello', text: 'hi' },
        }),
        {},
      )!.explanation,
      /reconciler/,
    );
  });

  it('the fallback prefers what a running container says now over an older crash', () => {
    const ev = recorded({
      containers: [],
      containerLogs: { container: 'etcd', text: 'listen tcp 127.0.0.1:2380: bind: address already in use' },
      runningLogs: {
        container: 'etcd',
        text: 'ready to serve client requests\nserving insecure client requests on 127.0.0.1:2397, this is strongly discouraged!',
      },
    });
    const d = fallbackDiagnosis(ev, { cause: 'nothing listens on 2379' })!;
    assert.match(d.explanation, /container etcd \(running\) last said: serving insecure client requests on 127\.0\.0\.1:2397/);
    assert.doesNotMatch(d.explanation, /2380/);
  });

  it('evidence helpers', () => {
    assert.equal(staticName('etcd-mvk-node', 'mvk-node'), 'etcd');
    assert.equal(staticName('nginx', 'mvk-node'), 'nginx');
    assert.equal(exitCodeOf('Exited (137) 2 minutes ago'), 137);
    assert.equal(exitCodeOf('Up 3 seconds'), undefined);
    assert.deepEqual(
      linesAboutPod(['a hello-mvk-node_default b', 'etcd-mvk-node_kube-system'], { namespace: 'default', name: 'hello' }, 'mvk-node'),
      ['a hello-mvk-node_default b'],
    );
  });
});
