import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flagDifferences } from '../../src/engine/actions/kubelet.ts';
import { lessonCommands, LessonFormatError, outputMissing } from '../../src/content/lessonBlocks.ts';
import { labEnv } from '../../src/core/context.ts';
import { demuxDockerLogs, newestFirst, type DockerDriver, type PodContainer } from '../../src/machine/docker.ts';
import { parseFlags, withoutGoroutineDumps } from '../../src/machine/kubelet.ts';
import { parseMountPoints, mountsUnder } from '../../src/machine/mounts.ts';
import { parseListeners } from '../../src/machine/ports.ts';
import { swapIsOn } from '../../src/engine/machineFacts.ts';
import { lintManifestText } from '../../src/engine/manifestLint.ts';
import { kubeconfigServer } from '../../src/engine/manifests.ts';
import { readYaml } from '../../src/core/yamlFile.ts';
import { isLabContainer, labContainers } from '../../src/engine/ownership.ts';
import { labPodLogEntries } from '../../src/engine/reset.ts';
import { placeholdersIn, render, UnknownPlaceholderError } from '../../src/core/template.ts';

describe('lesson blocks', () => {
  const lesson = [
    'text',
    '```sh lab-run env',
    'export PATH=/x:$PATH',
    '```',
    '```yaml',
    'not: a command',
    '```',
    '```sh lab-run fails',
    'kubectl apply -f -',
    '```',
    '```text lab-expect',
    'forbidden:   thing',
    '',
    '```',
  ].join('\n');

  it('extracts marked commands with flags, expectations and lines', () => {
    const commands = lessonCommands(lesson);
    assert.equal(commands.length, 2);
    assert.deepEqual(commands[0], { script: 'export PATH=/x:$PATH', flags: ['env'], expect: [], line: 2 });
    assert.deepEqual(commands[1]!.flags, ['fails']);
    assert.deepEqual(commands[1]!.expect, ['forbidden:   thing']);
  });

  it('rejects unknown flags and unclosed blocks with a line', () => {
    assert.throws(
      () => lessonCommands('```sh lab-run sometimes\nx\n```'),
      (e: unknown) => e instanceof LessonFormatError && /line 1: unknown lab-run flag "sometimes"/.test(e.message),
    );
    assert.throws(() => lessonCommands('a\n```sh lab-run\nx\n'), /line 2: code block is never closed/);
  });

  it('matches expected lines regardless of column alignment', () => {
    assert.deepEqual(outputMissing('NAME       STATUS\nmvk-node   Ready    <none>', ['mvk-node Ready']), []);
    assert.deepEqual(outputMissing('nginx 0/1 Pending', ['nginx 1/1 Running']), ['nginx 1/1 Running']);
  });
});

describe('templates', () => {
  it('replaces lab placeholders and leaves Docker and kubectl templates alone', () => {
    assert.equal(
      render("{{images.busybox}} --format '{{.Names}}' -o jsonpath='{.status.podIP}'", { 'images.busybox': 'busybox:1.35' }),
      "busybox:1.35 --format '{{.Names}}' -o jsonpath='{.status.podIP}'",
    );
    assert.deepEqual(placeholdersIn('{{ a }} {{b.c}} {{.D}}'), ['a', 'b.c']);
    assert.throws(() => render('{{nope}}', {}), UnknownPlaceholderError);
  });
});

describe('kubelet flags', () => {
  it('parses Go-style flags', () => {
    const flags = parseFlags(['--a=1', '--b', '2', '--c', '--d=x=y', 'positional']);
    assert.deepEqual(
      [...flags],
      [
        ['a', '1'],
        ['b', '2'],
        ['c', 'true'],
        ['d', 'x=y'],
      ],
    );
  });

  it("finds flags that differ, resolving relative paths against kubelet's cwd", () => {
    const running = { pid: 1, argv: [], cwd: '/repo', flags: parseFlags(['--pod-manifest-path=pods', '--address=10.0.0.1', '--extra=1']) };
    assert.deepEqual(flagDifferences(running, ['--pod-manifest-path=/repo/pods', '--address=10.0.0.1']), []);
    assert.deepEqual(flagDifferences(running, ['--address=172.17.0.1', '--kubeconfig=/repo/kubeconfig.yaml']), [
      '--address is 10.0.0.1, not 172.17.0.1',
      '--kubeconfig is missing',
    ]);
  });
});

describe('machine readers', () => {
  it('reads listening sockets from /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 999 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(parseListeners(text), [{ address: '127.0.0.1', port: 8080, inode: '12345' }]);
  });

  it('reads mount points, unescaped, deepest first', () => {
    const info = [
      '36 35 98:0 / /var/lib/mvk-lab/kubelet/pods/u1/volumes/x\\040y rw - tmpfs tmpfs rw',
      '37 35 98:0 / /var/lib/mvk-lab/kubelet rw - ext4 /dev/x rw',
      '38 35 98:0 / /var/lib/mvk-lab-other rw - ext4 /dev/x rw',
    ].join('\n');
    assert.equal(parseMountPoints(info)[0], '/var/lib/mvk-lab/kubelet/pods/u1/volumes/x y');
    assert.deepEqual(mountsUnder('/var/lib/mvk-lab', info), ['/var/lib/mvk-lab/kubelet/pods/u1/volumes/x y', '/var/lib/mvk-lab/kubelet']);
  });

  it('knows whether swap is on', () => {
    assert.equal(swapIsOn('Filename Type Size Used Priority\n'), false);
    assert.equal(swapIsOn('Filename Type Size Used Priority\n/swapfile file 1024 0 -2\n'), true);
  });

  it('demultiplexes Docker log frames', () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    assert.equal(demuxDockerLogs(Buffer.concat([frame(1, 'hello '), frame(2, 'world!\n')])), 'hello world!\n');
    assert.equal(demuxDockerLogs(Buffer.from('plain text')), 'plain text');
  });
});

