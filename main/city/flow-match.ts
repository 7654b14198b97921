/**
 * Do these flows belong to this city? Imported flows from another cluster's capture would be
 * merged into roads between pods the city does not have. Compares a sample of the flows' pod
 * endpoints with the city's inventory. Pure.
 */
import { parsePeerId } from '../model/ids.js';
import type { FlowRecord, Snapshot } from '../model/types.js';

export interface FlowMatch {
  /** Flows looked at. */
  sampled: number;
  /** Of those, flows with at least one pod endpoint (the rest are world/host only and prove nothing). */
  withPods: number;
  /** Flows with a pod endpoint the city knows (by namespace and pod name). */
  matched: number;
  /** Namespaces of the sampled flows that the city does not have, most frequent first (at most 10). */
  unknownNamespaces: string[];
  /** The city has an inventory to compare against and fewer than half of the pod flows match it. */
  foreign: boolean;
}

export function matchFlows(city: Pick<Snapshot, 'pods' | 'namespaces'>, flows: Iterable<FlowRecord>): FlowMatch {
  const pods = new Set(city.pods.map((p) => `${p.namespace}/${p.name}`));
  const namespaces = new Set(city.namespaces.map((n) => n.name));
  const unknown = new Map<string, number>();
  let sampled = 0;
  let withPods = 0;
  let matched = 0;
  for (const f of flows) {
    sampled++;
    let pod = false;
    let known = false;
    for (const e of [f.src, f.dst]) {
      const p = parsePeerId(e.peer);
      if (p.type !== 'pod' || !p.namespace) continue;
      pod = true;
      if (pods.has(`${p.namespace}/${p.name}`)) known = true;
      else if (!namespaces.has(p.namespace)) unknown.set(p.namespace, (unknown.get(p.namespace) ?? 0) + 1);
    }
    if (pod) withPods++;
    if (known) matched++;
  }
  return {
    sampled,
    withPods,
    matched,
    unknownNamespaces: [...unknown.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10).map(([n]) => n),
    foreign: city.pods.length > 0 && withPods > 0 && matched * 2 < withPods,
  };
}
