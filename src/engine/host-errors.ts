import type { RemoteHost } from '../transport/types.ts';

/** ssh2's keepalive gave up: the connection is gone (host down, or a partition). */
const LOST = 'No response from server';

/**
 * A transport failure on `host` reached from a step running on another host (a proof reading every
 * replica, a re-init naming its supplier): without the host's name, "No response from server" sent
 * the operator to the step's own host. Keeps the error object (its name decides exit codes).
 */
export function nameHost(err: unknown, host: string, stepHost: string): unknown {
  if (!(err instanceof Error)) return err;
  if (err.message.startsWith(LOST) && !err.message.includes('SSH connection')) {
    err.message = `${err.message} (the SSH connection to ${host} was lost: is the host down or cut off?)`;
  }
  if (host !== stepHost && !err.message.startsWith(`${host}:`)) err.message = `${host}: ${err.message}`;
  return err;
}

/** The same host, its transfers' and commands' transport failures named by `nameHost`. */
export function namingHost(remote: RemoteHost, stepHost: string): RemoteHost {
  const named = <T>(p: Promise<T>) => p.catch((err: unknown) => Promise.reject(nameHost(err, remote.name, stepHost)));
  return {
    name: remote.name,
    exec: (command, opts) => named(remote.exec(command, opts)),
    put: (local, remotePath, opts) => named(remote.put(local, remotePath, opts)),
    get: (remotePath, localPath, opts) => named(remote.get(remotePath, localPath, opts)),
    close: () => remote.close(),
  };
}
