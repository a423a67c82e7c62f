import type { ConnectTarget } from './connect.ts';

/**
 * A connection that could not be opened: nothing ran on the host. The message keeps the transport's
 * own words (`connect ECONNREFUSED 10.0.0.3:2222`) and adds what to check, in the inventory's terms.
 */
export class ConnectError extends Error {
  readonly code?: string;
  constructor(message: string, cause: Error) {
    super(message, { cause });
    this.name = 'ConnectError';
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}

export function isConnectError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ConnectError' || err.name === 'HostKeyError');
}

/** What to check for a failed connection, or undefined when the error says it already (host keys). */
function advice(err: Error, t: ConnectTarget): string | undefined {
  const where = `${t.host} port ${t.port}`;
  const code = (err as NodeJS.ErrnoException).code;
  if (/authentication methods failed/i.test(err.message)) {
    const how = [t.identityFile ? `key ${t.identityFile}` : '', t.agent ? 'ssh-agent' : ''].filter(Boolean).join(' or ') || 'no key (no identity_file, no ssh-agent)';
    return `${where} did not let SSH user "${t.user}" in with ${how}: check ssh.user and identity_file, and that the public key is in ~${t.user}/.ssh/authorized_keys there`;
  }
  if (code === 'ECONNREFUSED') return `nothing accepts SSH connections at ${where}: check ssh.port and the host's address (is sshd running?)`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `no route to ${t.host}: is the host down or cut off, and is its address right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the address ${t.host} does not resolve: check the host's address in the inventory`;
  if (/timed out/i.test(err.message)) return `${where} did not answer in time: is the host down or cut off, and are its address and ssh.port right?`;
  if (/closed during handshake|ECONNRESET/.test(err.message)) return `${where} closed the connection before it was ready: is it an SSH server, and does it accept ${t.user}?`;
  return undefined;
}

export function explainConnectError(err: unknown, t: ConnectTarget): unknown {
  if (!(err instanceof Error) || err.name === 'HostKeyError') return err;
  const why = advice(err, t);
  return new ConnectError(why ? `${err.message} (${why})` : err.message, err);
}
