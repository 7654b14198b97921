/**
 * How a map edge is encoded in every export format: which verdict draws the line, which evidence
 * markers show, and how house-level roads fold up to blocks for the graph formats. Kept in one place
 * so SVG, DOT, Mermaid and CSV never disagree.
 */
import type { MapEdge, MapModel, MapNode, ProbeVerdict, RoadVerdict } from '../map/model.js';
import { drawnVerdict } from './draw-style.js';

/** Overlays toggled in the app; exports draw the same ones. All on by default. */
export interface ExportOverlays {
  /** Predicted verdicts and fences. */
  policy?: boolean;
  /** Observed verdicts and volume as width. */
  flows?: boolean;
  /** Probe markers. */
  probes?: boolean;
}

export type ResolvedOverlays = Required<ExportOverlays>;

export function resolveOverlays(o: ExportOverlays | undefined): ResolvedOverlays {
  return { policy: o?.policy ?? true, flows: o?.flows ?? true, probes: o?.probes ?? true };
}

export interface EdgeEvidence {
  predicted?: RoadVerdict;
  observed?: RoadVerdict;
  probed?: ProbeVerdict;
}

/** The evidence an edge shows under the active overlays. */
export function visibleEvidence(e: MapEdge, o: ResolvedOverlays): EdgeEvidence {
  return {
    predicted: o.policy ? e.predicted : undefined,
    observed: o.flows ? e.observed : undefined,
    probed: o.probes ? e.probed : undefined,
  };
}

/**
 * The verdict that styles the line, by the viewer's rule (observed, then probed, then predicted)
 * applied to what the active overlays show. Undefined: no visible evidence, the road is left out.
 */
export function lineVerdict(e: MapEdge, o: ResolvedOverlays): RoadVerdict | undefined {
  const v = visibleEvidence(e, o);
  if (!v.observed && !v.predicted && !v.probed) return undefined;
  return drawnVerdict(v);
}

export function describeEdge(e: MapEdge, labelOf: (id: string) => string): string {
  const parts = [`${labelOf(e.source)} → ${labelOf(e.target)}`];
  if (e.label) parts.push(e.label);
  if (e.predicted) parts.push(`predicted ${e.predicted}`);
  if (e.observed) parts.push(`observed ${e.observed}`);
  if (e.probed) parts.push(`probe ${e.probed}`);
  if (e.volume) parts.push(`${e.volume} flows${e.dropped ? `, ${e.dropped} dropped` : ''}`);
  return parts.join(' · ');
}

/** Index of nodes by id, plus each node's ancestor of a given kind. */
export class NodeIndex {
  readonly byId = new Map<string, MapNode>();
  constructor(readonly map: MapModel) {
    for (const n of map.nodes) this.byId.set(n.id, n);
  }
  get(id: string): MapNode | undefined {
    return this.byId.get(id);
  }
  label(id: string): string {
    return this.byId.get(id)?.label ?? id;
  }
  /** The nearest node (itself included) whose kind is in `kinds`, walking up parents. */
  ancestorOfKind(id: string, kinds: ReadonlySet<MapNode['kind']>): MapNode | undefined {
    let n = this.byId.get(id);
    for (let guard = 0; n && guard < 16; guard++) {
      if (kinds.has(n.kind)) return n;
      n = n.parent ? this.byId.get(n.parent) : undefined;
    }
    return undefined;
  }
  districtOf(id: string): MapNode | undefined {
    return this.ancestorOfKind(id, DISTRICT);
  }
}

const DISTRICT = new Set<MapNode['kind']>(['district']);
/** Graph formats draw blocks, highways and outskirts; houses fold into their block. */
export const GRAPH_KINDS = new Set<MapNode['kind']>(['block', 'highway', 'outskirt']);

export interface FoldedEdge {
  source: string;
  target: string;
  kind: MapEdge['kind'];
  verdict: RoadVerdict;
  /** Every allowed road folded here is open only because the road builder does not enforce its policies. */
  unenforced: boolean;
  evidence: EdgeEvidence;
  ports: number[];
  labels: string[];
  volume: number;
  dropped: number;
}

const VERDICT_RANK: Record<RoadVerdict, number> = { denied: 3, unknown: 2, allowed: 1 };

/**
 * Folds edges onto graph-level nodes (house roads become block roads), merging parallel edges:
 * volumes add up and the worst verdict wins, so a denied house road is never hidden by an allowed one.
 */
