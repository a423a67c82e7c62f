import { describe, expect, it } from 'vitest';
import { runsTable } from '../../../src/cli/runs-table.ts';
import { formatTable } from '../../../src/report/table.ts';

describe('lifeboat runs, as a table', () => {
  const runs = [
    { runId: '20261201-052647-a4e6', status: 'done' as const, started: '2026-12-01T05:26:47.792Z', finished: '2026-12-01T05:26:49.315Z', playbook: '/srv/lb/playbooks/389ds/backup.yaml', inventory: '/srv/lb/inventories/prod.yaml' },
    { runId: '20261201-053120-f643', status: 'interrupted' as const, started: '2026-12-01T05:31:20.000Z', finished: '2026-12-01T05:32:17.000Z', playbook: '/srv/lb/playbooks/389ds/data-loss.yaml', inventory: '/etc/lifeboat/prod.yaml' },
    { runId: '20261201-060000-aaaa', status: 'running' as const, started: '2026-12-01T06:00:00.000Z', playbook: '/srv/lb/x.yaml', inventory: '/srv/lb/i.yaml' },
  ];

  it('shows UTC times without milliseconds, how long each took, paths relative to here, and how to continue an unfinished run', () => {
    const { header, rows } = runsTable(runs, { cwd: '/srv/lb', stateDir: '.lifeboat' });
    expect(header).toEqual(['RUN', 'STATUS', 'STARTED', 'TOOK', 'PLAYBOOK', 'INVENTORY', 'NEXT']);
    expect(rows[0]).toEqual(['20261201-052647-a4e6', 'done', '2026-12-01 05:26:47 UTC', '1.5s', 'playbooks/389ds/backup.yaml', 'inventories/prod.yaml', '']);
    expect(rows[1]).toEqual(['20261201-053120-f643', 'interrupted', '2026-12-01 05:31:20 UTC', '57.0s', 'playbooks/389ds/data-loss.yaml', '/etc/lifeboat/prod.yaml', 'lifeboat resume 20261201-053120-f643']);
    expect(rows[2]!.slice(3, 4)).toEqual(['']);
    expect(formatTable(header, rows)[2]).toMatch(/^20261201-053120-f643 {2}interrupted {2}2026-12-01 05:31:20 UTC/);
  });

  it('a resume command names a state directory other than the default', () => {
    const { rows } = runsTable([runs[1]!], { cwd: '/srv/lb', stateDir: '/var/lib/lifeboat' });
    expect(rows[0]![6]).toBe('lifeboat resume 20261201-053120-f643 --state-dir /var/lib/lifeboat');
  });
});
