import type { ActionContext, ActionEvent } from '../actions/types.ts';
import type { Inventory, InventoryHost } from '../inventory/types.ts';
import { mask } from '../util/secrets.ts';
import { resolveSecret } from './deps.ts';
import type { RunEvent } from './events.ts';
import { nameHost, namingHost } from './host-errors.ts';
import { recordingHost, type CommandRecord } from './recording-host.ts';
import type { HostConnector } from './types.ts';

/** Inventory secrets by name, each resolved once per run (and registered for masking). */
export class SecretCache {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly declared = new Set<string>();
  private sealed = false;
  constructor(private readonly inventory: Inventory) {}

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.inventory.secrets, name);
  }

  names(): string[] {
    return Object.keys(this.inventory.secrets);
  }

  /** A secret the run may use: named by a step's ArgSpec or a `secrets.NAME` template. */
  declare(name: string): void {
    this.declared.add(name);
  }

  /** After loading: only declared secrets may be asked for (each resolved before connecting). */
  seal(): void {
    this.sealed = true;
  }

  get(name: string): Promise<string> {
    if (this.sealed && !this.declared.has(name)) {
      return Promise.reject(new Error(`secret "${name}" is not declared by the step's action (ArgSpec secretSource) and was not resolved before the run; this is a bug in the action`));
    }
    let p = this.cache.get(name);
    if (!p) {
      const ref = this.inventory.secrets[name];
      p = ref
        ? resolveSecret(ref, `secret ${name}`)
        : Promise.reject(new Error(`unknown secret "${name}" (inventory secrets: ${Object.keys(this.inventory.secrets).join(', ') || 'none'})`));
      this.cache.set(name, p);
    }
    return p;
  }
}

export interface ContextParams {
  step: number;
  host: InventoryHost;
  inventory: Inventory;
  args: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** Null in plan mode: nothing connects. */
  connector: HostConnector | null;
  secrets: SecretCache;
  signal: AbortSignal;
  timeoutMs?: number;
  runDir: string;
  check: boolean;
  records: CommandRecord[];
  emit: (e: RunEvent) => void;
}

export function actionContext(p: ContextParams): ActionContext {
  const now = () => new Date().toISOString();
  return {
    host: p.host,
    inventory: p.inventory,
    args: p.args,
    vars: p.vars,
    async connect(hostName?: string) {
      const name = hostName ?? p.host.name;
      if (!p.connector) throw new Error(`plan mode does not connect (wanted ${name})`);
      if (!p.inventory.hosts.some((h) => h.name === name)) throw new Error(`unknown host "${name}"`);
      const remote = namingHost(await p.connector.get(name).catch((err: unknown) => Promise.reject(nameHost(err, name, p.host.name))), p.host.name);
      // Raw commands are for the journal and --verbose; people see the actions' progress messages.
      return recordingHost(remote, p.records, (r) =>
        p.emit({ type: 'host.command', step: p.step, host: p.host.name, command: r.command, ...(r.host === p.host.name ? {} : { on: r.host }), time: now() }),
      );
    },
    secret: (name: string) => p.secrets.get(name),
    signal: p.signal,
    timeoutMs: p.timeoutMs,
    emit(e: Omit<ActionEvent, 'host'> & { host?: string }) {
      const host = e.host ?? p.host.name;
      const message = mask(e.message);
      if (e.kind === 'warning') p.emit({ type: 'warning', message, host, step: p.step, time: now() });
      else p.emit({ type: 'host.progress', step: p.step, host, message, ...(e.progress ? { progress: e.progress } : {}), time: now() });
    },
    runDir: p.runDir,
    check: p.check,
  };
}
