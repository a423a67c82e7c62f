import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { Semaphore } from './semaphore.ts';

/** One live SSH connection and the bound on its channels (OpenSSH MaxSessions defaults to 10). */
export interface Connection {
  name: string;
  client: Client;
  channels: Semaphore;
}

export const MAX_CHANNELS = 8;
const OPEN_TRIES = 5;

function isChannelOpenFailure(err: Error): boolean {
  return /channel open failure|open failed|administratively prohibited/i.test(err.message);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens an exec channel, retrying when the server refuses one more channel for now. */
export async function openExec(conn: Connection, command: string): Promise<ClientChannel> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<ClientChannel>((resolve, reject) =>
        conn.client.exec(command, (err, stream) => (err ? reject(err) : resolve(stream))),
      );
    } catch (err) {
      if (attempt + 1 >= OPEN_TRIES || !isChannelOpenFailure(err as Error)) throw err;
      await sleep(50 * 2 ** attempt);
    }
  }
}

export async function openSftp(conn: Connection): Promise<SFTPWrapper> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<SFTPWrapper>((resolve, reject) =>
        conn.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))),
      );
    } catch (err) {
      if (attempt + 1 >= OPEN_TRIES || !isChannelOpenFailure(err as Error)) throw err;
      await sleep(50 * 2 ** attempt);
    }
  }
}

export function newConnection(name: string, client: Client): Connection {
  return { name, client, channels: new Semaphore(MAX_CHANNELS) };
}
