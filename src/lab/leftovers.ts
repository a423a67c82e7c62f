import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { hasHostsBlock } from './etc-hosts.ts';
import { bridgeName, labPaths, vethName } from './names.ts';
import { linkExists } from './network.ts';
import { runLocal } from './run-local.ts';

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Everything of lab `name` still on the machine: network namespaces, links, processes (the given
 * pids, plus any whose command line names the lab's directory), files, the /etc/hosts block.
 * `lab down` must leave this empty; the e2e test checks it.
 */
export async function labLeftovers(name: string, known: { pids?: number[]; files?: string[] } = {}): Promise<string[]> {
  const found: string[] = [];
  const { stdout } = await runLocal(['ip', 'netns', 'list']);
  for (const line of stdout.split('\n')) {
    const ns = line.split(' ')[0];
    if (ns?.startsWith(`lifeboat-${name}-`)) found.push(`network namespace ${ns}`);
  }
  if (await linkExists(bridgeName(name))) found.push(`bridge ${bridgeName(name)}`);
  const { stdout: links } = await runLocal(['ip', '-o', 'link', 'show']);
  for (const m of links.matchAll(/^\d+: ([^:@]+)/gm)) if (m[1]!.startsWith(`${name}-ds`)) found.push(`link ${m[1]}`);
  const dir = labPaths(name).dir;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || !alive(Number(d))) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmd.includes(`${dir}/`)) found.push(`process ${d}: ${cmd.trim()}`);
  }
  for (const pid of known.pids ?? []) if (alive(pid)) found.push(`process ${pid}`);
  if (existsSync(dir)) found.push(`directory ${dir}`);
  for (const f of known.files ?? []) if (existsSync(f)) found.push(`file ${f}`);
  if (await hasHostsBlock(name)) found.push('/etc/hosts block');
  // veth names are derived; catch a host end that escaped its namespace.
  for (let i = 1; i <= 8; i++) if (await linkExists(vethName(name, `ds${i}`))) found.push(`link ${vethName(name, `ds${i}`)}`);
  return [...new Set(found)];
}
