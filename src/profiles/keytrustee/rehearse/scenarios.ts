import { labExec, labKill, labRevive } from '../../../lab/index.ts';

/** What `lifeboat rehearse kts-*` does to a throw-away pair, and how it checks the result itself. */
export interface KtsScenario {
  name: string;
  playbook: string;
  description: string;
  /** The scenario needs a backup to restore. */
  needsBackup: boolean;
  /** Breaks the pair; returns the deposit digest the recovered pair must hold (undefined: the backup's). */
  breakLab(lab: string): Promise<string | undefined>;
}

/** Independent of the profile's own SQL: count and digest of every deposit, read with psql. */
export async function psql(lab: string, host: string, sql: string): Promise<string> {
  const r = await labExec(lab, host, ['runuser', '-u', 'keytrustee', '--', '/usr/lib/postgresql/15/bin/psql', '-X', '-At', '-h', '/tmp', '-p', '11381', '-d', 'keytrustee', '-c', sql]);
  if (r.code !== 0) throw new Error(`${host}: psql failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export const depositDigest = (lab: string, host: string) =>
  psql(lab, host, "SELECT count(*) || '/' || md5(string_agg(uuid::text || encode(payload, 'base64'), '' ORDER BY uuid)) FROM deposits");

async function replicated(lab: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const a = await depositDigest(lab, 'kts1');
    if (a === (await depositDigest(lab, 'kts2'))) return a;
    if (Date.now() > deadline) throw new Error('the passive did not catch up with the active in 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const KTS_SCENARIOS: Record<string, KtsScenario> = {
  'kts-data-loss': {
    name: 'kts-data-loss',
    playbook: 'data-loss',
    description: 'after the backup: 3 deposits added and 10 deleted on the active (replicated to the passive); restore the pair to the backup',
    needsBackup: true,
    async breakLab(lab) {
      await psql(lab, 'kts1', "INSERT INTO deposits (owner, payload) VALUES ('late', 'a'), ('late', 'b'), ('late', 'c')");
      await psql(lab, 'kts1', "DELETE FROM deposits WHERE id IN (SELECT id FROM deposits WHERE owner <> 'late' ORDER BY id LIMIT 10)");
      return undefined;
    },
  },
  'kts-passive-loss': {
    name: 'kts-passive-loss',
    playbook: 'passive-loss',
    description: 'kts2 (passive) killed and rebuilt empty; rebuild it from the active',
    needsBackup: false,
    async breakLab(lab) {
      const want = await replicated(lab);
      await labKill(lab, 'kts2');
      await labRevive(lab, 'kts2');
      return want;
    },
  },
  'kts-active-loss': {
    name: 'kts-active-loss',
    playbook: 'active-loss',
    description: 'a deposit written on the active and replicated, then kts1 (active) killed and rebuilt empty; rebuild it from the passive, no deposit lost',
    needsBackup: false,
    async breakLab(lab) {
      await psql(lab, 'kts1', "INSERT INTO deposits (owner, payload) VALUES ('before-loss', 'k')");
      const want = await replicated(lab);
      await labKill(lab, 'kts1');
      await labRevive(lab, 'kts1');
      return want;
    },
  },
};
