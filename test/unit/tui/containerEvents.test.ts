import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labEnv } from '../../../src/core/context.ts';
import { labSteps } from '../../../src/engine/steps.ts';
import { templateVars } from '../../../src/engine/templateVars.ts';
import { podOfContainer, podsWatchedBy } from '../../../src/tui/containerEvents.ts';

describe('container events', () => {
  it('reads the pod from a dockershim container name', () => {
    assert.equal(podOfContainer('k8s_hello_hello-mvk-node_default_ab61ef03_3'), 'hello-mvk-node');
    assert.equal(podOfContainer('/k8s_POD_etcd-mvk-node_kube-system_0f1e_0'), 'etcd-mvk-node');
    assert.equal(podOfContainer('my-container'), undefined);
  });

  it('knows which pods each step looks at', () => {
    const steps = labSteps();
    const vars = templateVars(labEnv());
    assert.deepEqual([...podsWatchedBy(steps[0]!, vars)], ['hello-mvk-node']);
    assert.deepEqual([...podsWatchedBy(steps[1]!, vars)], ['etcd-mvk-node']);
    assert.equal(podsWatchedBy(steps[5]!, vars).size, 0);
  });
});
