/** Inventory diff: namespaces, nodes, workloads, pods and services added, removed or changed. */
import { namespaceId, nodeId, podId, serviceId, workloadId } from '../model/ids.js';
import type { Labels, Snapshot } from '../model/types.js';
import { canonicalText, canonical } from './canonical.js';
import type { EntityChange, EntityType, FieldChange } from './types.js';

type Fields<T> = Record<string, (x: T) => unknown>;

function labelChanges(prefix: string, a: Labels | undefined, b: Labels | undefined): FieldChange[] {
  const out: FieldChange[] = [];
  const x = a ?? {};
  const y = b ?? {};
  for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    if (x[k] === y[k]) continue;
    const c: FieldChange = { field: `${prefix}.${k}` };
    if (k in x) c.before = x[k];
    if (k in y) c.after = y[k];
    out.push(c);
  }
  return out;
}

/**
 * Compares two lists of one entity type by id. `labels` names label-map fields (compared per
 * key), `fields` the others (compared by meaning, order of lists ignored).
 */
function diffEntities<T>(type: EntityType, a: T[], b: T[], id: (x: T) => string, labels: Fields<T>, fields: Fields<T>): EntityChange[] {
  const A = new Map(a.map((x) => [id(x), x]));
  const B = new Map(b.map((x) => [id(x), x]));
  const out: EntityChange[] = [];
  for (const k of A.keys()) if (!B.has(k)) out.push({ type, id: k, change: 'removed', fields: [] });
  for (const [k, y] of B) {
    const x = A.get(k);
    if (!x) {
      out.push({ type, id: k, change: 'added', fields: [] });
      continue;
    }
    const changes: FieldChange[] = [];
    for (const [name, get] of Object.entries(labels)) changes.push(...labelChanges(name, get(x) as Labels, get(y) as Labels));
    for (const [name, get] of Object.entries(fields)) {
      const before = get(x);
      const after = get(y);
      if (canonicalText(canonical(before)) !== canonicalText(canonical(after))) changes.push({ field: name, before, after });
    }
    if (changes.length) out.push({ type, id: k, change: 'changed', fields: changes });
  }
  return out.sort((p, q) => (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
}

export interface InventoryDiff {
  namespaces: EntityChange[];
  nodes: EntityChange[];
  workloads: EntityChange[];
  pods: EntityChange[];
  services: EntityChange[];
}

export function diffInventory(a: Snapshot, b: Snapshot): InventoryDiff {
  return {
    namespaces: diffEntities('namespace', a.namespaces, b.namespaces, (n) => namespaceId(n.name), { labels: (n) => n.labels }, {}),
    nodes: diffEntities(
      'node',
      a.nodes,
      b.nodes,
      (n) => nodeId(n.name),
      { labels: (n) => n.labels },
      { addresses: (n) => n.addresses, podCIDRs: (n) => n.podCIDRs, ready: (n) => n.ready },
    ),
    workloads: diffEntities(
      'workload',
      a.workloads,
      b.workloads,
      (w) => workloadId(w.namespace, w.kind, w.name),
      { labels: (w) => w.labels, podLabels: (w) => w.podLabels },
      { replicas: (w) => w.replicas },
    ),
    pods: diffEntities(
      'pod',
      a.pods,
      b.pods,
      (p) => podId(p.namespace, p.name),
      { labels: (p) => p.labels },
      { phase: (p) => p.phase, node: (p) => p.node, ips: (p) => p.ips, hostNetwork: (p) => p.hostNetwork, ports: (p) => p.ports, owner: (p) => p.owner },
    ),
    services: diffEntities(
      'service',
      a.services,
      b.services,
      (s) => serviceId(s.namespace, s.name),
      { selector: (s) => s.selector },
      {
        type: (s) => s.type,
        clusterIPs: (s) => s.clusterIPs,
        externalName: (s) => s.externalName,
        ports: (s) => s.ports,
        // Endpoints by address and readiness: pod names churn with every rollout.
        endpoints: (s) => s.endpoints.map((e) => `${e.ip}${e.ready ? '' : ' (not ready)'}`),
      },
    ),
  };
}
