import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getAction } from '../actions/registry.ts';
import { readHeader, resolveBackupRoot } from '../backup/index.ts';
import { latestVerifiedBackup } from '../backup/latest.ts';
import { latestGoodBackup } from '../backup/latest-good.ts';
import { changesHosts } from '../playbook/confirm-order.ts';
import type { Playbook, Step } from '../playbook/types.ts';
import { mask } from '../util/secrets.ts';
import { allActions } from '../actions/registry.ts';
import { render, selectHosts } from './deps.ts';
import { stepVars, type RunState } from './vars.ts';

/**
 * The one question a run asks before it changes anything, and the summary shown above it: the
 * hosts, the steps that change or destroy, the point of no return, the backup and its age, and
 * what will be lost. A run asks at most this once, unless a later step says why it must ask again
 * (`confirm_after_change_reason`).
 */

const remainingSteps = (pb: Playbook, done?: Set<number>) => pb.steps.filter((s) => !done?.has(s.index));
const destructiveIn = (profile: string) => (s: Step) => Boolean(getAction(s.do, profile)?.destructive);
/** A step's own `confirm:` that is folded into the up-front question (it comes before any change). */
const foldedConfirm = (s: Step) => Boolean(s.confirm) && !s.confirmAfterChangeReason;

/**
 * Does the part of the playbook still to run need an answer before it starts? On a resume, the
 * playbook's own question (about the whole run: "Restore ds1 from …?") is asked only while a
 * destructive or confirmed step is still ahead: past the restore it would ask about done work.
 */
export function needsUpFrontAnswer(pb: Playbook, profile: string, done?: Set<number>): boolean {
  const rest = remainingSteps(pb, done);
  const destructive = destructiveIn(profile);
  if (rest.some((s) => destructive(s) || foldedConfirm(s))) return true;
  const resumed = rest.length < pb.steps.length;
  return !resumed && Boolean(pb.confirm) && rest.some((s) => changesHosts(s, allActions(profile)));
}

/** Steps asking again later, after hosts changed: each says why. */
export function laterQuestions(pb: Playbook, done?: Set<number>): Step[] {
  return remainingSteps(pb, done).filter((s) => s.confirm && s.confirmAfterChangeReason);
}

function tryRender(template: string, state: RunState): string {
  try {
    return render(template, stepVars(state));
  } catch {
    return template;
  }
}

function hostsOf(step: Step, state: RunState, limit: string | undefined): string {
  const on = tryRender(step.on, state);
  try {
    return selectHosts(state.inventory, on, limit).map((h) => h.name).join(', ') || '(no hosts)';
  } catch {
    return on;
  }
}

/** `3 h 12 min ago`, `4 days ago`: an age a person takes in at a glance. */
export function formatAge(ms: number): string {
  const min = Math.max(0, Math.round(ms / 60_000));
  if (min < 1) return 'less than a minute ago';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** The backups the steps will read (an argument named `backup`), with their time and age. */
/** As backup.restore finds it: a directory, `latest`, or a name in the cluster's backup store. */
async function backupDir(ref: string, state: RunState): Promise<string | undefined> {
  const inv = state.inventory;
  const root = resolveBackupRoot(inv);
  // The hash check only (the step's key is not unlocked up front); backup.restore decrypt-verifies.
  if (ref === 'latest') return (await latestVerifiedBackup(root, inv.cluster, { accept: (b) => !!b.header })).dir;
  if (ref === 'latest-good') return (await latestGoodBackup(root, inv.cluster)).dir;
  if (existsSync(ref)) return resolve(ref);
  const inStore = join(root, inv.cluster, ref);
  return existsSync(inStore) ? inStore : undefined;
}

async function backupLines(steps: Step[], state: RunState, now: number): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of steps) {
    const raw = s.with.backup;
    if (typeof raw !== 'string') continue;
    const dir = tryRender(raw, state);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    try {
      const path = await backupDir(dir, state);
      if (!path) throw new Error('not found');
      const h = await readHeader(path);
      const taken = Date.parse(h.time);
      out.push(`Backup: ${dir} (${h.host}, taken ${h.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}, ${formatAge(now - taken)}${h.encrypted ? ', encrypted' : ''})`);
    } catch (e) {
      out.push(`Backup: ${dir} (cannot read its header: ${e instanceof Error ? e.message : String(e)}; step ${s.index + 1} checks it)`);
    }
  }
  return out;
}

export interface UpFront {
  /** The summary, one short line each (masked). */
  lines: string[];
  /** The question, when one must be answered before the run starts. */
  question?: string;
}

export async function upFrontSummary(
  pb: Playbook,
  state: RunState,
  o: { hosts: string[]; limit?: string; done?: Set<number>; check?: boolean; now?: number },
): Promise<UpFront> {
  const rest = remainingSteps(pb, o.done);
  const lines: string[] = [];
  const name = pb.name || pb.file;
  const left = rest.length < pb.steps.length ? `${rest.length} of ${pb.steps.length} step(s) left (the others are done)` : `${rest.length} step(s)`;
  const verb = o.check ? 'Check run of' : rest.length < pb.steps.length ? 'About to finish' : 'About to run';
  lines.push(`${verb} ${name}: ${left} on ${o.hosts.length} host(s) (${o.hosts.join(', ')})`);
  const profile = state.inventory.profile;
  const destructive = destructiveIn(profile);
  const changing = rest.filter((s) => changesHosts(s, allActions(profile)));
  const label = (s: Step) => `  ${s.index + 1} ${s.name}: ${hostsOf(s, state, o.limit)}`;
  const destroying = rest.filter(destructive);
  if (destroying.length) lines.push('Destructive:', ...destroying.map(label));
  const other = changing.filter((s) => !destructive(s));
  if (other.length) lines.push('Also changes hosts:', ...other.map(label));
  if (!changing.length) lines.push('Changes nothing on the hosts.');
  for (const s of rest.filter((x) => x.undoBarrier)) {
    lines.push(`Point of no return: step ${s.index + 1} (${s.name}); after it, a stop is finished with \`lifeboat resume\`, not undone`);
  }
  lines.push(...(await backupLines(rest, state, o.now ?? Date.now())));
  for (const s of rest.filter(foldedConfirm)) {
    if (typeof s.confirm === 'string') lines.push(`Step ${s.index + 1}: ${tryRender(s.confirm, state)}`);
  }
  for (const s of laterQuestions(pb, o.done)) lines.push(`Step ${s.index + 1} asks again when it starts: ${s.confirmAfterChangeReason}`);
  const ask = !o.check && needsUpFrontAnswer(pb, profile, o.done);
  const question = ask ? (pb.confirm ? tryRender(pb.confirm, state) : `Go ahead with ${name} on ${o.hosts.join(', ')}?`) : undefined;
  return { lines: lines.map(mask), question: question === undefined ? undefined : mask(question) };
}
