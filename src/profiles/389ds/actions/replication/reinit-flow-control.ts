import { readJournal } from '../../../../engine/journal.ts';
import type { RemoteHost } from '../../../../transport/types.ts';
import type { ActionContext, PlannedCommand } from '../../../../actions/types.ts';
import { attr, ldapModify, ldapSearch, modifyCommand, searchCommand } from '../ldap.ts';
import { ldifLine } from './ldif-build.ts';

/**
 * Flow control of one agreement for the length of a total update. 389-ds pauses a total update
 * for nsds5ReplicaFlowControlPause ms (default 2000) whenever more than
 * nsds5ReplicaFlowControlWindow entries (default 1000) are unacknowledged: on servers that share
 * CPUs a consumer falls behind often, and each 2 s pause is pure waiting. For the re-init the
 * pause is made short, so a consumer that falls behind gets a breather, not a stall; afterwards
 * the agreement's own values are put back (an absent one as the server default it stood for).
 *
 * Crash safety: the values found are written to the run's journal (a progress line) before
 * anything changes; a resumed run that finds the agreement still holding the re-init values
 * takes the originals from that line, so it never mistakes its own settings for the original.
 */

export const FLOW_ATTRS = ['nsds5ReplicaFlowControlWindow', 'nsds5ReplicaFlowControlPause'] as const;

export interface FlowControl {
  /** undefined: the attribute is absent (the server default applies). */
  window?: string;
  pause?: string;
}

const SAVED = 'flow control saved';

