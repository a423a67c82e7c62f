import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clearEarlierAttempts, parseStartedLine, startedLine } from '../../../src/profiles/389ds/actions/backup/earlier-attempts.ts';
import { scriptedHost } from '../../helpers/scripted-host.ts';
import { fakeContext, host, inventory } from './fake-context.ts';

describe('backup.create after an unfinished attempt of the same run', () => {
  it('reads its own progress line back', () => {
    expect(parseStartedLine(startedLine('lifeboat-data-2026-12-01-08-27-58', '/b/f1/lifeboat-data-2026-12-01-08-27-58'))).toEqual({ name: 'lifeboat-data-2026-12-01-08-27-58', dir: '/b/f1/lifeboat-data-2026-12-01-08-27-58' });
    expect(parseStartedLine('fetching /var/tmp/x.tar')).toBeUndefined();
  });

  it('removes the headerless directory and the host archive an earlier attempt journaled, keeps a finished one, and ignores other hosts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lifeboat-attempts-'));
    const runDir = join(root, 'run');
    mkdirSync(runDir);
    const partial = join(root, 'lifeboat-data-2026-12-01-08-27-58');
    const finished = join(root, 'lifeboat-data-2026-12-01-08-20-00');
    const otherHost = join(root, 'lifeboat-data-2026-12-01-08-10-00');
    for (const d of [partial, finished, otherHost]) mkdirSync(d);
    writeFileSync(join(partial, 'payload.tar.part'), 'half');
    writeFileSync(join(finished, 'header.json'), '{}');
    const line = (h: string, dir: string) => JSON.stringify({ type: 'host.progress', host: h, step: 1, message: startedLine(dir.split('/').pop()!, dir), time: 't' });
    writeFileSync(join(runDir, 'journal.jsonl'), [line('ds2', finished), line('ds2', partial), line('ds3', otherHost)].join('\n') + '\n');
    const h = scriptedHost('ds2', () => undefined);
    const ctx = { ...fakeContext({ inv: inventory([host('ds2', []), host('ds3', [])]), host: 'ds2', args: {}, remote: h.remote }), runDir };
    const cleared = await clearEarlierAttempts(ctx, h.remote, (n) => `rm -rf /var/tmp/${n}.tar`);
    expect(cleared).toEqual(['lifeboat-data-2026-12-01-08-27-58']);
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(finished)).toBe(true);
    expect(existsSync(otherHost)).toBe(true);
    expect(h.execs.map((e) => e.command)).toEqual(['rm -rf /var/tmp/lifeboat-data-2026-12-01-08-27-58.tar']);
  });

  it('does nothing in a run without earlier attempts', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'lifeboat-attempts-'));
    const h = scriptedHost('ds2', () => undefined);
    const ctx = { ...fakeContext({ inv: inventory([host('ds2', [])]), host: 'ds2', args: {}, remote: h.remote }), runDir };
    expect(await clearEarlierAttempts(ctx, h.remote, () => 'x')).toEqual([]);
    expect(h.execs).toEqual([]);
  });
});
