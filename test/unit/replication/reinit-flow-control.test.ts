import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agreementLabel, flowControlLdif, parseSavedLine, savedLine, withReinitFlowControl } from '../../../src/profiles/389ds/actions/replication/reinit-flow-control.ts';
import { waitChangeCommand } from '../../../src/profiles/389ds/actions/replication/reinit-wait.ts';
import { context, labInventory, type Call } from './fakes.ts';

const DN = 'cn=to-ds3,cn=replica,cn=dc\\3Dlab\\2Cdc\\3Dtest,cn=mapping tree,cn=config';

/** A supplier whose agreement holds flow-control attributes that ldapmodify really changes. */
function supplier(initial: Record<string, string>) {
  const attrs: Record<string, string> = { ...initial };
  const respond = (c: Call) => {
    if (c.command.startsWith('ldapsearch')) {
      return { stdout: [`dn: ${DN}`, ...Object.entries(attrs).map(([k, v]) => `${k}: ${v}`)].join('\n') + '\n' };
    }
    if (c.command.startsWith('ldapmodify')) {
      const lines = (c.stdin ?? '').split('\n');
      for (let i = 0; i < lines.length; i++) {
        const [op, name] = lines[i]!.split(': ');
        if (op === 'replace') attrs[name!] = lines[i + 1]!.split(': ')[1]!;
        if (op === 'delete') delete attrs[name!];
      }
    }
    return {};
  };
  return { attrs, respond };
}

describe('flow control around a re-init', () => {
  it('replaces only what changes; an absent attribute goes back as the server default (389-ds refuses deletes)', () => {
    expect(flowControlLdif(DN, { window: '1000', pause: '100' }, {})).toBe(
      `dn: ${DN}\nchangetype: modify\nreplace: nsds5ReplicaFlowControlWindow\nnsds5ReplicaFlowControlWindow: 1000\n-\nreplace: nsds5ReplicaFlowControlPause\nnsds5ReplicaFlowControlPause: 100\n-\n`,
    );
    expect(flowControlLdif(DN, { window: '1000' }, { window: '1000', pause: '100' })).toBe(
      `dn: ${DN}\nchangetype: modify\nreplace: nsds5ReplicaFlowControlPause\nnsds5ReplicaFlowControlPause: 2000\n-\n`,
    );
    expect(flowControlLdif(DN, { pause: '100' }, { pause: '100' })).toBe('');
  });

  it('sets the re-init values during the work and puts the agreement back exactly, also after a failure', async () => {
    const s = supplier({ nsds5ReplicaFlowControlWindow: '500' });
    const { ctx, events } = context(labInventory(4), 'ds3', {}, s.respond);
    const remote = await ctx.connect('ds1');
    let during: Record<string, string> = {};
    await withReinitFlowControl(ctx, remote, 'ds1', 'lab', DN, async () => {
      during = { ...s.attrs };
    });
    expect(during).toEqual({ nsds5ReplicaFlowControlWindow: '500', nsds5ReplicaFlowControlPause: '100' });
    expect(s.attrs).toEqual({ nsds5ReplicaFlowControlWindow: '500', nsds5ReplicaFlowControlPause: '2000' });
    expect(events.map((e) => e.message)).toContain(savedLine('ds1', DN, { window: '500' }));

    const failing = withReinitFlowControl(ctx, remote, 'ds1', 'lab', DN, async () => {
      throw new Error('consumer unreachable');
    });
    await expect(failing).rejects.toThrow('consumer unreachable');
    expect(s.attrs).toEqual({ nsds5ReplicaFlowControlWindow: '500', nsds5ReplicaFlowControlPause: '2000' });
  });

  it('says which agreement in words (its name and suffix, not its DN), and reads back what it wrote and what earlier versions wrote', () => {
    const line = savedLine('ds1', DN, { window: '500' });
    expect(line).toBe('to-ds3 (dc=lab,dc=test): flow control saved on ds1: window=500 pause=default; put back after the total update');
    expect(parseSavedLine(line, 'ds1', DN)).toEqual({ window: '500', pause: undefined });
    expect(parseSavedLine(`flow control saved on ds1 for ${DN}: window=default pause=3000`, 'ds1', DN)).toEqual({ window: undefined, pause: '3000' });
    expect(parseSavedLine(line, 'ds2', DN)).toBeUndefined();
    expect(agreementLabel('cn=ds2-to-ds1,cn=replica,cn=o\\3Dipaca,cn=mapping tree,cn=config')).toBe('ds2-to-ds1 (o=ipaca)');
  });

  it('a resumed run that finds its own values takes the originals from the journal', async () => {
    const s = supplier({ nsds5ReplicaFlowControlPause: '100' });
    const runDir = mkdtempSync(join(tmpdir(), 'lb-flow-'));
    const journal = [{ type: 'host.progress', step: 6, host: 'ds3', message: savedLine('ds1', DN, { pause: '3000' }), time: 'x' }];
    writeFileSync(join(runDir, 'journal.jsonl'), journal.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const { ctx } = context(labInventory(4), 'ds3', { flow_window: '1000' }, s.respond, { runDir });
    await withReinitFlowControl(ctx, await ctx.connect('ds1'), 'ds1', 'lab', DN, async () => undefined);
    // The window was absent and is now the default it stood for; the pause is the journaled original.
    expect(s.attrs).toEqual({ nsds5ReplicaFlowControlWindow: '1000', nsds5ReplicaFlowControlPause: '3000' });
    rmSync(runDir, { recursive: true, force: true });
  });

  it('flow_window and flow_pause_ms "" leave the agreement untouched', async () => {
    const s = supplier({});
    const { ctx, calls } = context(labInventory(4), 'ds3', { flow_window: '', flow_pause_ms: '' }, s.respond);
    await withReinitFlowControl(ctx, await ctx.connect('ds1'), 'ds1', 'lab', DN, async () => undefined);
    expect(calls.filter((c) => c.command.startsWith('ldapmodify'))).toEqual([]);
  });
});

describe('waitChangeCommand (the supplier answers only when the agreement changed)', () => {
  function runWait(changeAfter: number, maxSeconds: number) {
    const dir = mkdtempSync(join(tmpdir(), 'lb-wait-'));
    // The stand-in ldapsearch prints the "old" entry until it has been called changeAfter times.
    writeFileSync(
      join(dir, 'ldapsearch'),
      `#!/bin/sh\nn=$(cat "${dir}/n" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${dir}/n"\n[ $n -gt ${changeAfter} ] && echo 'status: new' || echo 'status: old'\n`,
    );
    chmodSync(join(dir, 'ldapsearch'), 0o755);
    const t0 = Date.now();
    const r = spawnSync('sh', ['-c', waitChangeCommand('lab', DN, 10, maxSeconds)], { input: 'status: old\n', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
    const calls = Number(spawnSync('cat', [join(dir, 'n')], { encoding: 'utf8' }).stdout);
    rmSync(dir, { recursive: true, force: true });
    return { ...r, calls, ms: Date.now() - t0 };
  }

  it('returns the new entry as soon as it differs from the one sent on stdin', () => {
    const r = runWait(3, 5);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('status: new\n');
    expect(r.calls).toBe(4);
  });

  it('returns the unchanged entry after its time is up, so the controller can check its deadlines', () => {
    const r = runWait(1_000_000, 0.05);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('status: old\n');
    expect(r.calls).toBe(5);
  });
});
