import type { JournalLine } from '../../engine/journal.ts';
import type { RunRecord } from '../../engine/types.ts';

/**
 * What the HTML report shows, built only from a run's journal and run.json (plus the inventory's
 * roles when it can still be read): nothing is asked of the servers afterwards.
 */

export type AgreementState = 'ok' | 'failed' | 'fenced' | 'disabled';

export interface ReportHost {
  name: string;
  roles: string[];
  /** The host data was restored on (the root of the re-init waves). */
  master: boolean;
  /** Re-init wave this host was initialized in (1 = from the master), if it was. */
  wave?: number;
}

export interface ReportAgreement {
  supplier: string;
  consumer: string;
  suffix: string;
  name: string;
  state: AgreementState;
  /** Set when a re-init went over this agreement: the wave it belongs to. */
  wave?: number;
}

export interface ReportCommand {
  command: string;
  host: string;
  code: number | null;
  durationMs?: number;
}

export interface ReportUnit {
  step: number;
  host: string;
  startMs: number;
  endMs: number;
  status: string;
  summary?: string;
  error?: string;
  commands: ReportCommand[];
  /** Longest unit of its step: the one the step (and so the run) waited for. */
  critical: boolean;
}

export interface ReportStep {
  index: number;
  name: string;
  action: string;
  status: string;
  startMs: number;
  durationMs: number;
  note?: string;
}

export interface ServerTiming {
  what: string;
  host: string;
  lifeboatMs: number;
  serverMs: number;
}

export interface RunReportModel {
  runId: string;
  playbook: string;
  inventory: string;
  status: string;
  started: string;
  finished?: string;
  durationMs: number;
  params: Record<string, string>;
  hosts: ReportHost[];
  agreements: ReportAgreement[];
  steps: ReportStep[];
  units: ReportUnit[];
  warnings: string[];
  serverTimings: ServerTiming[];
  /** Convergence checks and what proved them. */
  checks: { name: string; ok: boolean; evidence: string }[];
  /** What the administrator still has to do, in order. */
  todo: string[];
  /** Epoch ms the timeline starts from. */
  t0: number;
}

