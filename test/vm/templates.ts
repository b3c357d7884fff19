/**
 * The VM recipes for students without a Linux machine (vm/lima.yaml, vm/cloud-init.yaml) carry
 * vm/provision.sh inside them: Lima and cloud-init take a script, not a path into a checkout the VM does
 * not have yet. They are generated from it so the script the VM test runs is the script students get;
 * a unit test fails when they drift. Refresh them with `npx tsx test/vm/templates.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../src/core/paths.ts';

const vmDir = path.join(repoRoot, 'vm');
const provision = () => readFileSync(path.join(vmDir, 'provision.sh'), 'utf8');
const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => (line === '' ? '' : ' '.repeat(spaces) + line))
    .join('\n');

const GENERATED = '# Generated from vm/provision.sh by test/vm/templates.ts: edit that script, then run `npx tsx test/vm/templates.ts`.';

export function limaTemplate(script = provision()): string {
  return `# A Debian 13 VM ready for mvk-lab, for macOS (or any machine with Lima >= 1.0):
#   limactl start --name=mvk-lab vm/lima.yaml
#   limactl copy -r . mvk-lab:mvk-lab       # this checkout, into the VM
#   limactl shell mvk-lab                   # then: cd ~/mvk-lab && npm ci && sudo npm run lab
# Debian 13 is what the lab's own VM test boots: systemd, cgroup v2, Docker 26, Node.js 20.
${GENERATED}
minimumLimaVersion: 1.0.0
images:
  - location: https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2
    arch: x86_64
  - location: https://cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-arm64.qcow2
    arch: aarch64
cpus: 2
memory: 4GiB
disk: 20GiB
# The lab runs kubelet as root and writes pods/ in its checkout: it works on a copy inside the VM, so
# nothing of the host is mounted.
mounts: []
# Lima's own containerd would be a second container runtime beside Docker: off.
containerd:
  system: false
  user: false
provision:
  - mode: system
    script: |
${indent(script, 6)}
`;
}

export function cloudInit(script = provision()): string {
  return `#cloud-config
# A VM ready for mvk-lab from any cloud-init image (Debian 13 is the tested one). With Multipass,
# whose images are Ubuntu (24.04 has Node.js 18, too old: provision.sh then takes Node.js from snap):
#   multipass launch 24.04 --name mvk-lab --cpus 2 --memory 4G --disk 20G --cloud-init vm/cloud-init.yaml
#   multipass transfer -r . mvk-lab:mvk-lab  # this checkout, into the VM
#   multipass shell mvk-lab                  # then: cd ~/mvk-lab && npm ci && sudo npm run lab
${GENERATED}
write_files:
  - path: /usr/local/sbin/mvk-lab-provision
    permissions: '0755'
    content: |
${indent(script, 6)}
runcmd:
  - [/usr/local/sbin/mvk-lab-provision]
`;
}

export const templates = () => ({ 'lima.yaml': limaTemplate(), 'cloud-init.yaml': cloudInit() });

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, text] of Object.entries(templates())) writeFileSync(path.join(vmDir, name), text);
  console.log('vm/lima.yaml and vm/cloud-init.yaml follow vm/provision.sh again');
}
