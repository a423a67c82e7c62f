/**
 * Every count, duration and port Lifeboat reads is checked against these at load, so a typo
 * (`retries: 1e15`, `connect_retries: 20`) is an error with a location instead of a run that hangs
 * for hours. The README (Inventory and playbook formats) lists them.
 */
export const BOUNDS = {
  /** Step `retries`. */
  retries: { min: 0, max: 100 },
  /** Step `delay` between retries, ms. */
  delayMs: { min: 0, max: 3_600_000 },
  /** Step `timeout` per host, ms (a total update of a large directory takes tens of minutes). */
  timeoutMs: { min: 100, max: 86_400_000 },
  /** Step `concurrency` and `--concurrency`. */
  concurrency: { min: 1, max: 1000 },
  /** ssh.connect_retries. */
  connectRetries: { min: 0, max: 10 },
  /** ssh.connect_timeout, ms. */
  connectTimeoutMs: { min: 100, max: 600_000 },
  /** ssh.keepalive, ms (0 turns keepalives off). */
  keepaliveMs: { min: 0, max: 600_000 },
  /** Ports: ssh.port, ldap_port, ansible_port. */
  port: { min: 1, max: 65535 },
  /** 389-ds replica ids (65535 is reserved for read-only consumers). */
  replicaId: { min: 1, max: 65534 },
} as const;

/** Connect retries wait 100 ms x 2^n, never more than this between two tries. */
export const CONNECT_BACKOFF_MAX_MS = 5000;

/** The wait before connect retry number `attempt` (0-based). */
export function connectBackoffMs(attempt: number): number {
  return Math.min(100 * 2 ** attempt, CONNECT_BACKOFF_MAX_MS);
}
