import { esc } from './escape.ts';
import type { AgreementState } from './run-model.ts';
import type { Point, TopologyLayout } from './topology-layout.ts';

/** Colours of an agreement's final state; the legend in the report uses the same table. */
export const STATE_COLOURS: Record<AgreementState, string> = {
  ok: '#2e7d32',
  failed: '#c62828',
  fenced: '#6a1b9a',
  disabled: '#9e9e9e',
};

/** Dash patterns that tell the suffixes apart (colour already says the state). */
const DASHES = ['', '8 4', '2 4', '12 4 2 4'];

const xy = (p: Point) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;

/** A smooth curve through dagre's route: quadratic segments between the midpoints of its legs. */
function path(pts: Point[]): string {
  if (pts.length < 3) return pts.map((p, i) => `${i ? 'L' : 'M'}${xy(p)}`).join(' ');
  const mid = (a: Point, b: Point) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
  const out = [`M${xy(pts[0]!)}`, `L${xy(mid(pts[0]!, pts[1]!))}`];
  for (let i = 1; i < pts.length - 1; i++) out.push(`Q${xy(pts[i]!)} ${xy(i === pts.length - 2 ? pts[i + 1]! : mid(pts[i]!, pts[i + 1]!))}`);
  return out.join(' ');
}

/** The topology as inline SVG: one <g class="host"> per host, one <path class="agreement"> per agreement. */
export function topologySvg(l: TopologyLayout): string {
  const suffixes = [...new Set(l.edges.map((e) => e.agreement.suffix))];
  const markers = Object.entries(STATE_COLOURS)
    .map(([s, c]) => `<marker id="arrow-${s}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`)
    .join('');
  const edges = l.edges.map((e) => {
    const a = e.agreement;
    const dash = DASHES[suffixes.indexOf(a.suffix) % DASHES.length];
    const title = `${a.name}: ${a.supplier} → ${a.consumer} (${a.suffix}) ${a.state}${a.wave ? `, re-init wave ${a.wave}` : ''}`;
    const label = e.label && a.wave
      ? `<g class="wave"><circle cx="${e.label.x.toFixed(1)}" cy="${e.label.y.toFixed(1)}" r="10"/><text x="${e.label.x.toFixed(1)}" y="${(e.label.y + 4).toFixed(1)}">${a.wave}</text></g>`
      : '';
    return `<g><path class="agreement state-${a.state}" data-agreement="${esc(a.name)}" data-suffix="${esc(a.suffix)}" data-state="${a.state}" d="${path(e.points)}" stroke="${STATE_COLOURS[a.state]}"${dash ? ` stroke-dasharray="${dash}"` : ''} marker-end="url(#arrow-${a.state})"><title>${esc(title)}</title></path>${label}</g>`;
  });
  const nodes = l.nodes.map((n) => {
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const roles = [...n.host.roles, ...(n.host.master ? ['restored'] : []), ...(n.host.wave ? [`wave ${n.host.wave}`] : [])];
    return `<g class="host${n.host.master ? ' master' : ''}" data-host="${esc(n.host.name)}"><rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width}" height="${n.height}" rx="8"/><text class="name" x="${n.x.toFixed(1)}" y="${(n.y - 4).toFixed(1)}">${esc(n.host.name)}</text><text class="roles" x="${n.x.toFixed(1)}" y="${(n.y + 14).toFixed(1)}">${esc(roles.join(' · ') || '—')}</text></g>`;
  });
  const legendY = l.height + 8;
  const legend = [
    ...Object.entries(STATE_COLOURS).map(([s, c], i) => `<g transform="translate(${10 + i * 90},${legendY})"><line x1="0" y1="6" x2="24" y2="6" stroke="${c}" stroke-width="3"/><text x="30" y="10">${s}</text></g>`),
    ...suffixes.map((s, i) => `<g transform="translate(${10 + i * 180},${legendY + 20})"><line x1="0" y1="6" x2="24" y2="6" stroke="#333" stroke-width="2"${DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : ''}/><text x="30" y="10">${esc(s)}</text></g>`),
  ];
  const width = Math.max(l.width, 380, suffixes.length * 180 + 20);
  const height = legendY + 40;
  return `<svg class="topology" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="replication topology"><defs>${markers}</defs><g class="edges">${edges.join('')}</g><g class="nodes">${nodes.join('')}</g><g class="legend">${legend.join('')}</g></svg>`;
}
