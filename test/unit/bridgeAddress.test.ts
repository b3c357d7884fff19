import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bridgeAddress, type Run } from '../env/bridgeAddress.ts';

/** `docker network inspect bridge` as an engine prints it; `config` is the IPAM config list. */
const inspect = (config: object[], options: Record<string, string> = { 'com.docker.network.bridge.name': 'docker0' }) =>
  JSON.stringify([
    {
      Name: 'bridge',
      Driver: 'bridge',
      IPAM: { Driver: 'default', Options: null, Config: config },
      Options: { 'com.docker.network.bridge.default_bridge': 'true', ...options },
    },
  ]);

/** `ip -j -4 addr show dev <name>` for an interface with `address`. */
const ipAddr = (name: string, address: string) =>
  JSON.stringify([
    {
      ifindex: 3,
      ifname: name,
      flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
      mtu: 1500,
      operstate: 'DOWN',
      addr_info: [{ family: 'inet', local: address, prefixlen: 24, broadcast: '192.0.2.255', scope: 'global', label: name }],
    },
  ]);

/** A machine that answers from memory, remembering what was asked. */
function machine(answers: Record<string, string | Error>) {
  const asked: string[] = [];
  const run: Run = async (command, args) => {
    const line = [command, ...args].join(' ');
    asked.push(line);
    const answer = answers[line];
    if (answer === undefined) throw new Error(`unexpected command: ${line}`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { run, asked };
}

describe("the smoke test's bridge address lookup (no lab code)", () => {
  it('takes the IPAM gateway when Docker lists it', async () => {
    const { run, asked } = machine({ 'docker network inspect bridge': inspect([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]) });
    assert.equal(await bridgeAddress(run), '172.17.0.1');
    assert.deepEqual(asked, ['docker network inspect bridge']);
  });

  it('falls back to the address of docker0 when the IPAM config has no Gateway', async () => {
    // As seen on a freshly provisioned test bed: "Config":[{"Subnet":"172.17.0.0/16"}].
    const { run, asked } = machine({
      'docker network inspect bridge': inspect([{ Subnet: '172.17.0.0/16' }]),
      'ip -j -4 addr show dev docker0': ipAddr('docker0', '192.0.2.2'),
    });
    assert.equal(await bridgeAddress(run), '192.0.2.2');
    assert.deepEqual(asked, ['docker network inspect bridge', 'ip -j -4 addr show dev docker0']);
  });

  it('asks the interface the network names, and skips an IPv6 gateway', async () => {
    const { run } = machine({
      'docker network inspect bridge': inspect([{ Subnet: 'fd00::/64', Gateway: 'fd00::1' }, { Subnet: '10.9.0.0/16' }], {
        'com.docker.network.bridge.name': 'br-lab',
      }),
      'ip -j -4 addr show dev br-lab': ipAddr('br-lab', '10.9.0.1'),
    });
    assert.equal(await bridgeAddress(run), '10.9.0.1');
  });

  it('defaults to docker0 when the network names no interface', async () => {
    const network = JSON.stringify([{ Name: 'bridge', IPAM: { Config: [] }, Options: {} }]);
    const { run } = machine({
      'docker network inspect bridge': network,
      'ip -j -4 addr show dev docker0': ipAddr('docker0', '172.17.0.1'),
    });
    assert.equal(await bridgeAddress(run), '172.17.0.1');
  });

  it('says where it looked when neither gives an address', async () => {
    const noAddress = machine({
      'docker network inspect bridge': inspect([{ Subnet: '172.17.0.0/16' }]),
      'ip -j -4 addr show dev docker0': '[{"ifname":"docker0","addr_info":[]}]',
    });
    await assert.rejects(bridgeAddress(noAddress.run), /lists no IPAM gateway and its interface docker0 has no IPv4 address/);
    const noInterface = machine({
      'docker network inspect bridge': inspect([{ Subnet: '172.17.0.0/16' }]),
      'ip -j -4 addr show dev docker0': new Error('Device "docker0" does not exist.'),
    });
    await assert.rejects(bridgeAddress(noInterface.run), /`ip addr show dev docker0` failed: Device "docker0" does not exist/);
  });
});
