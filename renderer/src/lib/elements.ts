/** Map model -> Cytoscape elements (preset positions; no layout ever runs in the renderer). */
import type { ElementDefinition } from 'cytoscape';
import type { WireEdge, WireMapModel, MapNode } from '../../../main/map/model';
import type { RoadLabel } from '../../../main/map/streets';
import { roadWidth } from '../../../main/map/style';

function outskirtType(n: MapNode): string {
  const t = n.meta.type ?? '';
  if (t === 'world' || n.id === 'world') return 'world';
  if (n.id === 'kube-apiserver') return 'kube-apiserver';
  return t;
}

export function nodeClasses(n: MapNode): string[] {
  const c: string[] = [n.kind, ...n.flags];
  if (n.kind === 'house') {
    c.push(`phase-${n.phase ?? 'unknown'}`);
    if (n.fence?.ingress && n.fence.egress) c.push('fenced-both');
    else if (n.fence?.ingress) c.push('fenced-ingress');
    else if (n.fence?.egress) c.push('fenced-egress');
  }
  if (n.kind === 'outskirt') c.push(`t-${outskirtType(n)}`);
  return c;
}

/**
 * Per-element values (sizes, labels, bend points) go in as style bypasses, not `data()` mappers in
 * the stylesheet: Cytoscape re-applies every mapped property each time an element is restyled
 * (a class change), which made hiding and showing thousands of elements slow.
 */
export function nodeElement(n: MapNode): ElementDefinition {
  return {
    group: 'nodes',
    data: { id: n.id, label: n.label, kind: n.kind, owner: n.parent, w: n.w, h: n.h },
    // Houses carry no label (the stylesheet's house rule; a bypass would override it).
    style: n.kind === 'house' ? { width: n.w, height: n.h } : { width: n.w, height: n.h, label: n.label },
    position: { x: n.x, y: n.y },
    classes: nodeClasses(n).join(' '),
    grabbable: n.kind !== 'district',
  };
}

/**
 * The model's bend points (e.route) as Cytoscape segment weights and distances, relative to the
 * line between the two nodes' centres ('edge-distances: node-position'): Cytoscape then draws the
 * very polyline the exporters draw.
 */
export function segmentsOf(route: number[] | undefined, s: { x: number; y: number }, t: { x: number; y: number }): { sw: number[]; sd: number[] } | undefined {
  if (!route || route.length < 6) return undefined;
  const dx = t.x - s.x;
  const dy = t.y - s.y;
  const l2 = dx * dx + dy * dy;
  if (l2 < 1) return undefined;
  const l = Math.sqrt(l2);
  const sw: number[] = [];
  const sd: number[] = [];
  for (let i = 2; i < route.length - 2; i += 2) {
    const px = route[i] - s.x;
    const py = route[i + 1] - s.y;
    // Rounded: well under a tenth of a map unit off, and short to parse and hash when restyled.
    sw.push(Math.round(((px * dx + py * dy) / l2) * 1e5) / 1e5);
    sd.push(Math.round(((px * -dy + py * dx) / l) * 10) / 10);
  }
  return { sw, sd };
}

export function edgeElement(e: WireEdge, nodes: Map<string, MapNode>, districtLevel = false): ElementDefinition {
  const s = nodes.get(e.source);
  const t = nodes.get(e.target);
  const seg = s && t ? segmentsOf(e.route, s, t) : undefined;
  return {
    group: 'edges',
    data: { id: e.id, source: e.source, target: e.target, label: e.label, width: roadWidth(e.volume), vwidth: roadWidth(e.volume), volume: e.volume, ...seg },
    style: { ...(e.kind === 'road' ? { width: roadWidth(e.volume) } : {}), ...(seg ? { 'segment-weights': seg.sw, 'segment-distances': seg.sd } : {}) },
    classes: [e.kind === 'road' ? 'road' : 'link', districtLevel ? 'droad' : 'broad', seg ? 'routed' : '', ...e.flags].filter(Boolean).join(' '),
  };
}

export function toElements(model: WireMapModel): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  const nodes = new Map(model.nodes.map((n) => [n.id, n]));
  for (const n of model.nodes) out.push(nodeElement(n));
  for (const e of model.edges) out.push(edgeElement(e, nodes));
  for (const e of model.districtRoads ?? []) out.push(edgeElement(e, nodes, true));
  for (const level of ['blocks', 'districts'] as const) {
    for (const l of model.labels?.[level] ?? []) out.push(labelElement(l, level));
  }
  return out;
}

/** A road label as a small node of its own (placed by the model, clickable: it selects its road). */
export function labelElement(l: RoadLabel, level: 'blocks' | 'districts'): ElementDefinition {
  return {
    group: 'nodes',
    data: { id: `label:${l.road}`, label: l.text, road: l.road, kind: 'road-label', w: l.w, h: l.h, fs: l.h / 1.3 },
    style: { width: l.w, height: l.h, label: l.text, 'font-size': l.h / 1.3 },
    position: { x: l.x, y: l.y },
    classes: `road-label lbl-${level}`,
    grabbable: false,
  };
}

/** Semantic-zoom layers: big cities add blocks and houses to the canvas only when zoomed in to them. */
export type Layer = 'base' | 'blocks' | 'houses';

export function layerOf(def: ElementDefinition): Layer {
  if (def.group === 'nodes') {
    const kind = def.data.kind as string;
    if (kind === 'road-label') return String(def.classes).includes('lbl-districts') ? 'base' : 'blocks';
    return kind === 'house' ? 'houses' : kind === 'block' || kind === 'highway' ? 'blocks' : 'base';
  }
  return String(def.classes ?? '').includes('droad') ? 'base' : 'blocks';
}

export function splitLayers(defs: ElementDefinition[]): Record<Layer, ElementDefinition[]> {
  const out: Record<Layer, ElementDefinition[]> = { base: [], blocks: [], houses: [] };
  for (const d of defs) out[layerOf(d)].push(d);
  return out;
}

export const LAYERS_FOR_LEVEL: Record<'districts' | 'blocks' | 'houses', Layer[]> = {
  districts: ['base'],
  blocks: ['base', 'blocks'],
  houses: ['base', 'blocks', 'houses'],
};