/** `ds1-to-ds3 (o=ipaca)` from the agreement's DN: its cn, and the suffix of the replica it sits under. */
export function agreementLabel(dn: string): string {
  const rdns = dn.split(/(?<!\\),/).map((r) => r.trim());
  const value = (rdn: string | undefined) => (rdn ?? '').replace(/^[^=]*=/, '').replace(/\\([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, '$1');
  const replica = rdns.findIndex((r) => /^cn=replica$/i.test(r));
  return replica > 0 && rdns[replica + 1] ? `${value(rdns[0])} (${value(rdns[replica + 1])})` : dn;
}

/**
 * A line for a person (`ds1-to-ds3 (o=ipaca): flow control saved on ds1: window=1000 pause=2000;
 * put back after the total update`) that is also the journal's record of the originals.
 */
export function savedLine(supplier: string, dn: string, fc: FlowControl): string {
  return `${agreementLabel(dn)}: ${SAVED} on ${supplier}: window=${fc.window ?? 'default'} pause=${fc.pause ?? 'default'}; put back after the total update`;
}

export function parseSavedLine(message: string, supplier: string, dn: string): FlowControl | undefined {
  // This version's line, then the one earlier versions wrote (a resumed run may read either).
  const heads = [`${agreementLabel(dn)}: ${SAVED} on ${supplier}: `, `${SAVED} on ${supplier} for ${dn}: `];
  const head = heads.find((h) => message.startsWith(h));
  if (!head) return undefined;
  const m = /^window=(\S+) pause=(\S+?)(?:; put back after the total update)?$/.exec(message.slice(head.length));
  if (!m) return undefined;
  const v = (s: string) => (s === 'default' ? undefined : s);
  return { window: v(m[1]!), pause: v(m[2]!) };
}

/** What 389-ds uses while the attribute is absent. */
export const SERVER_DEFAULTS = { window: '1000', pause: '2000' } as const;

/**
 * One modify record that replaces each attribute whose value changes. 389-ds refuses to delete
 * these attributes (Operations error, "Failed to update the flow control pause"), so one that was
 * absent is put back as the value the server was using: its default.
 */
export function flowControlLdif(dn: string, fc: FlowControl, present: FlowControl): string {
  const lines = [ldifLine('dn', dn), 'changetype: modify'];
  const set = (name: string, value: string | undefined, was: string | undefined, dflt: string) => {
    if (value === was) return;
    lines.push(`replace: ${name}`, ldifLine(name, value ?? dflt), '-');
  };
  set(FLOW_ATTRS[0], fc.window, present.window, SERVER_DEFAULTS.window);
  set(FLOW_ATTRS[1], fc.pause, present.pause, SERVER_DEFAULTS.pause);
  return lines.length > 2 ? `${lines.join('\n')}\n` : '';
}

/** Re-init values: args flow_window / flow_pause_ms; an empty string leaves that attribute alone. */
export function reinitFlowControl(args: Record<string, unknown>): FlowControl {
  const v = (x: unknown, d: string) => (String(x ?? d) === '' ? undefined : String(x ?? d));
  return { window: v(args.flow_window, ''), pause: v(args.flow_pause_ms, '100') };
}

const same = (a: FlowControl, b: FlowControl) => a.window === b.window && a.pause === b.pause;

async function readFlowControl(ctx: ActionContext, remote: RemoteHost, instance: string, dn: string): Promise<FlowControl> {
  const [e] = await ldapSearch(remote, instance, dn, 'base', '(objectClass=*)', [...FLOW_ATTRS], { signal: ctx.signal });
  return { window: attr(e, FLOW_ATTRS[0]), pause: attr(e, FLOW_ATTRS[1]) };
}

async function savedEarlier(ctx: ActionContext, supplier: string, dn: string): Promise<FlowControl | undefined> {
  const lines = await readJournal(ctx.runDir).catch(() => []);
  for (const l of lines.reverse()) {
    if (l.type !== 'host.progress' || typeof l.message !== 'string') continue;
    const fc = parseSavedLine(l.message, supplier, dn);
    if (fc) return fc;
  }
  return undefined;
}


/**
 * Runs `work` (the total update) with the agreement's flow control set for it, and puts the
 * original values back afterwards, whether the work succeeded or not.
 */
export async function withReinitFlowControl<T>(
  ctx: ActionContext,
  remote: RemoteHost,
  supplier: string,
  instance: string,
  dn: string,
  work: () => Promise<T>,
): Promise<T> {
  const wanted = reinitFlowControl(ctx.args);
  const present = await readFlowControl(ctx, remote, instance, dn);
  const target: FlowControl = { window: wanted.window ?? present.window, pause: wanted.pause ?? present.pause };
  // Already holding a re-init value: maybe a run that stopped half way; its journal has the originals.
  const holdsOurs = (wanted.window !== undefined && present.window === wanted.window) || (wanted.pause !== undefined && present.pause === wanted.pause);
  const original = holdsOurs ? ((await savedEarlier(ctx, supplier, dn)) ?? present) : present;
  if (same(original, target)) return work();
  ctx.emit({ kind: 'progress', message: savedLine(supplier, dn, original) });
  if (!same(present, target)) await ldapModify(remote, instance, flowControlLdif(dn, target, present), { signal: ctx.signal });
  try {
    return await work();
  } finally {
    const back = flowControlLdif(dn, original, target);
    // Not aborted by Ctrl-C: the agreement must not keep the re-init values.
    if (back) await ldapModify(remote, instance, back, {});
  }
}

/** What withReinitFlowControl runs around `work`, for the plan (the dn is the agreement found then). */
export function flowControlPlan(host: string, instance: string, wanted: FlowControl, work: PlannedCommand[]): PlannedCommand[] {
  if (wanted.window === undefined && wanted.pause === undefined) return work;
  const values = `window ${wanted.window ?? '(kept)'}, pause ${wanted.pause ?? '(kept)'} ms`;
  return [
    { host, command: searchCommand(instance, '<agreement dn>', 'base', '(objectClass=*)', [...FLOW_ATTRS]), note: 'the flow control to put back (journaled)' },
    { host, command: modifyCommand(instance), stdin: `LDIF: flow control for the re-init: ${values}` },
    ...work,
    { host, command: modifyCommand(instance), stdin: 'LDIF: the flow control found before, put back exactly (also when the re-init failed)' },
  ];
}
