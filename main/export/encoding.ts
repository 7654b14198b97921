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
      folded.set(key, { source: s.id, target: t.id, kind: e.kind, verdict, evidence: { ...ev }, ports: [...e.ports],
        labels: e.label ? [e.label] : [], volume: e.volume, dropped: e.dropped });
      continue;
    }
    if (VERDICT_RANK[verdict] > VERDICT_RANK[f.verdict]) f.verdict = verdict;
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
