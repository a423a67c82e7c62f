import { Graph, layout } from '@dagrejs/dagre';
import type { ReportAgreement, ReportHost } from './run-model.ts';

/**
 * Places hosts and agreements with dagre (a layered graph layout): the host restored from backup
 * ranks first and each re-init wave below it, so the picture reads top-down in recovery order.
 */

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  host: ReportHost;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  agreement: ReportAgreement;
  points: Point[];
  label?: Point;
}

export interface TopologyLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_W = 150;
export const NODE_H = 58;

export function layoutTopology(hosts: ReportHost[], agreements: ReportAgreement[]): TopologyLayout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 60, ranksep: 90, edgesep: 18, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const h of hosts) g.setNode(h.name, { width: NODE_W, height: NODE_H });
  // Ranks follow recovery order (restored host, then wave 1, wave 2…): an agreement pointing "up"
  // is laid out reversed and one between hosts of the same wave may stay on one rank.
  const rankOf = new Map(hosts.map((h) => [h.name, h.master ? 0 : (h.wave ?? Number.MAX_SAFE_INTEGER)]));
  const rank = (n: string) => rankOf.get(n) ?? Number.MAX_SAFE_INTEGER;
  agreements.forEach((a, i) => {
    for (const end of [a.supplier, a.consumer]) if (!g.hasNode(end)) g.setNode(end, { width: NODE_W, height: NODE_H });
    const up = rank(a.supplier) > rank(a.consumer);
    const [v, w] = up ? [a.consumer, a.supplier] : [a.supplier, a.consumer];
    // Same-rank agreements are drawn as arcs below (dagre gives flat edges no route).
    if (rank(v) === rank(w) && rank(v) !== Number.MAX_SAFE_INTEGER) return;
    const label = a.wave ? { width: 24, height: 18, labelpos: 'c' } : {};
    g.setEdge(v, w, { ...label, weight: a.wave ? 4 : 1, minlen: 1 }, `a${i}`);
  });
  layout(g);
  const suffixes = [...new Set(agreements.map((a) => a.suffix))];
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const nodes: PlacedNode[] = g.nodes().map((n: string) => {
    const v = g.node(n) as { x: number; y: number; width: number; height: number };
    return { host: byName.get(n) ?? { name: n, roles: [], master: false }, x: v.x, y: v.y, width: v.width, height: v.height };
  });
  const edges: PlacedEdge[] = agreements.map((a, i) => {
    const up = rank(a.supplier) > rank(a.consumer);
    const [v, w] = up ? [a.consumer, a.supplier] : [a.supplier, a.consumer];
    const e = g.edge({ v, w, name: `a${i}` }) as { points?: Point[]; x?: number; y?: number } | undefined;
    if (!e) return arc(a, g.node(a.supplier) as Box, g.node(a.consumer) as Box, suffixes.indexOf(a.suffix));
    const points = [...(e.points ?? [])];
    if (up) points.reverse();
    return { agreement: a, points, label: a.wave && e.x !== undefined && e.y !== undefined ? { x: e.x, y: e.y } : undefined };
  });
  // dagre sizes the graph by its nodes; curves may bulge past them, so fit the box to everything.
  const xs = [...nodes.flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]), ...edges.flatMap((e) => e.points.map((p) => p.x))];
  const ys = [...nodes.flatMap((n) => [n.y - n.height / 2, n.y + n.height / 2]), ...edges.flatMap((e) => e.points.map((p) => p.y))];
  const dx = 20 - Math.min(...xs, 20);
  const dy = 20 - Math.min(...ys, 20);
  for (const n of nodes) { n.x += dx; n.y += dy; }
  for (const e of edges) {
    e.points = e.points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
    if (e.label) e.label = { x: e.label.x + dx, y: e.label.y + dy };
  }
  return { width: Math.ceil(Math.max(...xs) + dx + 20), height: Math.ceil(Math.max(...ys) + dy + 20), nodes, edges };
}

type Box = { x: number; y: number; width: number; height: number };

/** An arc between two hosts on one rank, bowed to one side per direction and further per suffix. */
function arc(a: ReportAgreement, from: Box, to: Box, suffixIndex: number): PlacedEdge {
  const dir = a.supplier < a.consumer ? 1 : -1;
  const start = { x: from.x + (Math.sign(to.x - from.x) * from.width) / 2, y: from.y + dir * 8 };
  const end = { x: to.x - (Math.sign(to.x - from.x) * to.width) / 2, y: to.y + dir * 8 };
  const bow = dir * (from.height / 2 + 14 + suffixIndex * 12);
  const mid = { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 + bow };
  return { agreement: a, points: [start, { x: (start.x + mid.x) / 2, y: mid.y }, { x: (mid.x + end.x) / 2, y: mid.y }, end], label: a.wave ? mid : undefined };
}
