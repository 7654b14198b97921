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
