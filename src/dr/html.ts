import { esc } from '../report/html/escape.ts';
import type { DrItem } from './items.ts';

const COLOUR = { pass: '#2e7d32', warn: '#ef6c00', fail: '#c62828', skip: '#9e9e9e' } as const;

/** `dr check --html`: the score as one self-contained page in the style of the run report. */
export function readinessHtml(cluster: string, items: DrItem[], when: Date): string {
  const ok = !items.some((i) => i.status === 'fail');
  const rows = items
    .map((i) => `<tr data-item="${esc(i.id)}" data-status="${i.status}"><td><span class="badge" style="background:${COLOUR[i.status]}">${i.status.toUpperCase()}</span></td><td>${esc(i.title)}</td><td>${esc(i.why)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DR readiness of ${esc(cluster)}: ${ok ? 'ready' : 'NOT ready'}</title><style>
body{font:14px/1.45 system-ui,sans-serif;color:#222;margin:24px auto;max-width:1100px;padding:0 16px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f5f5}
.badge{display:inline-block;min-width:44px;text-align:center;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;font-size:12px}
@media print{body{margin:0;max-width:none;font-size:11px}}
</style></head><body>
<h1>DR readiness of ${esc(cluster)}: <span class="badge" style="background:${ok ? COLOUR.pass : COLOUR.fail}">${ok ? 'READY' : 'NOT READY'}</span></h1>
<p>Checked ${esc(when.toISOString())} by <code>lifeboat dr check</code> (read-only).</p>
<table><tr><th></th><th>item</th><th>why</th></tr>
${rows}
</table></body></html>
`;
}
