/**
 * The host's address on Docker's default bridge, found with the real tools only (docker, ip) and no lab
 * code, for the smoke test: the reference must be at least as robust as the lab it judges.
 *
 * Docker does not always fill in the bridge network's IPAM gateway (a freshly provisioned engine may
 * show only `"Config":[{"Subnet":"172.17.0.0/16"}]`); the address is then the one of the bridge's
 * interface, named in the network's options (`com.docker.network.bridge.name`, docker0 by default).
 */
import { execa } from 'execa';

/** What `docker network inspect bridge` says, as far as the address is concerned. */
export interface BridgeNetwork {
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Options?: Record<string, string> | null;
}

/** Runs a command and returns its stdout, or throws. */
export type Run = (command: string, args: string[]) => Promise<string>;

const run: Run = async (command, args) => (await execa(command, args)).stdout;

const isIPv4 = (address: string | undefined): address is string => /^\d{1,3}(\.\d{1,3}){3}$/.test(address ?? '');

/** The IPv4 gateway of the network's IPAM config, if Docker lists one. */
export function ipamGateway(network: BridgeNetwork): string | undefined {
  return (network.IPAM?.Config ?? []).map((config) => config.Gateway?.replace(/\/\d+$/, '')).find(isIPv4);
}

/** The Linux interface behind the network. */
export function bridgeInterface(network: BridgeNetwork): string {
  return network.Options?.['com.docker.network.bridge.name'] || 'docker0';
}

/** The first IPv4 address in `ip -j -4 addr show dev <name>` output. */
export function interfaceIPv4(ipJson: string): string | undefined {
  try {
    const links = JSON.parse(ipJson) as { addr_info?: { family?: string; local?: string }[] }[];
    return links
      .flatMap((link) => link.addr_info ?? [])
      .map((info) => info.local)
      .find(isIPv4);
  } catch {
    return undefined;
  }
}

/** `docker network inspect` prints an array; `--format '{{json .}}'` one object. Either is fine. */
export function parseInspect(json: string): BridgeNetwork {
  const parsed = JSON.parse(json) as BridgeNetwork | BridgeNetwork[];
  const network = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!network) throw new Error('docker network inspect bridge printed no network');
  return network;
}

/** The bridge's IPAM gateway, else the IPv4 address of its interface; throws saying where it looked. */
export async function bridgeAddress(exec: Run = run): Promise<string> {
  const network = parseInspect(await exec('docker', ['network', 'inspect', 'bridge']));
  const gateway = ipamGateway(network);
  if (gateway) return gateway;
  const name = bridgeInterface(network);
  let output = '';
  try {
    output = await exec('ip', ['-j', '-4', 'addr', 'show', 'dev', name]);
  } catch (error) {
    throw new Error(
      `Docker's bridge network lists no IPAM gateway and \`ip addr show dev ${name}\` failed: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const address = interfaceIPv4(output);
  if (!address) throw new Error(`Docker's bridge network lists no IPAM gateway and its interface ${name} has no IPv4 address`);
  return address;
}
