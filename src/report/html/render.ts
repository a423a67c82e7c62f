import { mask } from '../../util/secrets.ts';
import { esc, secs } from './escape.ts';
import type { RunReportModel } from './run-model.ts';
import { timelineSvg } from './timeline-svg.ts';
import { layoutTopology } from './topology-layout.ts';
import { STATE_COLOURS, topologySvg } from './topology-svg.ts';

/** Inline stylesheet: the report must open offline, and print on paper without the page chrome. */
const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.status{display:inline-block;padding:1px 10px;border-radius:10px;color:#fff;font-weight:600}
.status-done{background:#2e7d32}.status-failed{background:#c62828}.status-interrupted,.status-running{background:#ef6c00}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f5f5}
td.num{text-align:right;white-space:nowrap}code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f7;padding:6px;margin:4px 0}
svg{max-width:100%;height:auto}
svg.topology .host rect{fill:#e3f2fd;stroke:#1565c0;stroke-width:1.5}svg.topology .host.master rect{fill:#fff8e1;stroke:#ef6c00;stroke-width:2.5}
svg.topology text{text-anchor:middle;font:12px system-ui,sans-serif}svg.topology .name{font-weight:700;font-size:14px}svg.topology .roles{fill:#555;font-size:11px}
svg.topology path.agreement{fill:none;stroke-width:2}svg.topology .wave circle{fill:#ef6c00}svg.topology .wave text{fill:#fff;font-weight:700;font-size:11px}
svg.topology .legend text{text-anchor:start;font-size:11px}
svg.timeline text{font:11px system-ui,sans-serif}svg.timeline .step-name{font-weight:600}svg.timeline .tick line{stroke:#eee}svg.timeline .tick text{fill:#888;text-anchor:middle}
svg.timeline .step-bar{fill:#cfd8dc}svg.timeline .unit rect{fill:#90caf9}svg.timeline .unit.critical rect{fill:#d84315}svg.timeline .unit.status-failed rect{fill:#c62828;stroke:#000}
svg.timeline .dur{fill:#666}
details{margin:2px 0}summary{cursor:pointer}
.ok{color:#2e7d32}.bad{color:#c62828;font-weight:600}.warn{color:#ef6c00}
.legend-swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
@media print{body{margin:0;max-width:none;font-size:11px}details{display:block}details>*{display:block}summary{list-style:none}h2{break-after:avoid}svg,table,tr{break-inside:avoid}}
`;

/** `2026-12-01 05:27:45 UTC`: an ISO time as a person reads it. */
function when(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Every host a step changed, with what the action said it did, in step order. */
function whatChanged(m: RunReportModel, stepName: Map<number, string>): string {
  const changed = m.units.filter((u) => u.status === 'changed').sort((a, b) => a.step - b.step || a.host.localeCompare(b.host));
  if (!changed.length) return '<p>Nothing: no step changed a host.</p>';
  const steps = [...new Set(changed.map((u) => u.step))];
  const items = steps.map((step) => {
    const hosts = changed.filter((u) => u.step === step).map((u) => `<li><b>${esc(u.host)}</b>${u.summary ? `: ${esc(u.summary)}` : ''}</li>`);
    return `<li data-step="${step}">Step ${step + 1} ${esc(stepName.get(step) ?? '')}<ul>${hosts.join('')}</ul></li>`;
  });
  return `<ul class="changed">${items.join('')}</ul>`;
}

export function renderRunReport(m: RunReportModel): string {
  const topo = layoutTopology(m.hosts, m.agreements);
  const stepName = new Map(m.steps.map((s) => [s.index, s.name]));
  const parts: string[] = [];
  parts.push(`<h1>Lifeboat run ${esc(m.runId)} <span class="status status-${esc(m.status)}">${esc(m.status)}</span></h1>`);
  parts.push(`<p>Playbook <code>${esc(m.playbook)}</code> on inventory <code>${esc(m.inventory)}</code>. Started ${esc(when(m.started))}${m.finished ? `, finished ${esc(when(m.finished))}` : ''}; ${secs(m.durationMs)} in all, ${m.hosts.length} hosts, ${m.steps.length} steps.</p>`);
  const params = Object.entries(m.params).filter(([, v]) => v !== '');
  if (params.length) parts.push(`<p>Parameters: ${params.map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`).join(' ')}</p>`);

  parts.push('<h2>What the administrator must still do</h2>');
  parts.push(m.todo.length ? `<ol class="todo">${m.todo.map((t) => `<li>${esc(t)}</li>`).join('')}</ol>` : '<p class="ok">Nothing: the run finished and every check passed.</p>');

  parts.push('<h2>What changed</h2>');
  parts.push(whatChanged(m, stepName));

  parts.push('<h2>Topology</h2>');
  if (m.agreements.length === 0) parts.push('<p>This run did not discover replication agreements; hosts only.</p>');
  parts.push(`<p>Hosts with their roles; arrows are replication agreements (supplier → consumer), coloured by their state at the end of the run${Object.entries(STATE_COLOURS).map(([s, c]) => `<span class="legend-swatch" style="background:${c}"></span>${s}`).join('')}. Numbered circles are re-initialization waves (1 = from the restored host). Layout by dagre.</p>`);
  parts.push(`<figure>${topologySvg(topo)}</figure>`);
  if (m.agreements.length) {
    parts.push('<details><summary>Agreements as a table</summary><table><tr><th>agreement</th><th>supplier → consumer</th><th>suffix</th><th>state</th><th>wave</th></tr>');
    for (const a of m.agreements) parts.push(`<tr><td>${esc(a.name)}</td><td>${esc(a.supplier)} → ${esc(a.consumer)}</td><td>${esc(a.suffix)}</td><td>${esc(a.state)}</td><td>${a.wave ?? ''}</td></tr>`);
    parts.push('</table></details>');
  }

  parts.push('<h2>Timeline</h2>');
  parts.push('<p>Each step (grey) and each host in it (blue). Red-orange bars are the critical path: the host each step waited for last.</p>');
  parts.push(`<figure>${timelineSvg(m)}</figure>`);
  parts.push('<table class="steps"><tr><th>#</th><th>step</th><th>action</th><th>status</th><th>time</th></tr>');
  for (const s of m.steps) parts.push(`<tr data-step="${s.index}"><td class="num">${s.index + 1}</td><td>${esc(s.name)}${s.note ? ` <em>(${esc(s.note)})</em>` : ''}</td><td><code>${esc(s.action)}</code></td><td class="${s.status === 'failed' ? 'bad' : ''}">${esc(s.status)}</td><td class="num">${secs(s.durationMs)}</td></tr>`);
  parts.push('</table>');
  if (m.serverTimings.length) {
    parts.push('<h3>The servers\' own time beside Lifeboat\'s</h3><table><tr><th>host</th><th>what</th><th>Lifeboat (whole unit)</th><th>server</th></tr>');
    for (const t of m.serverTimings) parts.push(`<tr><td>${esc(t.host)}</td><td>${esc(t.what)}</td><td class="num">${secs(t.lifeboatMs)}</td><td class="num">${secs(t.serverMs)}</td></tr>`);
    parts.push('</table>');
  }

  parts.push('<h2>Checks and evidence</h2>');
  parts.push(m.checks.length
    ? `<ul>${m.checks.map((c) => `<li class="${c.ok ? 'ok' : 'bad'}">${c.ok ? '✔' : '✘'} ${esc(c.name)}: <span style="color:#222">${esc(c.evidence)}</span></li>`).join('')}</ul>`
    : '<p>No verification step ran in this run.</p>');

  parts.push('<h2>Warnings</h2>');
  parts.push(m.warnings.length ? `<ul>${m.warnings.map((w) => `<li class="warn">${esc(w)}</li>`).join('')}</ul>` : '<p>None.</p>');

  parts.push('<h2>Commands per step and host (secrets masked)</h2>');
  for (const u of [...m.units].sort((a, b) => a.step - b.step || a.host.localeCompare(b.host))) {
    const cmds = u.commands.map((c) => `<pre>${esc(c.host !== u.host ? `[${c.host}] ` : '')}$ ${esc(c.command)}${c.code !== null ? `  # exit ${c.code}` : ''}${c.durationMs !== undefined ? `, ${secs(c.durationMs)}` : ''}</pre>`).join('');
    parts.push(`<details class="unit-commands" data-step="${u.step}" data-host="${esc(u.host)}"><summary>Step ${u.step + 1} ${esc(stepName.get(u.step) ?? '')} — ${esc(u.host)}: <span class="${u.status === 'failed' ? 'bad' : ''}">${esc(u.status)}</span> ${esc(u.summary ?? u.error ?? '')} (${u.commands.length} command${u.commands.length === 1 ? '' : 's'})</summary>${cmds || '<p>No remote commands.</p>'}</details>`);
  }
  parts.push(`<p style="color:#888;margin-top:24px">Written by Lifeboat from the run's journal; this file needs no network.</p>`);
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Lifeboat run ${esc(m.runId)} — ${esc(m.status)}</title><style>${CSS}</style></head><body>\n${parts.join('\n')}\n</body></html>\n`;
  // The journal is masked already; masking again catches any secret this process learnt since.
  return mask(html);
}
