import { open } from 'node:fs/promises';
import type { SourceLocation } from '../source/location.ts';
import type { Inventory, SshSettings } from './types.ts';
import { InputError, InputErrors } from '../util/errors.ts';
import { fileReason } from '../util/file-reason.ts';

/** Where each ssh layer (inventory-wide, a host's own) wrote its identity_file, for errors that point there. */
const writtenAt = new WeakMap<Partial<SshSettings>, SourceLocation>();

export function rememberIdentityFileAt(layer: Partial<SshSettings>, loc: SourceLocation): void {
  writtenAt.set(layer, loc);
}

/** The line of the layer the host's identity file came from: its own ssh settings win over the inventory's. */
export function identityFileAt(hostLayer: Partial<SshSettings>, inventoryLayer: Partial<SshSettings>): SourceLocation | undefined {
  return hostLayer.identityFile !== undefined ? writtenAt.get(hostLayer) : writtenAt.get(inventoryLayer);
}

/**
 * Checks, before anything connects, the private keys the given hosts (and the inventory hosts they
 * jump through) are reached with: one that is missing or unreadable would otherwise fail a step
 * half-way through a run as a raw ENOENT; one others can read is refused, as OpenSSH refuses it.
 */
export async function identityFileProblems(inv: Inventory, hostNames: string[] = inv.hosts.map((h) => h.name)): Promise<InputError[]> {
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));
  const users = new Map<string, string[]>();
  const reached = new Set<string>();
  const visit = (name: string) => {
    const h = byName.get(name);
    if (!h || reached.has(name)) return;
    reached.add(name);
    if (h.ssh.identityFile) (users.get(h.ssh.identityFile) ?? users.set(h.ssh.identityFile, []).get(h.ssh.identityFile)!).push(name);
    if (h.ssh.jump) visit(h.ssh.jump);
  };
  hostNames.forEach(visit);

  const errors: InputError[] = [];
  for (const [path, hosts] of users) {
    const loc = inv.identityFileAt?.[hosts[0]!];
    const who = `ssh.identity_file ${path} (${hosts.length === 1 ? 'host' : 'hosts'} ${hosts.join(', ')})`;
    let mode: number;
    try {
      const f = await open(path, 'r');
      try {
        const info = await f.stat();
        if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: info.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
        mode = info.mode & 0o777;
      } finally {
        await f.close();
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const hint = code === 'ENOENT' ? ': fix the path (a relative one starts from the inventory\'s folder, `~` is your home)' : '';
      errors.push(new InputError(`${who}: cannot read the private key (${code === 'ENOTFILE' ? 'not a regular file' : fileReason(err)})${hint}`, loc));
      continue;
    }
    if ((mode & 0o077) !== 0) {
      errors.push(new InputError(`${who}: the private key can be read by others (mode ${mode.toString(8).padStart(4, '0')}); OpenSSH refuses such a key and so does Lifeboat: run chmod 600 ${path}`, loc));
    }
  }
  return errors;
}

/** The same check for commands that connect without a run (`inventory check`, `dr check`): throws, exit 2. */
export async function assertIdentityFiles(inv: Inventory): Promise<void> {
  const { sameServerProblems } = await import('./same-server.ts');
  const errors = [...(await identityFileProblems(inv)), ...(await sameServerProblems(inv))];
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new InputErrors(errors);
}
