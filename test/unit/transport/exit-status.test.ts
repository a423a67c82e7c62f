import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Client } from 'ssh2';
import { newConnection, openExec, type Connection } from '../../../src/transport/channel.ts';
import { startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';

// ssh2 emits 'exit' once, as a plain event: a status that arrives before anyone listens is gone.
// The channel must keep it from the moment it opens (a lost status once made `instance.create`
// take an existing instance for a missing one).
describe('exit status of an exec channel', () => {
  let server: TestSshServer;
  let client: Client;
  let conn: Connection;

  beforeAll(async () => {
    server = await startTestSshServer();
    client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve()).once('error', reject);
      client.connect({
        host: server.host,
        port: server.port,
        username: 'test',
        privateKey: readFileSync(server.clientKeyPath),
        hostVerifier: () => true,
      });
    });
    conn = newConnection('h0', client);
  });
  afterAll(async () => {
    client?.end();
    await server?.close();
  });

  it('is kept when it arrives before the caller attaches listeners', async () => {
    const channels = await Promise.all(Array.from({ length: 8 }, (_, i) => openExec(conn, `exit ${i + 3}`)));
    // Nobody listens while the commands finish.
    await new Promise((r) => setTimeout(r, 1500));
    for (const [i, ch] of channels.entries()) {
      ch.stream.resume();
      ch.stream.stderr.resume();
      await new Promise((r) => (ch.stream.closed ? r(undefined) : ch.stream.once('close', r)));
      expect(ch.exit()).toEqual({ code: i + 3, signal: undefined });
    }
  });
});
