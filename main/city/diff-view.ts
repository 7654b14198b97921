/**
 * The diff overlay's city: the "after" snapshot plus what the "before" one had and lost, so
 * removed houses and vanished roads can be drawn (in the removed style) where they were.
 */
import type { SnapshotDiff } from '../diff/index.js';
import type { MapModel } from '../map/model.js';
import { namespaceId, podId, serviceId, workloadId } from '../model/ids.js';
import type { Snapshot } from '../model/types.js';

export function mergeDiffCity(a: Snapshot, b: Snapshot, d: SnapshotDiff): Snapshot {
  const removed = new Set(Object.entries(d.overlay.peers).filter(([, c]) => c === 'removed').map(([id]) => id));
  const vanished = new Set(d.roads.filter((r) => r.change === 'vanished').flatMap((r) => r.before?.keys ?? []));
  return {
    ...b,
    namespaces: [...b.namespaces, ...a.namespaces.filter((n) => removed.has(namespaceId(n.name)))],
    workloads: [...b.workloads, ...a.workloads.filter((w) => removed.has(workloadId(w.namespace, w.kind, w.name)))],
    pods: [...b.pods, ...a.pods.filter((p) => removed.has(podId(p.namespace, p.name)))],
    services: [...b.services, ...a.services.filter((s) => removed.has(serviceId(s.namespace, s.name)))],
    roads: [...b.roads, ...a.roads.filter((r) => vanished.has(r.key))],
  };
}

/** Node and edge ids of the diff map to tint as added, removed or changed. */
export function diffMarks(d: SnapshotDiff, map: MapModel): { added: string[]; removed: string[]; changed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const nodeIds = new Set(map.nodes.map((n) => n.id));
  for (const [id, change] of Object.entries(d.overlay.peers)) {
    if (!nodeIds.has(id)) continue;
    (change === 'added' ? added : change === 'removed' ? removed : changed).push(id);
  }
  // Namespaces whose policies changed are marked changed too.
  for (const p of d.policies) {
    const id = p.namespace ? namespaceId(p.namespace) : undefined;
    if (id && nodeIds.has(id) && !added.includes(id) && !removed.includes(id) && !changed.includes(id)) changed.push(id);
  }
  const edgeOfKey = new Map<string, string>();
  for (const e of map.edges) for (const k of e.roadKeys) edgeOfKey.set(k, e.id);
  for (const r of d.roads) {
    const keys = [...(r.before?.keys ?? []), ...(r.after?.keys ?? [])];
    const edges = new Set(keys.map((k) => edgeOfKey.get(k)).filter((x): x is string => !!x));
    for (const e of edges) (r.change === 'new' ? added : r.change === 'vanished' ? removed : changed).push(e);
  }
  return { added: [...new Set(added)], removed: [...new Set(removed)], changed: [...new Set(changed)] };
}