const ms = (t: unknown) => Date.parse(String(t));
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function buildRunModel(record: RunRecord, lines: JournalLine[], roles: Record<string, string[]> = {}): RunReportModel {
  const hostNames: string[] = [];
  const addHost = (h: unknown) => {
    if (typeof h === 'string' && h && !hostNames.includes(h)) hostNames.push(h);
  };
  const steps = new Map<number, ReportStep>();
  const resumedOver = new Set<number>();
  const starts = new Map<string, number>();
  const units: ReportUnit[] = [];
  const warnings: string[] = [];
  const agreements = new Map<string, ReportAgreement>();
  const enabledByDn = new Map<string, boolean>();
  /** Agreements that were off before the run (the administrator's choice): shown off, nothing to do. */
  const offBeforeRun = new Set<string>();
  const fenced = new Set<string>();
  const waveFrom = new Map<string, string>();
  const initAgreement = new Map<string, string>();
  const serverTimings: ServerTiming[] = [];
  const checks: RunReportModel['checks'] = [];
  let master: string | undefined;
  let next: string | undefined;
  let status: string = record.status;
  let t0 = ms(record.started);
  let tEnd = record.finished ? ms(record.finished) : t0;

  for (const l of lines) {
    const t = ms(l.time);
    if (Number.isFinite(t)) {
      if (l.type === 'run.start' && !units.length) t0 = Math.min(t0, t);
      tEnd = Math.max(tEnd, t);
    }
    if (l.type === 'run.start') strs(l.hosts).forEach(addHost);
    else if (l.type === 'step.start') {
      const i = Number(l.step);
      // A resume passes over the steps an earlier session finished: keep how they really ran.
      if (steps.get(i)?.status === 'ok') resumedOver.add(i);
      else steps.set(i, { index: i, name: String(l.name), action: String(l.action), status: 'running', startMs: t, durationMs: 0 });
      strs(l.hosts).forEach(addHost);
    } else if (l.type === 'step.done') {
      const s = steps.get(Number(l.step));
      if (s && !resumedOver.delete(Number(l.step))) {
        s.status = String(l.status);
        s.durationMs = Number(l.durationMs ?? 0);
        if (typeof l.note === 'string') s.note = l.note;
      }
    } else if (l.type === 'host.start') starts.set(`${l.step}/${l.host}`, t);
    else if (l.type === 'host.done') onHostDone(l, t);
    else if (l.type === 'warning') warnings.push(String(l.message));
    else if (l.type === 'run.done') {
      status = String(l.status);
      // Each session's end replaces the one before: a resume that finished leaves no stale advice.
      next = typeof l.next === 'string' ? l.next : undefined;
    }
  }

  function onHostDone(l: JournalLine, t: number): void {
    const step = Number(l.step);
    const host = String(l.host);
    addHost(host);
    const start = starts.get(`${step}/${host}`) ?? t - Number(l.durationMs ?? 0);
    const commands = (Array.isArray(l.commands) ? l.commands : []).map((c) => {
      const o = obj(c) ?? {};
      return { command: String(o.command ?? ''), host: String(o.host ?? host), code: typeof o.code === 'number' ? o.code : null, durationMs: typeof o.durationMs === 'number' ? o.durationMs : undefined };
    });
    units.push({ step, host, startMs: start, endMs: t, status: String(l.status), summary: l.summary as string | undefined, error: l.error as string | undefined, commands, critical: false });
    const action = steps.get(step)?.action ?? '';
    const out = obj(l.output);
    const facts = obj(l.facts);
    strs(facts?.fenced).forEach((h) => fenced.add(h));
    if (!out) return;
    if (Array.isArray(out.agreements)) {
      for (const a of out.agreements) {
        const o = obj(a);
        if (!o || typeof o.dn !== 'string') continue;
        const supplier = String(o.host ?? host);
        const consumer = String(o.peer ?? o.peerAddress ?? '?');
        agreements.set(o.dn, { supplier, consumer, suffix: String(o.suffix ?? ''), name: String(o.name ?? o.dn), state: 'ok' });
        enabledByDn.set(o.dn, o.enabled !== false);
        addHost(supplier);
        addHost(consumer);
      }
    }
    for (const dn of strs(out.disabled)) enabledByDn.set(dn, false);
    for (const dn of strs(out.alreadyDisabled)) offBeforeRun.add(dn);
    for (const dn of strs(out.enabled)) enabledByDn.set(dn, true);
    strs(out.fenced).forEach((h) => fenced.add(h));
    if (action === 'backup.restore') {
      master = String(out.host ?? host);
      const server = out.serverMs ?? out.restoreMs;
      if (typeof server === 'number') serverTimings.push({ what: 'restore', host, lifeboatMs: Number(l.durationMs ?? 0), serverMs: server });
    }
    if (typeof out.from === 'string' && Array.isArray(out.inits)) {
      waveFrom.set(String(out.host ?? host), out.from);
      for (const i of out.inits) {
        const o = obj(i);
        if (!o) continue;
        if (typeof o.agreement === 'string') initAgreement.set(o.agreement, String(out.host ?? host));
        // 389-ds inits only along an enabled agreement: the re-init switched it on, and it stays on.
        if (typeof o.agreement === 'string' && o.enabledAgreement === true) enabledByDn.set(o.agreement, o.switchedBackOff !== true);
        if (typeof o.serverSeconds === 'number') serverTimings.push({ what: `total update ${o.suffix} from ${out.from}`, host, lifeboatMs: Number(l.durationMs ?? 0), serverMs: o.serverSeconds * 1000 });
      }
    }
    if (Array.isArray(out.suffixes) && action.startsWith('verify.')) {
      for (const s of out.suffixes) {
        const o = obj(s);
        if (!o) continue;
        const arrivals = obj(o.arrivalMs) ?? {};
        const unhealthy = strs(o.unhealthy);
        checks.push({
          name: `${String(o.suffix)} converged`,
          ok: unhealthy.length === 0,
          evidence: `canary ${String(o.canary ?? '')} arrived on ${Object.entries(arrivals).map(([h, v]) => `${h} in ${String(v)} ms`).join(', ')}${unhealthy.length ? `; unhealthy: ${unhealthy.join(', ')}` : ''}`,
        });
      }
    }
  }

  // Waves: depth in the tree of "initialized from", rooted at the host restored from backup.
  const waveOf = new Map<string, number>();
  const depth = (h: string, seen = new Set<string>()): number => {
    if (waveOf.has(h)) return waveOf.get(h)!;
    const from = waveFrom.get(h);
    if (!from || seen.has(h)) return 0;
    seen.add(h);
    const d = depth(from, seen) + 1;
    waveOf.set(h, d);
    return d;
  };
  for (const h of waveFrom.keys()) depth(h);
  master ??= [...waveFrom.values()].find((h) => !waveFrom.has(h));

  for (const [dn, a] of agreements) {
    const consumer = initAgreement.get(dn);
    if (consumer) a.wave = waveOf.get(consumer);
    if (fenced.has(a.supplier) || fenced.has(a.consumer)) a.state = 'fenced';
    else if (enabledByDn.get(dn) === false) a.state = 'disabled';
  }
  for (const u of units) if (u.status === 'failed' && steps.get(u.step)?.action === 'replication.reinit') {
    for (const a of agreements.values()) if (a.consumer === u.host && a.state === 'ok') a.state = 'failed';
  }

  // The critical path: steps run one after another, so it is the unit each step waited for last.
  for (const s of steps.values()) {
    const mine = units.filter((u) => u.step === s.index);
    const last = mine.reduce<ReportUnit | undefined>((m, u) => (!m || u.endMs > m.endMs ? u : m), undefined);
    if (last) last.critical = true;
  }

  const todo: string[] = [];
  if (status !== 'done') todo.push(next ?? `finish the run: lifeboat resume ${record.runId}`);
  else if (next) todo.push(next);
  for (const [dn, a] of agreements) {
    if (a.state === 'disabled' && !offBeforeRun.has(dn)) todo.push(`agreement ${a.name} (${a.supplier} → ${a.consumer}, ${a.suffix}) is still disabled: enable it once the peer is healthy`);
    if (a.state === 'failed') todo.push(`agreement ${a.name} (${a.supplier} → ${a.consumer}, ${a.suffix}) failed: re-initialize ${a.consumer}`);
  }
  for (const h of fenced) todo.push(`${h} was fenced: rebuild it or bring it back and re-initialize it before it rejoins`);
  for (const c of checks) if (!c.ok) todo.push(`${c.name} failed: ${c.evidence}`);
  for (const w of warnings) if (/manual|by hand|must|rebuild/i.test(w)) todo.push(w);

  const hosts: ReportHost[] = hostNames.map((name) => ({ name, roles: roles[name] ?? [], master: name === master, wave: waveOf.get(name) }));
  return {
    runId: record.runId,
    playbook: record.playbook,
    inventory: record.inventory,
    status,
    started: record.started,
    finished: record.finished,
    durationMs: Math.max(0, tEnd - t0),
    params: record.params,
    hosts,
    agreements: [...agreements.values()],
    steps: [...steps.values()].sort((a, b) => a.index - b.index),
    units,
    warnings,
    serverTimings,
    checks,
    todo,
    t0,
  };
}
