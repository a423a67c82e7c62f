/** Small text helpers shared by the plain and ink reporters, so both read the same. */

/** `0.4s`, `12.3s`, `1m05s`, `1h02m`: short and unambiguous. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    const s = totalSeconds % 60;
    return `${m}m${String(s).padStart(2, '0')}s`;
  }
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

/** Local wall-clock time `HH:MM:SS` of an ISO timestamp (or of now, when it does not parse). */
export function formatClock(iso: string | undefined): string {
  const d = iso ? new Date(iso) : new Date();
  const t = Number.isNaN(d.getTime()) ? new Date() : d;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
}

/** `[2/7]` for the zero-based step 1 of 7; `[2]` when the total is not known. */
export function stepLabel(step: number, total: number | undefined): string {
  return total && total > 0 ? `[${step + 1}/${total}]` : `[${step + 1}]`;
}

/** Keeps a one-line field on one line: multi-line text is joined with ` | `. */
export function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
}

/** `ds1: message`, unless the message already starts with the host's name (no `ds1: ds1: …`). */
export function hostMessage(host: string | undefined, message: string): string {
  const text = oneLine(message);
  if (!host) return text;
  return new RegExp(`^${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text) ? text : `${host}: ${text}`;
}

/**
 * A host's error on a line that already names its step and host: the engine's `step 1 "Fence" on
 * ds2: ` prefix (kept for the journal and the final summary) is left out there.
 */
export function hostError(step: number, host: string, error: string | undefined): string {
  const text = oneLine(error ?? '');
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`^step ${step + 1} "[^"]*" on ${esc(host)}: `), '');
}

/** `ds1 ← ds4 …` or `ds1: uploading …` shown on ds1's own line: the name is already at its start. */
export function withoutHostName(host: string, message: string | undefined): string {
  const text = oneLine(message ?? '');
  if (text.startsWith(`${host}: `)) return text.slice(host.length + 2);
  return text.startsWith(`${host} `) ? text.slice(host.length + 1) : text;
}
