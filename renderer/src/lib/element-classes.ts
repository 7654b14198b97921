/**
 * The classes each canvas element carries for the overlays, filters, focus, diff and zoom level
 * the user has on. Pure: the map view compares the result with what an element has and touches
 * only the elements that change (every class change makes Cytoscape restyle the element, which is
 * what costs time in a 10,000-pod city).
 */
import type { WireEdge, WireMapModel, MapNode } from '../../../main/map/model';
import { edgeLook, edgePasses, nodePasses, type Filters, type Level, type Overlays } from './overlays';

export interface ClassContext {
  overlays: Overlays;
  filters: Filters;
  level: Level;
  nodes: Map<string, MapNode>;
  edges: Map<string, WireEdge>;
  /** With a focus: the elements that stay bright (all others are faded). */
  keep?: Set<string>;
  diff?: { added: Set<string>; removed: Set<string>; changed: Set<string> };
}

/** Lookups of a model, built once per model (not per change). */
export function modelIndex(model: WireMapModel): { nodes: Map<string, MapNode>; edges: Map<string, WireEdge> } {
  return {
    nodes: new Map(model.nodes.map((n) => [n.id, n])),
    edges: new Map([...model.edges, ...(model.districtRoads ?? [])].map((e) => [e.id, e])),
  };
}

/** The classes an element keeps whatever the overlays (from its element definition). */
export function fixedClasses(group: 'nodes' | 'edges', classes: string | undefined): string[] {
  const all = (classes ?? '').split(/\s+/).filter(Boolean);
  // A road's mismatch mark depends on the overlays: set per change.
  return group === 'edges' && all.includes('road') ? all.filter((c) => c !== 'mismatch') : all;
}

const LEVEL_HIDDEN: Record<Level, (fixed: string[], group: 'nodes' | 'edges') => boolean> = {
  districts: (c, g) => (g === 'nodes' ? c.includes('block') || c.includes('house') || c.includes('highway') || c.includes('lbl-blocks') : c.includes('broad') || c.includes('link')),
  blocks: (c, g) => (g === 'nodes' ? c.includes('house') || c.includes('lbl-districts') : c.includes('droad')),
  houses: (c, g) => (g === 'nodes' ? c.includes('lbl-districts') : c.includes('droad')),
};

/** Whether a road shows under the overlays and filters. */
export function roadVisible(e: WireEdge, ctx: ClassContext): boolean {
  const look = edgeLook(e, ctx.overlays);
  return look.visible && edgePasses(e, look, ctx.filters, ctx.nodes);
}

/** The element's classes now: its fixed ones plus those the current view sets. */
export function classesOf(id: string, group: 'nodes' | 'edges', fixed: string[], ctx: ClassContext): string[] {
  const out = [...fixed];
  if (group === 'edges') {
    const e = ctx.edges.get(id);
    if (e && e.kind === 'road') {
      const look = edgeLook(e, ctx.overlays);
      out.push(`v-${look.verdict}`, `e-${look.evidence}`);
      if (look.probed) out.push('probed');
      if (look.mismatch) out.push('mismatch');
      if (!(look.visible && edgePasses(e, look, ctx.filters, ctx.nodes))) out.push('hidden');
    }
  } else if (fixed.includes('road-label')) {
    const road = ctx.edges.get(id.slice('label:'.length));
    if (!road || !roadVisible(road, ctx)) out.push('hidden');
  } else {
    const n = ctx.nodes.get(id);
    if (n) {
      if (!nodePasses(n, ctx.filters, ctx.nodes)) out.push('hidden');
      if (n.kind === 'house' && ctx.overlays.policy) out.push('fences-on');
      if (n.kind === 'district' && ctx.level === 'districts') out.push('level-districts');
    }
  }
  if (LEVEL_HIDDEN[ctx.level](fixed, group)) out.push('lvl-hidden');
  if (ctx.keep && !ctx.keep.has(id)) out.push('faded');
  if (ctx.diff) {
    if (ctx.diff.added.has(id)) out.push('diff-added');
    if (ctx.diff.removed.has(id)) out.push('diff-removed');
    if (ctx.diff.changed.has(id)) out.push('diff-changed');
  }
  return out;
}

/** A road's drawn width: by volume with the flows overlay on, else uniform. */
export function widthOf(vwidth: number, o: Overlays): number {
  return o.flows ? vwidth : 2;
}
