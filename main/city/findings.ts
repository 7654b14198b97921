/**
 * Findings the city computes from its own snapshot: unprotected workloads, denied flows,
 * policies selecting nothing, a road builder that does not enforce, and roads where the policies
 * and the observed traffic disagree. Each points at a place on the map.
 */
import { namespaceId, workloadId } from '../model/ids.js';
import { isEnforceablePolicy, type Finding, type Snapshot } from '../model/types.js';
import { workloadOfPod } from '../model/ids.js';
import type { EngineView } from './policy-adapter.js';
import { roadBuilderFindings, roadBuilderLabel } from '../cluster/cni-detect.js';
import { mismatchFindings } from '../probes/mismatch.js';

/**
 * A finding the city derives itself (its own `city:` findings, road-builder findings, every
 * mismatch). Files and snapshots written before findings were derived hold them: they are dropped
 * when a city opens (ignore-on-read) and recomputed, so they never go stale.
 */
export function isDerivedFinding(f: Finding): boolean {
  return f.id.startsWith('city:') || f.kind === 'mismatch';
}

/** The evidence of a snapshot: a copy without derived findings (positions and notes copied too: the city adds to them, the caller's object stays as it was). */
export function evidenceOf(s: Snapshot): Snapshot {
  return { ...s, findings: s.findings.filter((f) => !isDerivedFinding(f)), positions: { ...s.positions }, notes: [...s.notes] };
}

/**
 * Every finding of a city: the city's own (computeFindings), the mismatches between probe results,
 * observed traffic and the policies (when probes ran), and findings a source reported.
 */
export function derivedFindings(s: Snapshot, engine: () => EngineView): Finding[] {
  const own = computeFindings(s, engine);
  const probed = s.probes.length ? mismatchFindings({ snapshot: s, predict: (src, dst, proto, port) => ({ verdict: engine().verdict(src, dst, proto, port) }) }) : [];
  return [...own, ...probed, ...s.findings.filter((f) => !isDerivedFinding(f))];
}

const MAX_PER_KIND = 50;
const MAX_ROADS_CHECKED = 5000;

