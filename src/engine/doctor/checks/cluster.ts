import { labPortTable } from '../../labPorts.ts';
import type { DoctorCheck } from '../types.ts';
import { result } from './result.ts';

export const portsCheck: DoctorCheck = {
  id: 'ports',
  title: 'ports free',
  async run(inputs) {
    const ports = labPortTable();
    const holders = await inputs.portHolders(ports.map((p) => p.port));
    return ports.map(({ port, who }) => {
      const id = `port-${port}`;
      const title = `port ${port} free for ${who}`;
      const held = holders.filter((h) => h.port === port);
      if (held.length === 0) return result(id, title, 'pass', 'free');
      const foreign = held.find((h) => !h.ours);
      if (!foreign) return result(id, title, 'pass', `held by this lab's ${held[0]!.name ?? 'component'}`);
      const by = foreign.pid ? `${foreign.name ?? 'a process'} (pid ${foreign.pid})` : 'a process this user cannot see';
      return result(
        id,
        title,
        'fail',
        `held by ${by} on ${foreign.address}`,
        `the lab needs this port; stop that process (\`ss -ltnp 'sport = :${port}'\` shows it), or use another machine if it ` +
          `belongs to a Kubernetes you keep`,
      );
    });
  },
};

export const otherKubernetesCheck: DoctorCheck = {
  id: 'other-kubernetes',
  title: 'no other Kubernetes on this machine',
  async run(inputs) {
    const foreign = (await inputs.kubernetesProcesses()).filter((p) => !p.ours);
    const results = [];
    if (foreign.length > 0) {
      results.push(
        result(
          this.id,
          this.title,
          'fail',
          `found ${foreign.map((p) => `${p.name} (pid ${p.pid}: ${p.command})`).join('; ')}`,
          'the lab never touches another kubelet or cluster; it would fight this one for ports, cgroups and containers. Use a ' +
            'machine (or VM) without Kubernetes, or stop that cluster yourself',
        ),
      );
    } else {
      results.push(result(this.id, this.title, 'pass', "no kubelet, k3s, k0s, kube-apiserver or etcd other than the lab's"));
    }
    const traces = ['/etc/kubernetes/manifests', '/var/lib/kubelet/config.yaml', '/etc/rancher/k3s', '/var/lib/k0s'].filter((file) =>
      inputs.exists(file),
    );
    if (traces.length > 0) {
      results.push(
        result(
          'kubernetes-traces',
          'no files of another Kubernetes',
          'warn',
          `found ${traces.join(', ')}`,
          'a Kubernetes was installed here. The lab keeps its state in /var/lib/mvk-lab and leaves these alone, but make sure that ' +
            'cluster is not started again while you work',
        ),
      );
    }
    return results;
  },
};
