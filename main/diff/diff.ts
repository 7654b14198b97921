/** diffSnapshots: everything that differs between snapshot A (before) and B (after). */
import { namespaceId, policyKey } from '../model/ids.js';
import type { PolicyObject, Snapshot } from '../model/types.js';
import { sameMeaning } from './canonical.js';
import { diffConnectivity, type ConnectivityContext } from './connectivity.js';
import { diffInventory } from './inventory.js';
import { diffPolicyRules, ruleCounts } from './policy-rules.js';
import { diffRoads } from './roads.js';
import type { ChangeKind, ConnectivityDiff, DiffOverlay, DiffSide, PolicyChange, SnapshotDiff } from './types.js';

export interface DiffOptions {
  /** Skip the policy-engine connectivity comparison (fast; e.g. huge clusters). */
  connectivity?: boolean;
  /** Replaces the connectivity computation (tests; or another engine). */
  connectivityFn?: (a: Snapshot, b: Snapshot, ctx: ConnectivityContext) => ConnectivityDiff;
  files?: { a?: string; b?: string };
}

const keyOf = (p: PolicyObject): string => policyKey(p.kind, p.name, p.namespace);

/** Policies added, removed, or changed in meaning (metadata such as resourceVersion is ignored). */
export function diffPolicies(a: PolicyObject[], b: PolicyObject[]): PolicyChange[] {
  const A = new Map(a.map((p) => [keyOf(p), p]));
  const B = new Map(b.map((p) => [keyOf(p), p]));
  const out: PolicyChange[] = [];
  const base = (p: PolicyObject) => {
    const c = { key: keyOf(p), kind: p.kind, name: p.name } as PolicyChange;
    if (p.namespace) c.namespace = p.namespace;
    return c;
  };
  for (const [k, p] of A) if (!B.has(k)) out.push({ ...base(p), change: 'removed', rules: [], summary: `removed (had ${ruleCounts(p)})` });
  for (const [k, q] of B) {
    const p = A.get(k);
    if (!p) {
      out.push({ ...base(q), change: 'added', rules: [], summary: `added (${ruleCounts(q)})` });
      continue;
    }
    const specA = { spec: p.manifest.spec, specs: p.manifest.specs, apiVersion: p.apiVersion };
    const specB = { spec: q.manifest.spec, specs: q.manifest.specs, apiVersion: q.apiVersion };
    if (sameMeaning(specA, specB)) continue;
    const rules = diffPolicyRules(p, q);
    if (rules.length === 0) continue;
    const counts = new Map<string, number>();
    for (const r of rules) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    const summary = [...counts].map(([kind, n]) => `${n} ${kind.replace('-', ' ')}`).join(', ');
    out.push({ ...base(q), change: 'changed', rules, summary: `changed: ${summary}` });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

const side = (s: Snapshot, file?: string): DiffSide => {
  const d: DiffSide = { id: s.id, name: s.name, cluster: s.cluster.name, createdAt: s.createdAt };
  if (file) d.file = file;
  return d;
};

export function diffSnapshots(a: Snapshot, b: Snapshot, opts: DiffOptions = {}): SnapshotDiff {
  const inv = diffInventory(a, b);
  const policies = diffPolicies(a.policies, b.policies);
  const roads = diffRoads(a.roads, b.roads);
  const ctx: ConnectivityContext = {
    policies,
    inventory: [...inv.namespaces, ...inv.nodes, ...inv.workloads, ...inv.pods, ...inv.services],
  };
  let connectivity: ConnectivityDiff;
  if (opts.connectivity === false) connectivity = { status: 'skipped', reason: 'not requested', changes: [], pairsCompared: 0 };
  else {
    try {
      connectivity = (opts.connectivityFn ?? diffConnectivity)(a, b, ctx);
    } catch (err) {
      connectivity = { status: 'unavailable', reason: `policy engine failed: ${(err as Error).message}`, changes: [], pairsCompared: 0 };
    }
  }

  const overlay: DiffOverlay = { peers: {}, roads: {}, policies: {}, connectivity: [] };
  for (const e of ctx.inventory) overlay.peers[e.id] = e.change;
  for (const r of roads) overlay.roads[r.id] = r.change;
  for (const p of policies) overlay.policies[p.key] = p.change;
  for (const c of connectivity.changes) overlay.connectivity.push({ src: c.src, dst: c.dst, change: c.change });
  // A namespace whose policies changed is marked changed on the map even if its labels did not.
  for (const p of policies) if (p.namespace && !overlay.peers[namespaceId(p.namespace)]) overlay.peers[namespaceId(p.namespace)] = 'changed';

  const count = <T extends { change: string }>(list: T[]) => {
    const c: Record<string, number> = {};
    for (const x of list) c[x.change] = (c[x.change] ?? 0) + 1;
    return c as Partial<Record<ChangeKind, number>>;
  };
  return {
    a: side(a, opts.files?.a),
    b: side(b, opts.files?.b),
    sameCluster: a.cluster.name === b.cluster.name && (a.cluster.server ?? '') === (b.cluster.server ?? ''),
    ...inv,
    policies,
    roads,
    connectivity,
    overlay,
    summary: {
      namespaces: count(inv.namespaces),
      nodes: count(inv.nodes),
      workloads: count(inv.workloads),
      pods: count(inv.pods),
      services: count(inv.services),
      policies: count(policies),
      roads: count(roads),
      connectivity: count(connectivity.changes),
    },
  };
}

/** True when the two snapshots differ in anything the diff reports. */
export function hasChanges(d: SnapshotDiff): boolean {
  return (
    d.namespaces.length + d.nodes.length + d.workloads.length + d.pods.length + d.services.length + d.policies.length + d.roads.length + d.connectivity.changes.length >
    0
  );
}
