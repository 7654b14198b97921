/** "Why": a road's verdicts from every source, and the policy explanation for each of its ports. */
import type { PortVerdict, RoadExplanation } from '../api/contract.js';
import type { MapModel } from '../map/model.js';
import type { Protocol, Snapshot } from '../model/types.js';
import type { EngineView } from './policy-adapter.js';
import { draftAllowPolicy } from './draft-policy.js';
import { policyYaml } from './details.js';
import { policyKey } from '../model/ids.js';
import { roadBuilderLabel } from '../cluster/cni-detect.js';

const L4: readonly string[] = ['TCP', 'UDP', 'SCTP'];

export function explainRoad(s: Snapshot, map: MapModel, engine: EngineView, edgeId: string): RoadExplanation {
  const edge = map.edges.find((e) => e.id === edgeId) ?? map.districtRoads?.find((e) => e.id === edgeId);
  if (!edge) throw new Error(`road ${edgeId}: not on this map (it may have vanished with a newer snapshot; refresh the city)`);
  const label = (id: string) => map.nodes.find((n) => n.id === id)?.label ?? id;
  const keys = new Set(edge.roadKeys);
  const roads = s.roads.filter((r) => keys.has(r.key));

  // Ports to explain: the observed ones, else what the label lists.
  const ports = new Map<string, { protocol: Protocol; port: number }>();
  for (const r of roads) if (r.port !== undefined && L4.includes(r.protocol)) ports.set(`${r.protocol}/${r.port}`, { protocol: r.protocol as Protocol, port: r.port });
  for (const part of edge.label.split(', ')) {
    const [proto, port] = part.split(' ');
    if (L4.includes(proto) && /^\d+$/.test(port ?? '')) ports.set(`${proto}/${port}`, { protocol: proto as Protocol, port: Number(port) });
    if (L4.includes(proto) && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(port ?? '') && !/^\d+$/.test(port)) {
      const first = Number(port.split(/[-,]/)[0]);
      ports.set(`${proto}/${first}`, { protocol: proto as Protocol, port: first });
    }
  }
  const isDistrictRoad = edge.id.startsWith('droad:');
  const portVerdicts: PortVerdict[] = isDistrictRoad
    ? []
    : [...ports.values()].slice(0, 20).map(({ protocol, port }) => engine.explain(edge.source, edge.target, protocol, port));

  const observed = roads.length
    ? {
        verdict: edge.observed ?? 'unknown',
        count: roads.reduce((n, r) => n + r.count, 0),
        dropped: roads.filter((r) => r.verdict === 'DROPPED').reduce((n, r) => n + r.count, 0),
        dropReasons: roads.reduce<Record<string, number>>((acc, r) => {
          for (const [k, v] of Object.entries(r.dropReasons)) acc[k] = (acc[k] ?? 0) + v;
          return acc;
        }, {}),
        allowedBy: [...new Set(roads.flatMap((r) => r.allowedBy))],
        deniedBy: [...new Set(roads.flatMap((r) => r.deniedBy))],
        ...(roads.some((r) => r.pendingBy?.length) ? { pendingBy: [...new Set(roads.flatMap((r) => r.pendingBy ?? []))] } : {}),
        firstSeen: Math.min(...roads.map((r) => r.firstSeen)),
        lastSeen: Math.max(...roads.map((r) => r.lastSeen)),
      }
    : undefined;
  const probed = s.probes.filter((p) => endsMatch(p.src, edge.source, map) && endsMatch(p.dst, edge.target, map));

  const disagreements: string[] = [];
  for (const pv of portVerdicts) {
    const obsRoads = roads.filter((r) => r.protocol === pv.protocol && r.port === pv.port);
    const obs = obsRoads.some((r) => r.verdict === 'DROPPED') ? 'denied' : obsRoads.length ? 'allowed' : undefined;
    if (obs && pv.predicted !== 'unknown' && obs !== pv.predicted) {
      disagreements.push(`${pv.protocol} ${pv.port}: policies say ${pv.predicted}, flows were ${obs}. ${likelyCause(s, obs, edge.source)}`);
    }
    for (const pr of probed.filter((p) => p.protocol === pv.protocol && p.port === pv.port)) {
      const probedVerdict = pr.outcome === 'connected' ? 'allowed' : 'denied';
      if (pv.predicted !== 'unknown' && probedVerdict !== pv.predicted)
        disagreements.push(`${pv.protocol} ${pv.port}: policies say ${pv.predicted}, the probe was ${pr.outcome}. ${likelyCause(s, probedVerdict, edge.source)}`);
    }
  }
  // Denied by the policies, yet traffic uses it: offer the policy that would allow it.
  const needed = portVerdicts.filter((pv) => pv.predicted === 'denied' && roads.some((r) => r.protocol === pv.protocol && r.port === pv.port));
  const draft = needed.length ? draftAllowPolicy(s, engine, edge.source, edge.target, needed.map((pv) => ({ protocol: pv.protocol as Protocol, port: pv.port }))) : undefined;
  // Policies the steps name (as their key, or "Kind ns/name" in the text).
  const texts = portVerdicts.flatMap((pv) => pv.steps.map((st) => `${st.policy ?? ''} ${st.text}`)).join('\n');
  const policies = s.policies
    .map((p) => ({ p, key: policyKey(p.kind, p.name, p.namespace), name: p.namespace ? `${p.namespace}/${p.name}` : p.name }))
    .filter(({ p, key, name }) => mentions(texts, key) || mentions(texts, `${p.kind} ${name}`))
    .map(({ p, key, name }) => ({ key, kind: p.kind, name, yaml: policyYaml(p) }));
  return {
    edgeId,
    draft,
    policies,
    source: { id: edge.source, label: label(edge.source) },
    target: { id: edge.target, label: label(edge.target) },
    observed,
    probed: probed.length ? probed : undefined,
    ports: portVerdicts,
    disagreements,
  };
}

/** `text` names `what` as a whole name (payments/default-deny is not payments/default-deny-ingress). */
function mentions(text: string, what: string): boolean {
  for (let i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) if (!/[\w.-]/.test(text[i + what.length] ?? '')) return true;
  return false;
}

function endsMatch(peer: string, node: string, map: MapModel): boolean {
  if (peer === node) return true;
  return map.nodes.find((n) => n.id === peer)?.parent === node;
}

function likelyCause(s: Snapshot, actual: 'allowed' | 'denied', source: string): string {
  if (actual === 'allowed' && s.roadBuilder.enforcesNetworkPolicy === false)
    return `Likely cause: the road builder (${roadBuilderLabel(s.roadBuilder)}) does not enforce NetworkPolicy.`;
  if (actual === 'allowed') {
    const hostNet = s.pods.some((p) => p.hostNetwork && source.includes(`/${p.owner?.name ?? p.name}`));
    if (hostNet) return 'Likely cause: a hostNetwork pod, which policies treat as its node.';
    return 'Likely causes: flows older than the policy (stale snapshot), or a policy kind the road builder does not apply.';
  }
  return 'Likely causes: a policy missing from this snapshot (another namespace, a kind NetCity could not read, not permitted to list), an L7 rule, or DNS.';
}
