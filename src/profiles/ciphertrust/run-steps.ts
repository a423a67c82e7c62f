import { ActionError } from '../../actions/types.ts';
import { IN_PROGRESS } from './api-paths.ts';
import type { CtmNode } from './node-ops.ts';
import { fill, type CtmStep } from './steps.ts';

export interface StepRunOptions {
  /** The node of an inventory host name (one client per host for the whole run). */
  node(name: string): Promise<CtmNode>;
  /** Values captured so far (and given up front, like `node_id`); steps add theirs. */
  vars: Record<string, string>;
  timeoutMs: number;
  progress(message: string): void;
  /** Protects exported backup key files. */
  keyPassword?: () => Promise<string>;
}

/** What each step returned, by step index: downloads give their size and sha256. */
export type StepResults = Record<number, unknown>;

/** Runs the steps in order over the REST API; the first failure stops with the node and step named. */
export async function runCtmSteps(steps: CtmStep[], o: StepRunOptions): Promise<StepResults> {
  const out: StepResults = {};
  for (const [i, s] of steps.entries()) {
    o.progress(fill(s.what, o.vars));
    const n = await o.node(s.node);
    try {
      out[i] = await runOne(s, n, o);
    } catch (e) {
      if (e instanceof ActionError) throw e;
      throw new ActionError(`${s.node}: ${fill(s.what, o.vars)}: ${(e as Error).message}`);
    }
  }
  return out;
}

async function runOne(s: CtmStep, n: CtmNode, o: StepRunOptions): Promise<unknown> {
  const f = (t: string) => fill(t, o.vars);
  const c = s.call;
  const keep = (r: { id?: string }) => {
    if (s.saveAs && r.id) o.vars[s.saveAs] = r.id;
    return r;
  };
  switch (c.kind) {
    case 'guard-idle': {
      const st = await n.status();
      if (st.status === IN_PROGRESS) throw new ActionError(`${s.node}: a ${st.operation ?? 'backup or restore'} (${st.id ?? 'unknown id'}) is In Progress; the product allows one at a time, nothing was started`);
      return st;
    }
    case 'backup-create':
      return keep(await n.createBackup({ scope: c.scope, keyId: c.keyId && f(c.keyId), description: c.description, tiedToHsm: c.tiedToHsm, domain: c.domain }));
    case 'wait-op':
      return n.waitOperation(f(c.id), c.op, o.timeoutMs, (st) => o.progress(`${c.op} ${f(c.id)}: ${st}`));
    case 'backup-get':
      return n.backup(f(c.id));
    case 'backup-download':
      return n.download(f(c.id), f(c.file));
    case 'key-export':
      if (!o.keyPassword) throw new Error('no password for the backup key file (secret backup_key_password)');
      return n.exportKey(f(c.id), await o.keyPassword(), f(c.file));
    case 'key-upload':
      if (!o.keyPassword) throw new Error('no password for the backup key file (secret backup_key_password)');
      return n.importKey(f(c.file), await o.keyPassword(), c.scope);
    case 'backup-upload':
      return keep(await n.upload(f(c.file), c.scope));
    case 'restore':
      return n.restore(f(c.id), c.force);
    case 'node-remove':
      return n.removeNode(f(c.nodeId));
    case 'cluster-leave':
      return n.leaveCluster();
    case 'cluster-new':
      return n.newCluster(f(c.host));
    case 'cluster-join': {
      const member = await o.node(c.member);
      const { csr } = await n.csr(f(c.host));
      const signed = await member.sign(csr, f(c.host));
      return n.join(new URL(c.memberUrl).hostname, f(c.host), signed);
    }
    case 'wait-healthy':
      return n.waitHealthy(c.expect, o.timeoutMs, (st) => o.progress(`cluster: ${st}`));
  }
}
