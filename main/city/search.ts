/**
 * Search a city: workloads, services, pods, namespaces, outskirts (IPs, ranges) and policies, by
 * name, IP and label (`app=cart` finds what carries or selects that label: the workload first).
 * Hits are ranked (exact, prefix, substring), then ordered by kind, so the UI can group them.
 */
import type { SearchHit } from '../api/contract.js';
import type { MapModel } from '../map/model.js';
import { namespaceId, podId, serviceId, workloadId } from '../model/ids.js';
import type { Labels, Snapshot } from '../model/types.js';

export const SEARCH_KIND_ORDER: SearchHit['kind'][] = ['workload', 'service', 'namespace', 'pod', 'outskirt', 'policy'];

const labelTexts = (...sets: (Labels | undefined)[]): string[] => sets.flatMap((l) => Object.entries(l ?? {}).map(([k, v]) => `${k}=${v}`));

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
  /** Names and IPs, then labels: a label hit says which label matched. */
  const add = (hit: SearchHit, texts: string[], labels: string[] = []) => {
    const best = Math.max(0, ...texts.map(score));
    const label = labels.map((l) => [l, score(l)] as const).reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as const);
    if (best >= label[1] && best > 0) hits.push({ ...hit, score: best });
    else if (label[1] > 0) hits.push({ ...hit, detail: `${hit.detail} · label ${label[0]}`, score: label[1] });
  };
  for (const n of s.namespaces) add({ id: namespaceId(n.name), kind: 'namespace', label: n.name, detail: 'namespace' }, [n.name], labelTexts(n.labels));
  for (const w of s.workloads)
    add(
      { id: workloadId(w.namespace, w.kind, w.name), kind: 'workload', label: `${w.namespace}/${w.name}`, detail: w.kind },
      [w.name, `${w.namespace}/${w.name}`],
      labelTexts(w.podLabels, w.labels),
    );
  for (const svc of s.services)
    add(
      { id: serviceId(svc.namespace, svc.name), kind: 'service', label: `${svc.namespace}/${svc.name}`, detail: `service ${svc.clusterIPs.join(', ')}` },
      [svc.name, `${svc.namespace}/${svc.name}`, ...svc.clusterIPs],
      labelTexts(svc.selector),
    );
  for (const p of s.pods)
    add(
      { id: podId(p.namespace, p.name), kind: 'pod', label: `${p.namespace}/${p.name}`, detail: `${p.ips.join(', ')} · ${p.phase}` },
      [p.name, `${p.namespace}/${p.name}`, ...p.ips],
      labelTexts(p.labels),
    );
  for (const n of map.nodes)
    if (n.kind === 'outskirt') add({ id: n.id, kind: 'outskirt', label: n.label, detail: n.meta.type ?? 'outskirt' }, [n.label, n.id]);
  for (const pol of s.policies) {
    const label = pol.namespace ? `${pol.namespace}/${pol.name}` : pol.name;
    add({ id: pol.namespace ? namespaceId(pol.namespace) : 'world', kind: 'policy', label, detail: pol.kind }, [pol.name, label]);
  }
  const rank = (k: SearchHit['kind']) => SEARCH_KIND_ORDER.indexOf(k);
  hits.sort((a, b) => b.score - a.score || rank(a.kind) - rank(b.kind) || a.label.localeCompare(b.label));
  return hits.slice(0, limit).map(({ score: _score, ...h }) => h);
}
