/** Pages of raw flows for the flows table: all, one road's, or one peer's, newest first. */
import type { FlowPage } from '../api/contract.js';
import { roadOf } from '../flows/aggregate.js';
import type { MapModel } from '../map/model.js';
import type { FlowRecord, Snapshot } from '../model/types.js';

export function flowPage(
  s: Snapshot,
  map: MapModel,
  q: { edgeId?: string; peer?: string; window?: { from?: number; to?: number }; offset?: number; limit?: number },
): FlowPage {
  let match: (f: FlowRecord) => boolean = () => true;
  if (q.edgeId) {
    const edge = map.edges.find((e) => e.id === q.edgeId) ?? map.districtRoads?.find((e) => e.id === q.edgeId);
    if (!edge) throw new Error(`road ${q.edgeId}: not on this map; refresh the city`);
    const keys = new Set(edge.roadKeys);
    match = (f) => keys.has(roadOf(f).key);
  } else if (q.peer) {
    const peer = q.peer;
    const children = new Set(map.nodes.filter((n) => n.parent === peer).map((n) => n.id));
    const hit = (p: string | undefined) => p === peer || (p !== undefined && children.has(p));
    match = (f) => hit(f.src.peer) || hit(f.dst.peer) || hit(f.src.workload) || hit(f.dst.workload);
  }
  const from = q.window?.from ?? -Infinity;
  const to = q.window?.to ?? Infinity;
  const rows: FlowRecord[] = [];
  let total = 0;
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 200;
  for (let i = s.flows.length - 1; i >= 0; i--) {
    const f = s.flows[i];
    if (f.time < from || f.time > to || !match(f)) continue;
    if (total >= offset && rows.length < limit) rows.push(f);
    total++;
  }
  return { total, rows };
}
