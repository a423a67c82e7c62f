import { ActionError, type Action, type ActionContext } from '../../../actions/types.ts';
import { apiUrl, nodeFor, planSteps, CTM_SECRET_ARGS } from '../context.ts';
import type { CtmStep } from '../steps.ts';
import { bool, scopeArg, str } from './args.ts';

const OPS = ['list', 'create', 'default', 'export', 'import'] as const;
type Op = (typeof OPS)[number];

function opOf(ctx: ActionContext): Op {
  const op = str(ctx.args.op) ?? 'list';
  if (!(OPS as readonly string[]).includes(op)) throw new ActionError(`${ctx.host.name}: backupkeys: op must be one of ${OPS.join(', ')} (got ${JSON.stringify(ctx.args.op)})`);
  return op as Op;
}

function needId(ctx: ActionContext): string {
  const id = str(ctx.args.id);
  if (!id) throw new ActionError(`${ctx.host.name}: backupkeys: op ${String(ctx.args.op)} needs id (a backup key id of this node)`);
  return id;
}

/** The REST/ksctl plan of an op (list, create and default are single calls shown as such). */
function lines(ctx: ActionContext): { host: string; command: string; note?: string }[] {
  const op = opOf(ctx);
  const scope = scopeArg(ctx, 'backupkeys');
  const url = apiUrl(ctx.host);
  if (op === 'export' || op === 'import') {
    const file = str(ctx.args.file);
    if (!file) throw new ActionError(`${ctx.host.name}: backupkeys: op ${op} needs file (on the controller)`);
    const step: CtmStep = op === 'export'
      ? { what: `export backup key ${needId(ctx)}`, node: ctx.host.name, call: { kind: 'key-export', id: needId(ctx), file } }
      : { what: `import the backup key in ${file}`, node: ctx.host.name, call: { kind: 'key-upload', file, scope } };
    return planSteps(ctx, [step]);
  }
  if (op === 'list') return [{ host: ctx.host.name, command: `GET ${url}/api/v1/backupkeys?scope=${scope}` }];
  if (op === 'create') return [{ host: ctx.host.name, command: `POST ${url}/api/v1/backupkeys ${JSON.stringify({ scope, default: bool(ctx.args.default) })}` }];
  return [{ host: ctx.host.name, command: `POST ${url}/api/v1/backupkeys/${needId(ctx)}/default` }];
}

/** Backup keys of one node: list, create (system or domain, optionally as the default), set the default, export/import the key file. */
export const backupKeysAction: Action = {
  name: 'backupkeys',
  description: 'Backup keys of a CipherTrust Manager node: list, create (scope, default), set the default, export to / import from a password-protected key file.',
  args: {
    ...CTM_SECRET_ARGS,
    op: { type: 'string', default: 'list', description: 'list | create | default | export | import' },
    scope: { type: 'string', default: 'system', description: 'system or domain (ksctl --scope)' },
    default: { type: 'boolean', default: false, description: 'create: make the new key the default of its scope' },
    id: { type: 'string', description: 'default / export: the backup key id' },
    file: { type: 'string', description: 'export / import: the key file on the controller (password: secret backup_key_password)' },
  },
  plan: (ctx) => lines(ctx),
  async run(ctx) {
    const op = opOf(ctx);
    const scope = scopeArg(ctx, 'backupkeys');
    const node = await nodeFor(ctx);
    const keys = await node.keys();
    if (op === 'list') return { changed: false, output: keys.filter((k) => k.scope === scope), summary: `${keys.filter((k) => k.scope === scope).length} ${scope} backup keys` };
    if (op === 'default' || op === 'export') {
      const id = needId(ctx);
      const k = keys.find((x) => x.id === id);
      if (!k) throw new ActionError(`${ctx.host.name}: backupkeys: unknown backup key ${id} on this node (keys: ${keys.map((x) => `${x.id} ${x.scope}`).join(', ') || 'none'}); nothing was changed`);
      if (op === 'default' && k.default) return { changed: false, output: k, summary: `${id} is already the default ${k.scope} key` };
    }
    if (ctx.check) return { changed: false, summary: `would ${op} a backup key` };
    if (op === 'create') {
      const k = await node.createKey(scope, bool(ctx.args.default));
      return { changed: true, output: k, summary: `created ${scope} backup key ${k.id}${k.default ? ' (default)' : ''}` };
    }
    if (op === 'default') return { changed: true, output: await node.setDefaultKey(needId(ctx)), summary: `backup key ${needId(ctx)} is now the default` };
    const file = str(ctx.args.file)!;
    const password = await ctx.secret(String(ctx.args.backup_key_password_secret ?? 'backup_key_password'));
    if (op === 'export') return { changed: false, output: await node.exportKey(needId(ctx), password, file), summary: `backup key ${needId(ctx)} saved to ${file}` };
    const k = await node.importKey(file, password, scope);
    return { changed: true, output: k, summary: `imported ${k.scope} backup key ${k.id}` };
  },
};
