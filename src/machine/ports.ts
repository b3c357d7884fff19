import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processName } from './proc.ts';

export interface Listener {
  address: string;
  port: number;
  inode: string;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    const bytes = hex.match(/../g)!.map((byte) => parseInt(byte, 16));
    return bytes.reverse().join('.');
  }
  // IPv6 as four little-endian 32-bit words; shown compactly only for the common cases.
  if (/^0+$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  return hex;
}

/** Parses /proc/net/tcp-style text into listening sockets (state 0A). */
export function parseListeners(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== '0A') continue;
    const [addressHex, portHex] = fields[1]!.split(':');
    listeners.push({ address: decodeAddress(addressHex!), port: parseInt(portHex!, 16), inode: fields[9]! });
  }
  return listeners;
}

export function tcpListeners(): Listener[] {
  const all: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      all.push(...parseListeners(readFileSync(file, 'utf8')));
    } catch {
      // no IPv6 on this machine
    }
  }
  return all;
}

/** Which process holds a socket inode, if we may look (root sees all). */
export function socketOwner(inode: string): { pid: number; name?: string } | undefined {
  return socketOwners([inode]).get(inode);
}

/**
 * The process holding each of these socket inodes: the first, in /proc's order, with a file descriptor
 * on it. One pass over every process's descriptors for them all (a port often listens on IPv4 and IPv6),
 * ending as soon as each is found.
 */
function socketOwners(inodes: string[]): Map<string, { pid: number; name?: string }> {
  const owners = new Map<string, { pid: number; name?: string }>();
  const targets = new Map(inodes.map((inode) => [`socket:[${inode}]`, inode]));
  if (targets.size === 0) return owners;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue; // fd closed meanwhile
      }
      const inode = targets.get(link);
      if (inode !== undefined && !owners.has(inode)) owners.set(inode, { pid: Number(entry), name: processName(Number(entry)) });
    }
    if (owners.size === targets.size) break;
  }
  return owners;
}

export interface PortHolder {
  port: number;
  address: string;
  pid?: number;
  name?: string;
}

export function portHolders(ports: number[]): PortHolder[] {
  const wanted = new Set(ports);
  // Processes in the host network namespace share this table; hostNetwork pods (etcd, apiserver) included.
  const listeners = tcpListeners().filter((listener) => wanted.has(listener.port));
  const owners = socketOwners(listeners.map((listener) => listener.inode));
  return listeners.map((listener) => ({ port: listener.port, address: listener.address, ...owners.get(listener.inode) }));
}
