import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asShell, parseKubeRules, removalCommands, splitRule } from '../../src/machine/iptables.ts';

/** What iptables-save printed on the test bed after a kubelet without --make-iptables-util-chains=false (shortened). */
const SAVE = `*mangle
:PREROUTING ACCEPT [0:0]
:KUBE-KUBELET-CANARY - [0:0]
COMMIT
*filter
:INPUT ACCEPT [0:0]
:DOCKER - [0:0]
:KUBE-FIREWALL - [0:0]
-A INPUT -j KUBE-FIREWALL
-A FORWARD -j DOCKER-USER
-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-DROP - [0:0]
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
COMMIT
`;

describe("kubelet's iptables chains (issue 9)", () => {
  it("finds the KUBE- chains and the jumps into them, and nothing of Docker's", () => {
    const rules = parseKubeRules(SAVE);
    assert.deepEqual(rules.chains, ['mangle/KUBE-KUBELET-CANARY', 'filter/KUBE-FIREWALL', 'nat/KUBE-POSTROUTING', 'nat/KUBE-MARK-DROP']);
    assert.deepEqual(
      rules.jumps.map((j) => `${j.table}/${j.chain}`),
      ['filter/INPUT', 'nat/POSTROUTING'],
    );
    assert.deepEqual(splitRule('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING').slice(-4), [
      '--comment',
      'kubernetes postrouting rules',
      '-j',
      'KUBE-POSTROUTING',
    ]);
  });

  it('removes only the chains asked for: jumps first, then flush, then delete', () => {
    const rules = parseKubeRules(SAVE);
    const commands = removalCommands(rules, ['nat/KUBE-POSTROUTING', 'nat/KUBE-MARK-DROP']).map(asShell);
    assert.deepEqual(commands, [
      'iptables -t nat -D POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      'iptables -t nat -F KUBE-POSTROUTING',
      'iptables -t nat -F KUBE-MARK-DROP',
      'iptables -t nat -X KUBE-POSTROUTING',
      'iptables -t nat -X KUBE-MARK-DROP',
    ]);
  });
});
