import { joinBody, signBody } from './node-ops.ts';
import { shellQuote } from '../../transport/shell-quote.ts';
import { API, type Scope } from './api-paths.ts';

/**
 * A node-side step of a CipherTrust operation. One list drives `plan` (rendered as REST calls or
 * as ksctl commands for an admin host) and `run` (executed over the REST API), so the plan is
 * what runs. `${name}` in a field is a value an earlier step captured (e.g. the new backup's id).
 */
export type CtmCall =
  | { kind: 'guard-idle' }
  | { kind: 'backup-create'; scope: Scope; keyId?: string; description?: string; tiedToHsm?: boolean; domain?: string }
  | { kind: 'wait-op'; op: 'backup' | 'restore'; id: string }
  | { kind: 'backup-get'; id: string }
  | { kind: 'backup-download'; id: string; file: string }
  | { kind: 'key-export'; id: string; file: string }
  | { kind: 'key-upload'; file: string; scope: Scope }
  | { kind: 'backup-upload'; file: string; scope: Scope }
  | { kind: 'restore'; id: string; force: boolean }
  | { kind: 'node-remove'; nodeId: string; nodeHost: string }
  | { kind: 'cluster-leave' }
  | { kind: 'cluster-new'; host: string }
  | { kind: 'cluster-join'; member: string; memberUrl: string; host: string }
  | { kind: 'wait-healthy'; expect: number };

export interface CtmStep {
  what: string;
  /** Inventory name of the node the call goes to. */
  node: string;
  call: CtmCall;
  /** Name under which the answer's `id` is kept for later steps. */
  saveAs?: string;
}

const json = (v: unknown) => JSON.stringify(v);

/** The REST requests of a step, one line each (`METHOD url body`); secrets never appear (passwords are `***`). */
export function apiLines(s: CtmStep, url: string): string[] {
  // Paths encode ids; a placeholder must stay readable as one.
  return apiCalls(s, url).map((l) => l.replace(/%24%7B([a-z_]+)%7D/g, '${$1}'));
}

function apiCalls(s: CtmStep, url: string): string[] {
  const c = s.call;
  const u = (p: string) => `${url}${p}`;
  switch (c.kind) {
    case 'guard-idle':
      return [`GET ${u(API.backupStatus)}  # refuse when a backup or restore is In Progress`];
    case 'backup-create':
      return [`POST ${u(API.backups)} ${json({ scope: c.scope, ...(c.keyId ? { backupKey: c.keyId } : {}), ...(c.description ? { description: c.description } : {}), ...(c.tiedToHsm ? { tied_to_hsm: true } : {}), ...(c.domain ? { domain: c.domain } : {}) })}`];
    case 'wait-op':
      return [`GET ${u(API.backupStatus)}  # every poll interval until ${c.op} ${c.id} is Completed`];
    case 'backup-get':
      return [`GET ${u(API.backup(c.id))}`];
    case 'backup-download':
      return [`GET ${u(API.backupDownload(c.id))} > ${c.file}  # sha256 while streaming`];
    case 'key-export':
      return [`POST ${u(API.backupKeyDownload(c.id))} {"password":"***"} > ${c.file}`];
    case 'key-upload':
      return [`POST ${u(API.backupKeyUpload)} {"file":"<${c.file}, base64>","password":"***","scope":"${c.scope}"}`];
    case 'backup-upload':
      return [`POST ${u(`${API.backupUpload}?scope=${c.scope}`)} < ${c.file}`];
    case 'restore':
      return [`POST ${u(API.backupRestore(c.id))} ${json(c.force ? { force: true } : {})}`];
    case 'node-remove':
      return [`DELETE ${u(API.clusterNode(c.nodeId))}  # ${c.nodeHost}`];
    case 'cluster-leave':
      return [`DELETE ${u(API.cluster)}`];
    case 'cluster-new':
      return [`POST ${u(API.clusterNew)} ${json({ localNodeHost: c.host })}`];
    case 'cluster-join':
      return [
        `POST ${u(API.clusterCsr)} ${json({ localNodeHost: c.host })}`,
        `POST ${c.memberUrl}${API.clusterNodes} ${json(signBody('<from the csr call>', c.host))}`,
        `POST ${u(API.clusterJoin)} ${json(joinBody(new URL(c.memberUrl).hostname, c.host, { cert: '<signed>', cachain: '<signed>', mkek_blob: '<signed>' }))}`,
      ];
    case 'wait-healthy':
      return [`GET ${u(API.clusterNodes)}  # every poll interval until ${c.expect} nodes are ready`];
  }
}

