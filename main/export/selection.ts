/**
 * Cuts a map down to a selection: the chosen nodes, everything inside them, their roads, the
 * nodes at the other end of those roads, and the districts/blocks that frame them.
 */
import type { MapModel, MapNode } from '../map/model.js';

export class SelectionError extends Error {
  override name = 'SelectionError';
}

export function selectMap(map: MapModel, ids: readonly string[]): MapModel {
  if (ids.length === 0) return map;
  const byId = new Map(map.nodes.map((n) => [n.id, n] as const));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) {
    const sample = map.nodes.slice(0, 5).map((n) => n.id).join(', ');
    throw new SelectionError(
      `selection: ${missing.map((m) => `'${m}'`).join(', ')} not in the map (node ids look like: ${sample}); check the ids or export the whole city`,
    );
  }
  const children = new Map<string, string[]>();
  for (const n of map.nodes) {
    if (!n.parent) continue;
    const list = children.get(n.parent) ?? [];
    list.push(n.id);
    children.set(n.parent, list);
  }
  // The selection proper: chosen nodes and everything inside them.
  const core = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    if (core.has(id)) continue;
    core.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  const edges = map.edges.filter((e) => core.has(e.source) || core.has(e.target));
  const keep = new Set(core);
  for (const e of edges) {
    keep.add(e.source);
    keep.add(e.target);
  }
  // Frame every kept node with its ancestors so it sits in its district.
  for (const id of [...keep]) {
    let p = byId.get(id)?.parent;
    for (let guard = 0; p && guard < 16 && !keep.has(p); guard++) {
      keep.add(p);
      p = byId.get(p)?.parent;
    }
  }
  const nodes = map.nodes.filter((n) => keep.has(n.id));
  return {
    ...map,
    // District roads summarise the whole city; a selection is small enough for its own roads.
    districtRoads: undefined,
    nodes,
    edges: edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
    bounds: boundsOf(nodes) ?? map.bounds,
    counts: countNodes(nodes, edges),
  };
}

export function boundsOf(nodes: readonly MapNode[]): MapModel['bounds'] | undefined {
  if (!nodes.length) return undefined;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    x0 = Math.min(x0, n.x - n.w / 2);
    y0 = Math.min(y0, n.y - n.h / 2);
    x1 = Math.max(x1, n.x + n.w / 2);
    y1 = Math.max(y1, n.y + n.h / 2);
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function countNodes(nodes: readonly MapNode[], edges: MapModel['edges']): MapModel['counts'] {
  const c = { districts: 0, blocks: 0, houses: 0, highways: 0, outskirts: 0, roads: 0, deniedRoads: 0 };
  for (const n of nodes) {
    if (n.kind === 'district') c.districts++;
    else if (n.kind === 'block') c.blocks++;
    else if (n.kind === 'house') c.houses++;
    else if (n.kind === 'highway') c.highways++;
    else c.outskirts++;
  }
  for (const e of edges) {
    if (e.kind !== 'road') continue;
    c.roads++;
    if (e.predicted === 'denied' || e.observed === 'denied') c.deniedRoads++;
  }
  return c;
}