export function computeFindings(s: Snapshot, engine: () => EngineView): Finding[] {
  const out: Finding[] = [];
  const policyCount = s.policies.length;

  out.push(...roadBuilderFindings(s.roadBuilder, s.policies));
  if (policyCount === 0 && s.pods.length === 0) return out;
  const e = engine();

  // Denied traffic, busiest first.
  const dropped = s.roads.filter((r) => r.verdict === 'DROPPED').sort((a, b) => b.count - a.count);
  for (const r of dropped.slice(0, MAX_PER_KIND)) {
    const reasons = Object.keys(r.dropReasons).join(', ') || 'unknown reason';
    out.push({
      id: `city:denied:${r.key}`,
      severity: 'warning',
      kind: 'denied-flows',
      title: `${r.count} flows dropped: ${short(r.src)} → ${short(r.dst)} ${r.protocol}${r.port ? ` ${r.port}` : ''}`,
      detail: `Dropped (${reasons})${r.deniedBy.length ? ` by ${r.deniedBy.join(', ')}` : ''}. Click the road for the policy explanation.`,
      target: `road:${r.src}->${r.dst}:denied`,
    });
  }

  // Policies that select nothing: every policy some pod is selected by, then the rest.
  const selecting = new Set<string>();
  for (const pod of s.pods) for (const key of e.policiesSelecting(`pod:${pod.namespace}/${pod.name}`)) selecting.add(key);
  let nothing = 0;
  for (const p of s.policies) {
    if (!isEnforceablePolicy(p.kind)) continue; // tiers, network sets, staged previews select no pod by design
    const key = p.namespace ? `${p.kind}/${p.namespace}/${p.name}` : `${p.kind}/${p.name}`;
    if (selecting.has(key)) continue;
    if (++nothing > MAX_PER_KIND) break;
    out.push({
      id: `city:selects-nothing:${key}`,
      severity: 'info',
      kind: 'policy-selects-nothing',
      title: `${key} selects no pod`,
      detail: 'Its selector matches no pod in this snapshot: a leftover, a typo in a label, or a policy in the wrong namespace.',
      target: p.namespace ? namespaceId(p.namespace) : undefined,
    });
  }

  // Workloads without an ingress fence that receive traffic from outside their namespace.
  const inbound = new Map<string, Set<string>>();
  for (const r of s.roads) {
    if (!r.dst.startsWith('wl:')) continue;
    const dstNs = r.dst.slice(3).split('/')[0];
    const srcNs = r.src.startsWith('wl:') ? r.src.slice(3).split('/')[0] : r.src;
    if (srcNs !== dstNs) inbound.set(r.dst, (inbound.get(r.dst) ?? new Set()).add(short(r.src)));
  }
  const seen = new Set<string>();
  let unprotected = 0;
  for (const pod of s.pods) {
    const wl = workloadOfPod(pod);
    if (seen.has(wl)) continue;
    seen.add(wl);
    const fence = e.fences(`pod:${pod.namespace}/${pod.name}`);
    if (fence.ingress.isolated) continue;
    const from = inbound.get(wl);
    if (!from) continue;
    if (++unprotected > MAX_PER_KIND) break;
    out.push({
      id: `city:unprotected:${wl}`,
      severity: 'warning',
      kind: 'unprotected-workload',
      title: `${short(wl)} is not fenced for ingress but receives traffic from ${[...from].slice(0, 3).join(', ')}${from.size > 3 ? '…' : ''}`,
      detail: `No policy selects its pods for ingress, so anything in the cluster can reach it. Add a NetworkPolicy selecting ${pod.namespace}/${pod.owner?.name ?? pod.name}.`,
      target: workloadId(pod.namespace, pod.owner?.kind ?? 'Pod', pod.owner?.name ?? pod.name),
    });
  }

  // Predicted vs observed.
  let mismatches = 0;
  for (const r of s.roads.slice(0, MAX_ROADS_CHECKED)) {
    if (r.port === undefined || !['TCP', 'UDP', 'SCTP'].includes(r.protocol)) continue;
    if (r.verdict !== 'FORWARDED' && r.verdict !== 'DROPPED') continue;
    const predicted = e.verdict(r.src, r.dst, r.protocol as 'TCP', r.port);
    const observed = r.verdict === 'DROPPED' ? 'denied' : 'allowed';
    if (predicted === 'unknown' || predicted === observed) continue;
    if (++mismatches > MAX_PER_KIND) break;
    // The same explanation the why panel and `analyze --explain` show for this pair and port.
    const why = e.explain(r.src, r.dst, r.protocol as 'TCP', r.port).summary;
    const cause =
      observed === 'allowed' && s.roadBuilder.enforcesNetworkPolicy === false
        ? `the road builder (${roadBuilderLabel(s.roadBuilder)}) does not enforce policies`
        : observed === 'allowed'
          ? 'the flows may predate the policy (stale snapshot), come from a hostNetwork pod, or a policy kind the road builder applies differently'
          : 'a policy the snapshot does not hold (another namespace, a kind NetCity could not read, or a node-level firewall) may drop it';
    out.push({
      id: `city:mismatch:${r.key}`,
      severity: 'warning',
      kind: 'mismatch',
      title: `Policies say ${predicted}, traffic was ${observed}: ${short(r.src)} → ${short(r.dst)} ${r.protocol} ${r.port}`,
      detail: `Likely cause: ${cause}. Policies: ${why}`,
      target: `road:${r.src}->${r.dst}:${observed}`,
    });
  }
  return out;
}

function short(peer: string): string {
  if (peer.startsWith('wl:')) {
    const [ns, , name] = peer.slice(3).split('/');
    return `${ns}/${name}`;
  }
  return peer;
}