export function foldEdges(map: MapModel, index: NodeIndex, o: ResolvedOverlays, kinds = GRAPH_KINDS): FoldedEdge[] {
  const folded = new Map<string, FoldedEdge>();
  for (const e of map.edges) {
    const verdict = e.kind === 'highway-link' ? 'allowed' : lineVerdict(e, o);
    if (!verdict) continue;
    const s = index.ancestorOfKind(e.source, kinds);
    const t = index.ancestorOfKind(e.target, kinds);
    if (!s || !t || s.id === t.id) continue;
    const key = `${e.kind}\u0000${s.id}\u0000${t.id}`;
    const ev = visibleEvidence(e, o);
    const f = folded.get(key);
    if (!f) {
      folded.set(key, { source: s.id, target: t.id, kind: e.kind, verdict, unenforced: e.flags.includes('unenforced'), evidence: { ...ev }, ports: [...e.ports],
        labels: e.label ? [e.label] : [], volume: e.volume, dropped: e.dropped });
      continue;
    }
    if (VERDICT_RANK[verdict] > VERDICT_RANK[f.verdict]) f.verdict = verdict;
    f.unenforced &&= e.flags.includes('unenforced');
    f.evidence.predicted = worse(f.evidence.predicted, ev.predicted);
    f.evidence.observed = worse(f.evidence.observed, ev.observed);
    f.evidence.probed = worseProbe(f.evidence.probed, ev.probed);
    for (const p of e.ports) if (!f.ports.includes(p)) f.ports.push(p);
    if (e.label && !f.labels.includes(e.label)) f.labels.push(e.label);
    f.volume += e.volume;
    f.dropped += e.dropped;
  }
  return [...folded.values()];
}

function worse(a: RoadVerdict | undefined, b: RoadVerdict | undefined): RoadVerdict | undefined {
  if (!a) return b;
  if (!b) return a;
  return VERDICT_RANK[b] > VERDICT_RANK[a] ? b : a;
}

const PROBE_RANK: Record<ProbeVerdict, number> = { mismatch: 3, blocked: 2, ok: 1 };
function worseProbe(a: ProbeVerdict | undefined, b: ProbeVerdict | undefined): ProbeVerdict | undefined {
  if (!a) return b;
  if (!b) return a;
  return PROBE_RANK[b] > PROBE_RANK[a] ? b : a;
}

/** Above this many block roads, drawings and graphs show roads aggregated between districts. */
export const AUTO_DISTRICT_ROADS = 4000;

const DISTRICT_LEVEL_KINDS = new Set<MapNode['kind']>(['district', 'outskirt']);
const VERDICT_ORDER: Record<RoadVerdict, number> = { denied: 0, unknown: 1, allowed: 2 };

export interface GraphPlan {
  level: 'blocks' | 'districts';
  /** Nodes inside each district (blocks level); empty at districts level. */
  clusters: Array<{ district: MapNode; nodes: MapNode[] }>;
  /** Nodes outside any cluster: outskirts, and the districts themselves at districts level. */
  loose: MapNode[];
  edges: FoldedEdge[];
  /** Roads left out by maxEdges (the least telling: allowed and quiet first). */
  omitted: number;
}

/**
 * What a graph format (DOT, Mermaid) draws: blocks in district clusters, or, for very large
 * cities, districts and outskirts only; at most maxEdges edges, denied and busy roads kept first.
 */
export function graphPlan(
  map: MapModel,
  index: NodeIndex,
  o: ResolvedOverlays,
  opts: { roads?: 'auto' | 'blocks' | 'districts'; autoAbove?: number; maxEdges?: number } = {},
): GraphPlan {
  const roadCount = map.edges.filter((e) => e.kind === 'road').length;
  const level = opts.roads === 'blocks' || opts.roads === 'districts' ? opts.roads : roadCount > (opts.autoAbove ?? AUTO_DISTRICT_ROADS) ? 'districts' : 'blocks';
  let edges: FoldedEdge[];
  const clusters: GraphPlan['clusters'] = [];
  const loose: MapNode[] = [];
  if (level === 'districts') {
    edges = foldEdges(map, index, o, DISTRICT_LEVEL_KINDS).filter((e) => e.kind === 'road');
    // Outskirts nothing talks to (most nodes, at this scale) would only crowd the picture.
    const ends = new Set(edges.flatMap((e) => [e.source, e.target]));
    for (const n of map.nodes) if (n.kind === 'district' || (n.kind === 'outskirt' && ends.has(n.id))) loose.push(n);
  } else {
    edges = foldEdges(map, index, o);
    const byDistrict = new Map<string, MapNode[]>();
    for (const n of map.nodes) {
      if (!GRAPH_KINDS.has(n.kind)) continue;
      const d = index.districtOf(n.id);
      if (!d) loose.push(n);
      else byDistrict.set(d.id, [...(byDistrict.get(d.id) ?? []), n]);
    }
    for (const d of map.nodes) if (d.kind === 'district') clusters.push({ district: d, nodes: byDistrict.get(d.id) ?? [] });
  }
  let omitted = 0;
  const max = opts.maxEdges ?? Infinity;
  if (edges.length > max) {
    edges = [...edges].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || b.volume - a.volume);
    omitted = edges.length - max;
    edges = edges.slice(0, max);
  }
  return { level, clusters, loose, edges, omitted };
}
