/** Map model -> Cytoscape elements (preset positions; no layout ever runs in the renderer). */
import type { ElementDefinition } from 'cytoscape';
import type { MapEdge, MapModel, MapNode } from '../../../main/map/model';
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

export function nodeElement(n: MapNode): ElementDefinition {
  return {
    group: 'nodes',
    data: { id: n.id, label: n.label, kind: n.kind, owner: n.parent, w: n.w, h: n.h },
    position: { x: n.x, y: n.y },
    classes: nodeClasses(n).join(' '),
    grabbable: n.kind !== 'district',
  };
}

export function edgeElement(e: MapEdge, districtLevel = false): ElementDefinition {
  return {
    group: 'edges',
    data: { id: e.id, source: e.source, target: e.target, label: e.label, width: roadWidth(e.volume), vwidth: roadWidth(e.volume), volume: e.volume },
    classes: [e.kind === 'road' ? 'road' : 'link', districtLevel ? 'droad' : 'broad', ...e.flags].join(' '),
  };
}

export function toElements(model: MapModel): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  for (const n of model.nodes) out.push(nodeElement(n));
  for (const e of model.edges) out.push(edgeElement(e));
  for (const e of model.districtRoads ?? []) out.push(edgeElement(e, true));
  return out;
}

/** Semantic-zoom layers: big cities add blocks and houses to the canvas only when zoomed in to them. */
export type Layer = 'base' | 'blocks' | 'houses';

export function layerOf(def: ElementDefinition): Layer {
  if (def.group === 'nodes') {
    const kind = def.data.kind as string;
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
