import { execFileSync } from 'node:child_process';

/**
 * kubelet adds chains of its own to the host's firewall unless --make-iptables-util-chains=false (the
 * lesson sets it; the original article does not): KUBE-FIREWALL, KUBE-MARK-DROP, KUBE-MARK-MASQ,
 * KUBE-POSTROUTING, KUBE-KUBELET-CANARY, and jumps to them from INPUT, OUTPUT and POSTROUTING. They
 * outlive kubelet. Chains are named "table/chain" here.
 */
export interface KubeRules {
  chains: string[];
  /** Rules in other chains that jump into a KUBE- chain: table and the rule as iptables-save prints it, without `-A`. */
  jumps: { table: string; chain: string; args: string[] }[];
}

/** Splits an iptables-save rule into arguments, honouring its double quotes (comments have spaces). */
export function splitRule(line: string): string[] {
  const args: string[] = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g))
    args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2]!);
  return args;
}

export function parseKubeRules(save: string): KubeRules {
  const chains: string[] = [];
  const jumps: KubeRules['jumps'] = [];
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1).trim();
    else if (line.startsWith(':KUBE-')) chains.push(`${table}/${line.slice(1).split(' ')[0]}`);
    else if (line.startsWith('-A ')) {
      const [, chain, ...args] = splitRule(line);
      const target = args[args.indexOf('-j') + 1];
      if (!chain!.startsWith('KUBE-') && args.includes('-j') && target?.startsWith('KUBE-')) jumps.push({ table, chain: chain!, args });
    }
  }
  return { chains, jumps };
}

/** The KUBE- chains now, or undefined where iptables cannot be read (not installed, not root). */
export function kubeChainsNow(): KubeRules | undefined {
  try {
    return parseKubeRules(execFileSync('iptables-save', { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return undefined;
  }
}

const quote = (arg: string) => (/^[\w@%+=:,./!-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`);

/** The commands that remove `chains` and the jumps into them, as a student would type them. */
export function removalCommands(rules: KubeRules, chains: string[]): string[][] {
  const wanted = new Set(chains);
  const commands: string[][] = [];
  for (const jump of rules.jumps) {
    const target = jump.args[jump.args.indexOf('-j') + 1]!;
    if (wanted.has(`${jump.table}/${target}`)) commands.push(['iptables', '-t', jump.table, '-D', jump.chain, ...jump.args]);
  }
  // Flush all first: KUBE- chains jump into each other, and a chain still referenced cannot be deleted.
  for (const chain of chains) commands.push(['iptables', '-t', chain.split('/')[0]!, '-F', chain.split('/')[1]!]);
  for (const chain of chains) commands.push(['iptables', '-t', chain.split('/')[0]!, '-X', chain.split('/')[1]!]);
  return commands;
}

export const asShell = (command: string[]) => command.map(quote).join(' ');

/** Runs the removal commands; returns the ones that failed. */
export async function runRemoval(commands: string[][]): Promise<string[][]> {
  const failed: string[][] = [];
  // Loaded here, not with the module: hostBaseline (every verify) needs only kubeChainsNow.
  const { execa } = await import('execa');
  for (const [file, ...args] of commands) {
    const result = await execa(file!, args, { reject: false });
    if (result.exitCode !== 0) failed.push([file!, ...args]);
  }
  return failed;
}
