/**
 * The mistakes an administrator makes in how hosts are reached (wrong SSH user or key, wrong port):
 * the run stops in its first step with what to check, in the inventory's words, and says that
 * nothing was changed (no command reached any host).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.ts';
import { testInventoryYaml } from '../../helpers/test-inventory.ts';
import { generateEd25519, startTestSshServer, type TestSshServer } from '../../helpers/ssh-server.ts';
import { fakeIO } from './fake-io.ts';

let refusing: TestSshServer;
let work: string;
let closedPort: number;

beforeAll(async () => {
  refusing = await startTestSshServer({ clientKey: generateEd25519(), failAuth: true });
  // A port nothing listens on: open one, note it, close it.
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((res) => probe.close(() => res()));
  work = mkdtempSync(join(tmpdir(), 'lifeboat-connect-errors-'));
});

afterAll(async () => {
  await refusing.close();
  rmSync(work, { recursive: true, force: true });
});

async function runOn(port: number, user: string) {
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, refusing.hostPublicKeyLine() + '\n');
  const inventory = join(work, `inv-${port}.yaml`);
  const yaml = testInventoryYaml({ cluster: 'conn', servers: [refusing], names: ['ds1'], knownHosts }).replace('user: root', `user: ${user}`);
  writeFileSync(inventory, yaml.replace(`port: ${refusing.port}`, `port: ${port}`));
  const playbook = join(work, 'touch.yaml');
  writeFileSync(playbook, 'name: touch\nsteps:\n  - name: Touch\n    on: all\n    do: shell\n    with: { command: "touch changed" }\n');
  const io = fakeIO();
  const code = await runCli(['node', 'lifeboat', 'run', playbook, '-i', inventory, '--yes', '--plain', '--state-dir', join(work, 'state')], io);
  return { code, out: io.out() };
}

describe('a host that cannot be reached as the inventory says', () => {
  it('wrong SSH user or key: names the user, the key and authorized_keys; nothing was changed', async () => {
    const r = await runOn(refusing.port, 'deploy');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`All configured authentication methods failed (127.0.0.1 port ${refusing.port} did not let SSH user "deploy" in with key ${refusing.clientKeyPath}: check ssh.user and identity_file, and that the public key is in ~deploy/.ssh/authorized_keys there)`);
    expect(r.out).toMatch(/Next: nothing was changed on any host; fix what failed in step 1 "Touch" on ds1/);
    expect(refusing.commands).toEqual([]);
  });

  it('wrong port: says nothing accepts SSH there and to check ssh.port; nothing was changed', async () => {
    const r = await runOn(closedPort, 'root');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`connect ECONNREFUSED 127.0.0.1:${closedPort} (nothing accepts SSH connections at 127.0.0.1 port ${closedPort}: check ssh.port and the host's address (is sshd running?))`);
    expect(r.out).toMatch(/Next: nothing was changed on any host; /);
  });
});
