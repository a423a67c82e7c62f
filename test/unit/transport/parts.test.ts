import { describe, expect, it } from 'vitest';
import { OutputTail } from '../../../src/transport/output-tail.ts';
import { Semaphore } from '../../../src/transport/semaphore.ts';
import { killGroupCommand, wrapCommand } from '../../../src/transport/remote-command.ts';
import { hostKeyAlgorithms } from '../../../src/transport/connect.ts';

describe('transport parts', () => {
  it('keeps only the last bytes of very long output', () => {
    const t = new OutputTail(10);
    t.push(Buffer.from('0123456789'));
    expect(t.truncated).toBe(false);
    t.push(Buffer.from('abcdef'));
    t.push(Buffer.from('XY'));
    expect(t.text()).toBe('89abcdefXY');
    expect(t.truncated).toBe(true);
  });

  it('hands freed slots to waiters in order and never exceeds its size', async () => {
    const s = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const release = await s.acquire();
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        order.push(i);
        active--;
        release();
        release(); // a second release is harmless
      }),
    );
    expect(peak).toBe(2);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('never puts a become password in the remote command', () => {
    const wrapped = wrapCommand('id -u', { password: 'hunter2-secret' });
    expect(wrapped).not.toContain('hunter2');
    expect(killGroupCommand(1234, 2000, { password: 'hunter2-secret' })).not.toContain('hunter2');
    expect(killGroupCommand(1234, 2000)).toContain('kill -TERM -1234');
  });

  it('asks for known host key types first', () => {
    expect(hostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
    expect(new Set(hostKeyAlgorithms(['ecdsa-sha2-nistp256'])).size).toBe(hostKeyAlgorithms(['ecdsa-sha2-nistp256']).length);
  });
});