/**
 * The same step as ksctl commands run on an admin host (seed 003 and the vendor's cluster page
 * give the verbs and flags: `backupkeys create --scope`, `backup create --scope --tied-to-hsm
 * --description`, `backup status`, `backup get --id`, `backup download --id --file`, `backup
 * upload [--scope domain] --file`, `backupkeys upload [--scope domain] --file`, `backup restore
 * --id`, `--force`, `cluster nodes list|delete --id`, `cluster new|join|fulljoin`). The password
 * reaches ksctl through its environment from stdin, never in argv.
 */
export function ksctlLines(s: CtmStep, url: string, user: string): string[] {
  const k = (...args: string[]) => `KSCTL_PASSWORD="$(cat)" ksctl --url=${shellQuote(url)} --user=${shellQuote(user)} ${args.map(word).join(' ')}`;
  const scope = (sc: Scope) => (sc === 'domain' ? ['--scope', 'domain'] : []);
  const c = s.call;
  switch (c.kind) {
    case 'guard-idle':
      return [k('backup', 'status')];
    case 'backup-create':
      return [k('backup', 'create', '--scope', c.scope, ...(c.keyId ? ['--keyid', c.keyId] : []), ...(c.tiedToHsm ? ['--tied-to-hsm'] : []), ...(c.description ? ['--description', c.description] : []), ...(c.domain ? ['--domain', c.domain] : []))];
    case 'wait-op':
      return [k('backup', 'status')];
    case 'backup-get':
      return [k('backup', 'get', '--id', c.id)];
    case 'backup-download':
      return [k('backup', 'download', '--id', c.id, '--file', c.file)];
    case 'key-export':
      return [k('backupkeys', 'download', '--id', c.id, '--file', c.file)];
    case 'key-upload':
      return [k('backupkeys', 'upload', ...scope(c.scope), '--file', c.file)];
    case 'backup-upload':
      return [k('backup', 'upload', ...scope(c.scope), '--file', c.file)];
    case 'restore':
      return [k('backup', 'restore', '--id', c.id, ...(c.force ? ['--force'] : []))];
    case 'node-remove':
      return [k('cluster', 'nodes', 'delete', '--id', c.nodeId, '-y')];
    case 'cluster-leave':
      return [k('cluster', 'delete', '-y')];
    case 'cluster-new':
      return [k('cluster', 'new', '--host', c.host)];
    case 'cluster-join':
      return [k('cluster', 'fulljoin', '--member', new URL(c.memberUrl).hostname, '--newnodehost', c.host, '-y')];
    case 'wait-healthy':
      return [k('cluster', 'nodes', 'list')];
  }
}

/**
 * One shell word; a value known only at run time (`${backup_id}`) is shown as `<backup_id>` and
 * quoted once filled: the plan says where it goes without pretending to know it.
 */
function word(arg: string): string {
  if (/\$\{[a-z_]+\}/.test(arg)) return arg.replace(/\$\{([a-z_]+)\}/g, '<$1>');
  return shellQuote(arg);
}

/** `${name}` placeholders filled from the values captured so far; an unknown one is an error. */
export function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([a-z_]+)\}/g, (_, n: string) => {
    const v = vars[n];
    if (v === undefined) throw new Error(`internal: step uses \${${n}} before any step captured it`);
    return v;
  });
}
