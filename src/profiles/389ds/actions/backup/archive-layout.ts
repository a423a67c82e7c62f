import type { ArchiveLayout } from '../../../../backup/verify.ts';

/**
 * What packCommand puts in a 389-ds backup's tar: `db/` (db2bak / online), `ldif/<backend>.ldif`
 * per backend (db2ldif), and `config/` for a full backup. A decrypt-verify checks the entries are there.
 */
export const archiveLayout389ds: ArchiveLayout = {
  kind: 'tar',
  check(body, names) {
    const missing: string[] = [];
    const has = (prefix: string) => names.some((n) => n === prefix || n.startsWith(prefix));
    if (body.method === 'db2ldif-replication') {
      for (const backend of Object.values((body.backends ?? {}) as Record<string, string>)) if (!names.includes(`ldif/${backend}.ldif`)) missing.push(`no ldif/${backend}.ldif`);
    } else if (!has('db/')) missing.push('no db/ directory');
    if (body.type === 'full' && !has('config/')) missing.push('no config/ directory (a full backup)');
    return missing;
  },
};
