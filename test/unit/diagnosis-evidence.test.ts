import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { labEnv } from '../../src/core/context.ts';
import { focusOf, kubeletLogSource } from '../../src/engine/diagnosis/evidence.ts';
import { tailLines } from '../../src/machine/tail.ts';
import { EvidenceUnavailableError } from '../../src/core/errors.ts';
import { labSteps } from '../../src/engine/steps.ts';
import { templateVars } from '../../src/engine/templateVars.ts';

describe('diagnosis evidence', () => {
  it('knows what every probe of the lab is about', () => {
    const env = labEnv();
    const focus = new Map<string, unknown>();
    for (const step of labSteps()) for (const probe of step.meta.probes) focus.set(probe.id, focusOf(probe, env, templateVars(env)));
    assert.deepEqual(focus.get('kubelet-running'), { component: 'kubelet' });
    assert.deepEqual(focus.get('hello-sandbox'), { component: 'pod', pod: { namespace: 'default', name: 'hello' } });
    assert.deepEqual(focus.get('hello-logs'), {
      component: 'pod',
      pod: { namespace: 'default', name: 'hello' },
      logsContain: 'hello world!',
    });
    assert.deepEqual(focus.get('etcd-version'), { component: 'etcd', pod: { namespace: 'kube-system', name: 'etcd' } });
    assert.deepEqual(focus.get('etcd-data'), { component: 'etcd', pod: { namespace: 'kube-system', name: 'etcd' } });
    assert.deepEqual(focus.get('apiserver-healthz'), { component: 'apiserver', pod: { namespace: 'kube-system', name: 'kube-apiserver' } });
    assert.deepEqual(focus.get('kubectl-default'), { component: 'apiserver', pod: { namespace: 'kube-system', name: 'kube-apiserver' } });
    assert.deepEqual(focus.get('kubeconfig-file'), { component: 'kubelet', file: 'kubeconfig.yaml' });
    assert.deepEqual(focus.get('node-ready'), { component: 'kubelet' });
    assert.deepEqual(focus.get('mirror-etcd'), { component: 'etcd', pod: { namespace: 'kube-system', name: 'etcd' } });
    assert.deepEqual(focus.get('default-serviceaccount'), { component: 'serviceaccount' });
    assert.deepEqual(focus.get('pod-admitted'), { component: 'serviceaccount' });
    assert.deepEqual(focus.get('nginx-pinned'), { component: 'pod', pod: { namespace: 'default', name: 'nginx' } });
    assert.deepEqual(focus.get('curl-logs'), { component: 'pod', pod: { namespace: 'default', name: 'curl' } });
    assert.deepEqual(focus.get('curl-completed'), { component: 'pod', pod: { namespace: 'default', name: 'curl' } });
    assert.deepEqual(focus.get('apiserver-kubelet-address'), {
      component: 'apiserver',
      pod: { namespace: 'kube-system', name: 'kube-apiserver' },
    });
  });

  it('reads only the tail of a large kubelet log', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'mvk-log-')), 'kubelet.log');
    writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `I1122 line ${i}`).join('\n'));
    const lines = tailLines(file, 10, 4096);
    assert.equal(lines.length, 10);
    assert.equal(lines.at(-1), 'I1122 line 4999');
  });

  it('says when there is no kubelet log to read', () => {
    const env = labEnv({ repoRoot: mkdtempSync(path.join(tmpdir(), 'mvk-repo-')) });
    assert.throws(() => kubeletLogSource(env, undefined), EvidenceUnavailableError);
    // A kubelet the lab did not start and whose stderr we cannot see (here: a pid that does not exist).
    assert.throws(() => kubeletLogSource(env, 2 ** 22 + 7), /cannot see where kubelet/);
  });
});
