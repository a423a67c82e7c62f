import { readFile } from 'node:fs/promises';
import { runLocal } from './run-local.ts';
import { bridgeName, controllerAddress, netnsName, preferredSubnetOctet, vethName, vethPeerName } from './names.ts';

/** Picks the lab's /24: the name's preferred octet, or the next one no interface uses yet. */
export async function chooseSubnetOctet(lab: string): Promise<number> {
  const { stdout } = await runLocal(['ip', '-o', '-4', 'addr', 'show']);
  const used = new Set([...stdout.matchAll(/inet 10\.213\.(\d+)\./g)].map((m) => Number(m[1])));
  let octet = preferredSubnetOctet(lab);
  for (let i = 0; i < 250 && used.has(octet); i++) octet = (octet % 250) + 1;
  if (used.has(octet)) throw new Error('no free 10.213.X.0/24 subnet left for the lab');
  return octet;
}

export async function createBridge(lab: string, octet: number, log: string): Promise<void> {
  const br = bridgeName(lab);
  await runLocal(['ip', 'link', 'add', br, 'type', 'bridge'], { log });
  await runLocal(['ip', 'addr', 'add', `${controllerAddress(octet)}/24`, 'dev', br], { log });
  await runLocal(['ip', 'link', 'set', br, 'up'], { log });
}

/** A host's network: its namespace, a veth pair into the bridge, its address; no default route. */
export async function createHostNetwork(lab: string, host: string, address: string, log: string): Promise<void> {
  const ns = netnsName(lab, host);
  const veth = vethName(lab, host);
  const peer = vethPeerName(lab, host);
  await runLocal(['ip', 'netns', 'add', ns], { log });
  await runLocal(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', peer], { log });
  await runLocal(['ip', 'link', 'set', peer, 'netns', ns], { log });
  await runLocal(['ip', 'link', 'set', veth, 'master', bridgeName(lab), 'up'], { log });
  await runLocal(['ip', '-n', ns, 'link', 'set', peer, 'name', 'eth0'], { log });
  await runLocal(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0'], { log });
  await runLocal(['ip', '-n', ns, 'link', 'set', 'eth0', 'up'], { log });
  await runLocal(['ip', '-n', ns, 'link', 'set', 'lo', 'up'], { log });
}

export async function linkExists(name: string): Promise<boolean> {
  const r = await runLocal(['ip', 'link', 'show', name], { allowFail: true });
  return r.code === 0;
}

export async function netnsExists(ns: string): Promise<boolean> {
  const { stdout } = await runLocal(['ip', 'netns', 'list']);
  return stdout.split('\n').some((l) => l.split(' ')[0] === ns);
}

/** Removing the namespace removes its veth end and so the pair; the root end is deleted if left. */
export async function deleteHostNetwork(lab: string, host: string, log?: string): Promise<void> {
  const ns = netnsName(lab, host);
  if (await netnsExists(ns)) await runLocal(['ip', 'netns', 'delete', ns], { log });
  // Deleting the namespace removes the pair asynchronously: the root end may vanish under us.
  for (const link of [vethName(lab, host), vethPeerName(lab, host)]) {
    if (await linkExists(link)) await runLocal(['ip', 'link', 'delete', link], { log, allowFail: true });
    if (await linkExists(link)) throw new Error(`could not delete link ${link}`);
  }
}

export async function deleteBridge(lab: string, log?: string): Promise<void> {
  const br = bridgeName(lab);
  if (await linkExists(br)) await runLocal(['ip', 'link', 'delete', br], { log, allowFail: true });
  if (await linkExists(br)) throw new Error(`could not delete bridge ${br}`);
}

export async function setLink(lab: string, host: string, up: boolean): Promise<void> {
  await runLocal(['ip', 'link', 'set', vethName(lab, host), up ? 'up' : 'down']);
}

export async function linkIsUp(lab: string, host: string): Promise<boolean> {
  const r = await runLocal(['ip', '-o', 'link', 'show', vethName(lab, host)], { allowFail: true });
  return r.code === 0 && /<[^>]*\bUP\b/.test(r.stdout);
}

/**
 * With br_netfilter loaded, bridged traffic between hosts passes the FORWARD chain, which a
 * Docker host sets to DROP. Then only controller-to-host traffic works and replication fails.
 * An ACCEPT rule for traffic inside the lab's bridge (removed by `down`) avoids that.
 */
function forwardRule(lab: string): string[] {
  const br = bridgeName(lab);
  return ['FORWARD', '-i', br, '-o', br, '-j', 'ACCEPT', '-m', 'comment', '--comment', `lifeboat-lab-${lab}`];
}

async function bridgeTrafficFiltered(): Promise<boolean> {
  try {
    return (await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8')).trim() === '1';
  } catch {
    return false;
  }
}

/** Returns true when a rule was added (the state records it so `down` removes it). */
export async function allowBridgeForwarding(lab: string, log: string): Promise<boolean> {
  if (!(await bridgeTrafficFiltered())) return false;
  const probe = await runLocal(['iptables', '-C', ...forwardRule(lab)], { allowFail: true }).catch(() => undefined);
  if (!probe) return false; // no iptables: nothing can drop the traffic
  if (probe.code === 0) return true;
  // Best effort: a firewall we cannot change is reported in the log, not fatal here.
  const added = await runLocal(['iptables', '-I', ...forwardRule(lab)], { log, allowFail: true });
  return added.code === 0;
}

export async function removeBridgeForwarding(lab: string): Promise<void> {
  // Repeated in case a crashed `up` added it twice; stops when none is left.
  for (let i = 0; i < 5; i++) {
    const r = await runLocal(['iptables', '-D', ...forwardRule(lab)], { allowFail: true }).catch(() => undefined);
    if (!r || r.code !== 0) return;
  }
}
