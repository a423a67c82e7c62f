import type { ArchiveLayout } from '../../backup/verify.ts';

/** ktbackup's tar (tar -C /): the configuration directory, and for a server the pg_dump beside it. */
export const archiveLayoutKts: ArchiveLayout = {
  kind: 'tar',
  check(body, names) {
    const rel = (p: unknown) => String(p).replace(/^\/+/, '');
    const missing: string[] = [];
    const conf = rel(body.confdir);
    if (!names.some((n) => n === `${conf}/` || n.startsWith(`${conf}/`))) missing.push(`no ${conf}/ (the configuration directory)`);
    if (body.kind === 'server' && !names.includes(rel(body.sqlFile))) missing.push(`no ${rel(body.sqlFile)} (the pg_dump)`);
    return missing;
  },
};