describe('student files', () => {
  it('reports YAML errors with line and column', () => {
    const read = readYaml('apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n');
    assert.equal(read.document, undefined);
    assert.deepEqual([read.problems[0]!.line, read.problems[0]!.column], [4, 1]);
  });

  it('says what a Pod lacks', () => {
    const firstError = (text: string) => lintManifestText(text, 'pods/a.yaml').problems.find((p) => p.severity === 'error')?.message;
    assert.equal(firstError('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: "i:1"}]}\n'), undefined);
    assert.equal(firstError('apiVersion: v1\nkind: Deployment\n'), 'kind is "Deployment"; a file in pods/ must be kind: Pod');
    assert.equal(
      firstError('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n'),
      'spec.containers[0] has no image',
    );
  });

  it('resolves the server of the current kubeconfig context', () => {
    const config = {
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:8080' } }],
      contexts: [{ name: 'x', context: { cluster: 'c' } }],
      'current-context': 'x',
    };
    assert.deepEqual(kubeconfigServer(config), { server: 'http://127.0.0.1:8080' });
    assert.match(kubeconfigServer({ ...config, 'current-context': 'y' }).problem!, /no context named "y"/);
  });
});

describe('reset ownership', () => {
  it("counts only containers of the lab's pods", () => {
    const uids = new Set(['u1']);
    const owned = { uids, sandboxIds: new Set(['s7']), nodeNames: new Set(['mvk-node']) };
    assert.equal(isLabContainer({ podUid: 'u1', podName: 'nginx', sandboxId: 's1' }, owned), true);
    assert.equal(isLabContainer({ podUid: 'u9', podName: 'etcd-mvk-node', sandboxId: 's2' }, owned), true);
    assert.equal(isLabContainer({ podUid: 'u9', podName: 'etcd-realnode', sandboxId: 's3' }, owned), false);
    // A pod deleted through the API: kubelet dropped its pod directory, dockershim's checkpoint remains.
    assert.equal(isLabContainer({ podUid: 'u8', podName: 'nginx', sandboxId: 's7' }, owned), true);
    assert.equal(isLabContainer({ podUid: 'u8', podName: 'nginx', sandboxId: '' }, owned), false);
    assert.deepEqual(labPodLogEntries(['default_nginx_u1', 'kube-system_etcd-real_u2'], uids), ['default_nginx_u1']);
  });

  it("lists the lab's containers by that one rule, for reset, preflight, the doctor and lab status alike", async () => {
    const owned = { uids: new Set(['u1']), sandboxIds: new Set<string>(), nodeNames: new Set(['mvk-node']) };
    const container = (name: string, podUid: string, podName: string) => ({ name, podUid, podName, sandboxId: '' }) as PodContainer;
    const docker = {
      podContainers: async () => [
        container('a', 'u1', 'nginx'),
        container('b', 'u2', 'etcd-mvk-node'),
        container('c', 'u3', 'etcd-realnode'),
      ],
    } as unknown as DockerDriver;
    assert.deepEqual(
      (await labContainers(labEnv(), docker, owned)).map((c) => c.name),
      ['a', 'b'],
    );
  });
});

describe('withoutGoroutineDumps', () => {
  it('drops the stack dump after a fatal line and keeps the klog lines around it', () => {
    const log = [
      'I1122 03:20:00.000000    42 server.go:416] Version: v1.19.16',
      'F1122 03:20:01.000000    42 server.go:160] listen tcp 172.17.0.1:10250: bind: address already in use',
      'goroutine 1 [running]:',
      'k8s.io/kubernetes/vendor/k8s.io/klog/v2.stacks(0xc000010001)',
      '\t/workspace/vendor/k8s.io/klog/v2/klog.go:996 +0xb9',
      '',
      'goroutine 6 [chan receive]:',
      'main.main()',
      'I1122 03:20:05.000000    43 server.go:416] Version: v1.19.16',
    ];
    assert.deepEqual(withoutGoroutineDumps(log), [log[0], log[1], log[8]]);
  });
});

describe('newestFirst', () => {
  it('orders by creation, and by attempt within the same second of one pod', () => {
    const crashed = { created: 100, podUid: 'u1', attempt: 0 };
    const restarted = { created: 100, podUid: 'u1', attempt: 1 };
    const older = { created: 90, podUid: 'u0', attempt: 3 };
    assert.deepEqual([older, crashed, restarted].sort(newestFirst), [restarted, crashed, older]);
  });
});
