import { esc, secs } from './escape.ts';
import type { RunReportModel } from './run-model.ts';

const ROW_H = 20;
const LABEL_W = 300;
const PLOT_W = 620;

/** A label cut to fit the label column, with `…` so a cut name does not read as the whole one. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A Gantt chart of step × host: one row per unit (a step on a host), bars on a shared time axis.
 * The unit each step waited for last is the critical path and is drawn in a stronger colour.
 */
export function timelineSvg(m: RunReportModel): string {
  const end = Math.max(m.t0 + 1, ...m.units.map((u) => u.endMs), ...m.steps.map((s) => s.startMs + s.durationMs));
  const span = end - m.t0;
  const x = (t: number) => LABEL_W + ((t - m.t0) / span) * PLOT_W;
  const rows: string[] = [];
  let y = 24;
  for (const s of m.steps) {
    const units = m.units.filter((u) => u.step === s.index).sort((a, b) => a.host.localeCompare(b.host));
    rows.push(`<g class="step" data-step="${s.index}"><text class="step-name" x="4" y="${y + 14}">${esc(clip(`${s.index + 1}. ${s.name}`, 46))}<title>${esc(`${s.name} (${s.action}) ${s.status} ${secs(s.durationMs)}`)}</title></text>` +
      `<rect class="step-bar" x="${x(s.startMs).toFixed(1)}" y="${y + 3}" width="${Math.max(2, (s.durationMs / span) * PLOT_W).toFixed(1)}" height="${ROW_H - 6}"/>` +
      `<text class="dur" x="${(x(s.startMs + s.durationMs) + 4).toFixed(1)}" y="${y + 14}">${secs(s.durationMs)}</text></g>`);
    y += ROW_H;
    for (const u of units) {
      const w = Math.max(2, ((u.endMs - u.startMs) / span) * PLOT_W);
      rows.push(`<g class="unit${u.critical ? ' critical' : ''} status-${esc(u.status)}" data-step="${u.step}" data-host="${esc(u.host)}"><text class="host-name" x="20" y="${y + 14}">${esc(u.host)}</text>` +
        `<rect x="${x(u.startMs).toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 8}"><title>${esc(`${u.host}: ${u.summary ?? u.error ?? u.status} (${secs(u.endMs - u.startMs)})`)}</title></rect>` +
        `<text class="dur" x="${(x(u.startMs) + w + 4).toFixed(1)}" y="${y + 14}">${secs(u.endMs - u.startMs)}</text></g>`);
      y += ROW_H;
    }
  }
  const ticks: string[] = [];
  const step = niceStep(span / 8);
  for (let t = 0; t <= span; t += step) ticks.push(`<g class="tick"><line x1="${x(m.t0 + t).toFixed(1)}" y1="18" x2="${x(m.t0 + t).toFixed(1)}" y2="${y}"/><text x="${x(m.t0 + t).toFixed(1)}" y="12">${secs(t)}</text></g>`);
  const height = y + 8;
  const width = LABEL_W + PLOT_W + 60;
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="timeline">${ticks.join('')}${rows.join('')}</svg>`;
}

function niceStep(raw: number): number {
  const candidates = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  return candidates.find((c) => c >= raw) ?? 3_600_000;
}
