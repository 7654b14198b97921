/**
 * What the report says, computed from the snapshot and its map (pure): unprotected workloads,
 * top denied flows, probe mismatches, policies per namespace, road builder and snapshot facts.
 */
import type { MapModel } from '../map/model.js';
import { parsePeerId } from '../model/ids.js';
import type { Finding, RoadAggregate, Snapshot } from '../model/types.js';
import { NodeIndex } from './encoding.js';

export interface UnprotectedWorkload {
  id: string;
  namespace: string;
  name: string;
  pods: number;
  /** Directions no policy isolates. */
  open: Array<'ingress' | 'egress'>;
  source: 'map' | 'finding';
}

export interface DeniedFlow {
  src: string;
  dst: string;
  protocol: string;
  port?: number;
  count: number;
  reasons: string;
  deniedBy: string[];
  lastSeen: number;
}

export interface ProbeMismatch {
  src: string;
  dst: string;
  ports: string;
  predicted?: string;
  probed: string;
  detail: string;
}

export interface NamespacePolicies {
  namespace: string;
  byKind: Array<{ kind: string; names: string[] }>;
  total: number;
}

export interface ReportFacts {
  unprotected: UnprotectedWorkload[];
  deniedFlows: DeniedFlow[];
  deniedFlowsTotal: number;
  mismatches: ProbeMismatch[];
  policies: NamespacePolicies[];
  findings: Finding[];
  counts: Record<string, number>;
}

export function computeReportFacts(snapshot: Snapshot, map: MapModel, roads: readonly RoadAggregate[], topDenied = 25): ReportFacts {
  const index = new NodeIndex(map);
  const label = (id: string) => {
    const n = index.get(id);
    if (n) return n.kind === 'block' || n.kind === 'house' ? `${index.districtOf(id)?.label ?? ''}/${n.label}` : n.label;
    const p = parsePeerId(id);
    return p.namespace ? `${p.namespace}/${p.name}` : p.name;
  };

  // Unprotected: a block with a house that no policy fences, by direction.
  const blocks = new Map<string, UnprotectedWorkload>();
  for (const h of map.nodes) {
    if (h.kind !== 'house' || !h.parent) continue;
    const b = index.get(h.parent);
    if (!b || b.kind !== 'block') continue;
    const open: Array<'ingress' | 'egress'> = [];
    if (!h.fence?.ingress) open.push('ingress');
    if (!h.fence?.egress) open.push('egress');
    let u = blocks.get(b.id);
    if (!u) {
      const p = parsePeerId(b.id);
      u = { id: b.id, namespace: p.namespace ?? index.districtOf(b.id)?.label ?? '', name: b.label, pods: 0, open: [], source: 'map' };
      blocks.set(b.id, u);
    }
    u.pods++;
    for (const d of open) if (!u.open.includes(d)) u.open.push(d);
  }
  const unprotected = [...blocks.values()].filter((u) => u.open.includes('ingress'));
  for (const f of snapshot.findings) {
    if (f.kind !== 'unprotected-workload' || !f.target || blocks.get(f.target)?.open.includes('ingress')) continue;
    if (blocks.size && !blocks.has(f.target)) continue; // outside the exported selection
    const p = parsePeerId(f.target);
    unprotected.push({ id: f.target, namespace: p.namespace ?? '', name: p.name, pods: 0, open: ['ingress'], source: 'finding' });
  }
  unprotected.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  const denied = roads.filter((r) => r.verdict === 'DROPPED').sort((a, b) => b.count - a.count);
  const deniedFlows = denied.slice(0, topDenied).map((r) => ({
    src: label(r.src), dst: label(r.dst), protocol: r.protocol, port: r.port, count: r.count,
    reasons: Object.entries(r.dropReasons).map(([k, n]) => `${k} (${n})`).join(', '), deniedBy: r.deniedBy, lastSeen: r.lastSeen,
  }));

  // Evidence that disagrees with the policies: probes (and probes among themselves), and observed
  // traffic against the prediction (build flags those edges 'mismatch'; City adds a finding with why).
  const why = new Map(snapshot.findings.filter((f) => f.kind === 'mismatch' && f.target).map((f) => [f.target!, f.detail] as const));
  const mismatches: ProbeMismatch[] = map.edges
    .filter((e) => e.kind === 'road' && (e.probed === 'mismatch' || e.flags.includes('mismatch')))
    .map((e) => ({
      src: label(e.source),
      dst: label(e.target),
      ports: e.label,
      predicted: e.predicted,
      probed: [e.observed && `observed ${e.observed}`, e.probed && `probe ${e.probed}`].filter(Boolean).join(', '),
      detail: why.get(e.id) ?? (e.probed === 'mismatch' ? 'probes of this road disagree with each other or with the prediction' : ''),
    }));
  const listed = new Set(map.edges.filter((e) => e.probed === 'mismatch' || e.flags.includes('mismatch')).map((e) => e.id));
  for (const f of snapshot.findings) {
    if (f.kind !== 'mismatch' || (f.target && listed.has(f.target))) continue;
    // Outside the exported map (a selection): its target is neither a drawn road nor a drawn place.
    if (f.target && !index.get(f.target) && !map.edges.some((e) => e.id === f.target)) continue;
    mismatches.push({ src: f.title, dst: '', ports: '', probed: '', detail: f.detail });
  }

  const nsMap = new Map<string, Map<string, string[]>>();
  for (const p of snapshot.policies) {
    const ns = p.namespace ?? '(cluster-wide)';
    const kinds = nsMap.get(ns) ?? new Map<string, string[]>();
    kinds.set(p.kind, [...(kinds.get(p.kind) ?? []), p.name]);
    nsMap.set(ns, kinds);
  }
  for (const ns of snapshot.namespaces) if (!nsMap.has(ns.name)) nsMap.set(ns.name, new Map());
  const policies = [...nsMap.entries()]
    .map(([namespace, kinds]) => ({
      namespace,
      byKind: [...kinds.entries()].map(([kind, names]) => ({ kind, names: names.sort() })).sort((a, b) => a.kind.localeCompare(b.kind)),
      total: [...kinds.values()].reduce((n, l) => n + l.length, 0),
    }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace));

  const severityRank = { critical: 0, warning: 1, info: 2 } as const;
  return {
    unprotected,
    deniedFlows,
    deniedFlowsTotal: denied.length,
    mismatches,
    policies,
    findings: [...snapshot.findings].sort((a, b) => severityRank[a.severity] - severityRank[b.severity]),
    counts: {
      namespaces: snapshot.namespaces.length,
      workloads: snapshot.workloads.length,
      pods: snapshot.pods.length,
      services: snapshot.services.length,
      policies: snapshot.policies.length,
      'flows kept': snapshot.flows.length,
      roads: snapshot.roads.length,
      probes: snapshot.probes.length,
    },
  };
}
