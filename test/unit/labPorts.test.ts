import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentAt, labPortTable, labPorts } from '../../src/engine/labPorts.ts';

describe("one table of the lab's ports", () => {
  it('the doctor checks every port free, with who listens there', () => {
    assert.deepEqual(
      labPortTable().map((p) => `${p.port} ${p.who}`),
      [
        '2379 etcd (clients)',
        '2380 etcd (peers)',
        '6443 kube-apiserver (secure)',
        '8080 kube-apiserver (insecure, loopback)',
        '10251 kube-scheduler (healthz, insecure, loopback)',
        '10259 kube-scheduler (secure)',
        '10252 kube-controller-manager (healthz, insecure, loopback)',
        '10257 kube-controller-manager (secure)',
        '10248 kubelet healthz',
        '10250 kubelet API',
      ],
    );
  });

  it("preflight guards each component's ports; reset and the diagnosis look at the addressed ones", () => {
    assert.deepEqual(labPorts({ component: 'kubelet' }), [10248, 10250]);
    assert.deepEqual(labPorts({ component: 'etcd' }), [2379, 2380]);
    assert.deepEqual(labPorts({ component: 'apiserver' }).sort(), [6443, 8080]);
    assert.deepEqual(labPorts({ addressed: true }), [2379, 8080, 10251, 10252, 10248, 10250]);
    assert.deepEqual(labPorts({ component: 'scheduler' }), [10251, 10259]);
    assert.deepEqual(labPorts({ component: 'controllerManager' }), [10252, 10257]);
    assert.deepEqual(labPorts({ component: 'kubelet', addressed: true }), [10248, 10250]);
    assert.deepEqual(labPorts({ component: 'pod', addressed: true }), []);
  });

  it("a probe's URL port names the component the lab reaches there", () => {
    assert.equal(componentAt(2379), 'etcd');
    assert.equal(componentAt(8080), 'apiserver');
    assert.equal(componentAt(10251), 'scheduler');
    assert.equal(componentAt(10250), 'kubelet');
    assert.equal(componentAt(6443), undefined);
    assert.equal(componentAt(80), undefined);
  });
});
