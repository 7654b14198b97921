/** Search a city: pods (name, IP, labels), workloads, services (name, cluster IP), namespaces, outskirts, policies. */
import type { SearchHit } from '../api/contract.js';
import type { MapModel } from '../map/model.js';
import { namespaceId, podId, serviceId, workloadId } from '../model/ids.js';
import type { Snapshot } from '../model/types.js';

export function searchCity(s: Snapshot, map: MapModel, query: string, limit = 50): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: (SearchHit & { score: number })[] = [];
  const score = (text: string): number => {
    const t = text.toLowerCase();
    if (t === q) return 3;
    if (t.startsWith(q)) return 2;
    return t.includes(q) ? 1 : 0;
  };
  const add = (hit: SearchHit, ...texts: string[]) => {
    const best = Math.max(0, ...texts.map(score));
    if (best > 0) hits.push({ ...hit, score: best });
  };
  for (const n of s.namespaces) add({ id: namespaceId(n.name), kind: 'namespace', label: n.name, detail: 'namespace' }, n.name);
  for (const w of s.workloads)
    add({ id: workloadId(w.namespace, w.kind, w.name), kind: 'workload', label: `${w.namespace}/${w.name}`, detail: w.kind }, w.name, `${w.namespace}/${w.name}`);
  for (const p of s.pods) {
    const labels = Object.entries(p.labels).map(([k, v]) => `${k}=${v}`);
    add(
      { id: podId(p.namespace, p.name), kind: 'pod', label: `${p.namespace}/${p.name}`, detail: `${p.ips.join(', ')} · ${p.phase}` },
      p.name,
      `${p.namespace}/${p.name}`,
      ...p.ips,
      ...labels,
    );
  }
  for (const svc of s.services)
    add(
      { id: serviceId(svc.namespace, svc.name), kind: 'service', label: `${svc.namespace}/${svc.name}`, detail: `service ${svc.clusterIPs.join(', ')}` },
      svc.name,
      `${svc.namespace}/${svc.name}`,
      ...svc.clusterIPs,
    );
  for (const n of map.nodes)
    if (n.kind === 'outskirt') add({ id: n.id, kind: 'outskirt', label: n.label, detail: n.meta.type ?? 'outskirt' }, n.label, n.id);
  for (const pol of s.policies) {
    const label = pol.namespace ? `${pol.namespace}/${pol.name}` : pol.name;
    add({ id: pol.namespace ? namespaceId(pol.namespace) : 'world', kind: 'policy', label, detail: pol.kind }, pol.name, label);
  }
  const rank: Record<SearchHit['kind'], number> = { workload: 0, service: 1, namespace: 2, pod: 3, policy: 4, outskirt: 5 };
  hits.sort((a, b) => b.score - a.score || rank[a.kind] - rank[b.kind] || a.label.localeCompare(b.label));
  return hits.slice(0, limit).map(({ score: _score, ...h }) => h);
}
