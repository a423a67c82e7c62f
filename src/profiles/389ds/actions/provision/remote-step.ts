import type { ExecOptions, ExecResult, RemoteHost } from '../../../../transport/types.ts';
import { ActionError } from '../../../../actions/types.ts';
import { mask } from '../../../../util/secrets.ts';

/** How a command ended, in words: no exit status and no signal means the connection went (host down, network cut). */
export function endOf(r: Pick<ExecResult, 'code' | 'timedOut' | 'signal'>): string {
  if (r.code !== null) return `exit ${r.code}`;
  if (r.timedOut) return 'timed out';
  return r.signal ? `killed by signal ${r.signal}` : 'no exit status: the connection to the host was lost, so whether it finished there is unknown';
}

/**
 * Runs one remote command that must succeed. Offline 389-ds tools print a FIPS notice on stderr,
 * so only the exit code decides; the error keeps the (masked) output tails for the reader.
 */
export async function mustExec(remote: RemoteHost, what: string, command: string, opts: ExecOptions = {}): Promise<string> {
  const r = await remote.exec(command, opts);
  if (r.code !== 0) {
    const tail = mask(`${r.stderr}\n${r.stdout}`).trim().split('\n').filter(Boolean).slice(-3).join(' | ');
    throw new ActionError(`${remote.name}: ${what} failed (${endOf(r)})${tail ? `: ${tail}` : ''}`, {
      command,
      code: r.code,
      stdout: mask(r.stdout),
      stderr: mask(r.stderr),
    });
  }
  return r.stdout;
}

/** A DN value escaped for use inside another DN's RDN (`o=ipaca` -> `o\3Dipaca`), as 389-ds names mapping trees. */
export function escapeRdnValue(value: string): string {
  return value.replace(/\\/g, '\\5C').replace(/=/g, '\\3D').replace(/,/g, '\\2C').replace(/\+/g, '\\2B');
}

export function mappingTreeDn(suffix: string): string {
  return `cn=${escapeRdnValue(suffix)},cn=mapping tree,cn=config`;
}

export function replicaDn(suffix: string): string {
  return `cn=replica,${mappingTreeDn(suffix)}`;
}

export const REPLICATION_MANAGER_DN = 'cn=replication manager,cn=config';

/** Counts lines of an LDIF text for plans ("LDIF, 12 lines"), never its content. */
export function describeLdif(ldif: string, note = ''): string {
  return `LDIF, ${ldif.split('\n').filter(Boolean).length} lines${note ? ` (${note})` : ''}`;
}
