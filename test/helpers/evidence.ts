import type { Evidence } from '../../src/engine/diagnosis/evidence.ts';

/**
 * Recorded evidence of a healthy machine from step 4 on (kubelet runs with its kubeconfig, Docker is
 * up, nothing else seen), for the diagnoses' unit tests; each case overrides what its mistake changes.
 */
export function evidenceOf(overrides: Partial<Evidence>): Evidence {
  return {
    step: 4,
    nodeName: 'mvk-node',
    probe: { id: 'p', kind: 'code', title: 't', seen: 's', expected: 'e' },
    focus: {},
    manifests: [],
    duplicates: [],
    kubelet: { running: true, pid: 42, flags: { kubeconfig: '/repo/kubeconfig.yaml' } },
    docker: { up: true, socket: '/var/run/docker.sock' },
    containers: [],
    ports: [],
    images: {},
    labImages: {},
    missing: [],
    ...overrides,
  };
}
