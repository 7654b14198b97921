/**
 * Where the three verdicts of a road disagree — predicted (policy engine), observed (Hubble, flow
 * probes, imports) and probed (active checks) — a finding names the likely cause: the road builder
 * does not enforce, a hostNetwork pod, a policy in a namespace the snapshot does not cover, DNS, or
 * a stale snapshot. Pure: the prediction comes in as a function (createPolicyEngine(...).evaluate).
 */
import { parsePeerId, roadKey, workloadId } from '../model/ids.js';
import type { Finding, PeerId, PodInfo, ProbeResult, Protocol, RoadAggregate, Snapshot } from '../model/types.js';
import { roadBuilderLabel } from '../cluster/cni-detect.js';

export type Predicted = { verdict: 'allowed' | 'denied' | 'unknown'; summary?: string };
/** The policy engine's answer: a Decision-like object, or just its verdict. */
export type Predict = (src: PeerId, dst: PeerId, protocol: Protocol, port: number) => Predicted | Predicted['verdict'];

export interface MismatchInput {
  snapshot: Pick<Snapshot, 'createdAt' | 'pods' | 'namespaces' | 'roadBuilder' | 'roads' | 'probes' | 'permissions'>;
  predict?: Predict;
  /** Observations older than the snapshot by more than this are "stale". Default 15 minutes. */
  staleAfterMs?: number;
  /** Roads compared with the prediction at most (largest first). Default 20,000. */
  maxRoads?: number;
}

type Seen = 'open' | 'blocked' | 'dns';

const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

/** A probe outcome as network evidence: refused means the packet got through to a closed port. */
export function probeSeen(outcome: ProbeResult['outcome']): Seen | undefined {
  switch (outcome) {
    case 'connected':
    case 'refused':
      return 'open';
    case 'timeout':
      return 'blocked';
    case 'dns-failure':
      return 'dns';
    default:
      return undefined;
  }
}

function roadSeen(r: RoadAggregate): Seen | undefined {
  if (r.verdict === 'FORWARDED') return 'open';
  if (r.verdict === 'DROPPED') return 'blocked';
  return undefined;
}

interface Context {
  pods: Map<string, PodInfo>;
  snapshot: MismatchInput['snapshot'];
  staleAfterMs: number;
}

const podOf = (ctx: Context, peer: PeerId): PodInfo | undefined => {
  const p = parsePeerId(peer);
  return p.type === 'pod' ? ctx.pods.get(`${p.namespace}/${p.name}`) : undefined;
};

const workloadPeer = (ctx: Context, peer: PeerId): PeerId => {
  const pod = podOf(ctx, peer);
  return pod ? workloadId(pod.namespace, pod.owner?.kind ?? 'Pod', pod.owner?.name ?? pod.name) : peer;
};

const namespaceOf = (ctx: Context, peer: PeerId): string | undefined => {
  const p = parsePeerId(peer);
  if (p.namespace) return p.namespace;
  return podOf(ctx, peer)?.namespace;
};

const hostNetworkEnd = (ctx: Context, src: PeerId, dst: PeerId): PeerId | undefined => {
  for (const peer of [src, dst]) {
    if (podOf(ctx, peer)?.hostNetwork) return peer;
    const p = parsePeerId(peer);
    if (p.type === 'workload') {
      const pods = [...ctx.pods.values()].filter((x) => x.namespace === p.namespace && x.owner?.name === p.name && x.owner?.kind === p.kind);
      if (pods.length > 0 && pods.every((x) => x.hostNetwork)) return peer;
    }
  }
  return undefined;
};

/** Namespaces whose policies the snapshot may lack: not listed, or listing policies was refused. */
const uncoveredNamespace = (ctx: Context, src: PeerId, dst: PeerId): string | undefined => {
  const listed = new Set(ctx.snapshot.namespaces.map((n) => n.name));
  const refused = new Set(
    ctx.snapshot.permissions.filter((p) => !p.allowed && /networkpolic/i.test(p.resource) && p.verb === 'list').map((p) => p.namespace ?? '*'),
  );
  for (const peer of [src, dst]) {
    const ns = namespaceOf(ctx, peer);
    if (!ns) continue;
    if (!listed.has(ns) || refused.has(ns) || refused.has('*')) return ns;
  }
  return undefined;
};

interface Cause {
  kind: string;
  text: string;
  severity: Finding['severity'];
}

/** The likeliest reason the network let through what the policies deny. */
function causeOfUnexpectedOpen(ctx: Context, src: PeerId, dst: PeerId, time: number): Cause {
  const rb = ctx.snapshot.roadBuilder;
  if (rb.enforcesNetworkPolicy === false) {
    return { kind: 'road-builder-not-enforcing', severity: 'critical', text: `the road builder (${roadBuilderLabel(rb)}) does not enforce NetworkPolicy: policies are written but nothing applies them` };
  }
  const host = hostNetworkEnd(ctx, src, dst);
  if (host) return { kind: 'host-network', severity: 'warning', text: `${host} runs on the host network: NetworkPolicy does not select host-network pods, so it is not isolated` };
  if (time - ctx.snapshot.createdAt > ctx.staleAfterMs) {
    return { kind: 'stale-snapshot', severity: 'warning', text: 'the snapshot is older than the observation: policies or pods may have changed since; take a new snapshot' };
  }
  if (rb.enforcesNetworkPolicy === 'unknown') {
    return { kind: 'road-builder-not-enforcing', severity: 'warning', text: `whether ${roadBuilderLabel(rb)} enforces NetworkPolicy is unknown; run the enforcement check` };
  }
  return { kind: 'unexplained', severity: 'warning', text: 'the cluster allowed it although the policies deny it: a policy kind NetCity does not read, or an allow added since the snapshot' };
}

/** The likeliest reason the network blocked what the policies allow. */
function causeOfUnexpectedBlock(ctx: Context, src: PeerId, dst: PeerId, time: number): Cause {
  const ns = uncoveredNamespace(ctx, src, dst);
  if (ns) return { kind: 'policy-other-namespace', severity: 'warning', text: `the snapshot does not hold the policies of namespace ${ns} (not loaded or not permitted): a policy there may deny it` };
  if (time - ctx.snapshot.createdAt > ctx.staleAfterMs) {
    return { kind: 'stale-snapshot', severity: 'warning', text: 'the snapshot is older than the observation: a deny may have been added since; take a new snapshot' };
  }
  const host = hostNetworkEnd(ctx, src, dst);
  if (host) return { kind: 'host-network', severity: 'info', text: `${host} runs on the host network: node firewalls and host policies, not NetworkPolicy, decide its traffic` };
  return { kind: 'unexplained', severity: 'warning', text: 'blocked outside the policies NetCity sees: a cluster-wide policy of another kind, a node firewall, or the destination not answering' };
}

const VERB: Record<Seen, string> = { open: 'got through', blocked: 'was blocked', dns: 'failed to resolve' };

export function mismatchFindings(input: MismatchInput): Finding[] {
  const raw = input.predict;
  const predict = raw
    ? (s: PeerId, d: PeerId, p: Protocol, port: number): Predicted => {
        const r = raw(s, d, p, port);
        return typeof r === 'string' ? { verdict: r } : r;
      }
    : undefined;
  const ctx: Context = {
    pods: new Map(input.snapshot.pods.map((p) => [`${p.namespace}/${p.name}`, p])),
    snapshot: input.snapshot,
    staleAfterMs: input.staleAfterMs ?? 15 * 60_000,
  };
  const findings = new Map<string, Finding>();
  const add = (f: Finding) => {
    if (!findings.has(f.id)) findings.set(f.id, f);
  };

  // Observed roads by (src, dst, protocol, port), for comparing with probes.
  const observed = new Map<string, { seen: Seen; road: RoadAggregate }>();
  for (const r of input.snapshot.roads) {
    const seen = roadSeen(r);
    if (!seen || r.port === undefined) continue;
    const k = `${r.src}|${r.dst}|${r.protocol}|${r.port}`;
    const have = observed.get(k);
    // A road both forwarded and dropped (policy changed mid-capture): the latest wins.
    if (!have || r.lastSeen > have.road.lastSeen) observed.set(k, { seen, road: r });
  }

  for (const p of input.snapshot.probes) {
    const seen = probeSeen(p.outcome);
    if (!seen) continue;
    const srcWl = workloadPeer(ctx, p.src);
    const dstWl = workloadPeer(ctx, p.dst);
    const target = roadKey(srcWl, dstWl, p.protocol, p.port, seen === 'open' ? 'FORWARDED' : 'DROPPED');
    const what = `${p.protocol} ${p.src} -> ${p.dstTarget ?? p.dst}:${p.port}`;

    if (seen === 'dns') {
      const dnsBlocked = predict?.(p.src, 'svc:kube-system/kube-dns', 'UDP', 53);
      const why =
        dnsBlocked?.verdict === 'denied'
          ? `the policies deny DNS from ${p.src} (UDP 53 to kube-dns): add an egress rule for DNS`
          : 'the name did not resolve: check the name, CoreDNS health, and egress to kube-dns on UDP/TCP 53';
      add({ id: `mismatch:dns:${p.src}:${p.dstTarget ?? p.dst}`, severity: 'warning', kind: 'mismatch', title: `DNS failure probing ${p.dstTarget ?? p.dst}`, detail: `${what} failed to resolve: ${why}.`, target });
      continue;
    }

    const predicted = predict && PROTOCOLS.has(p.protocol) ? predict(p.src, p.dst, p.protocol, p.port) : undefined;
    if (predicted && predicted.verdict !== 'unknown') {
      const expectOpen = predicted.verdict === 'allowed';
      if (expectOpen !== (seen === 'open')) {
        const cause = seen === 'open' ? causeOfUnexpectedOpen(ctx, p.src, p.dst, p.time) : causeOfUnexpectedBlock(ctx, p.src, p.dst, p.time);
        add({
          id: `mismatch:probe:${target}`,
          severity: cause.severity,
          kind: 'mismatch',
          title: `Probe ${VERB[seen]} where the policies say ${predicted.verdict}`,
          detail: `${what} ${VERB[seen]} (${p.outcome}${p.latencyMs !== undefined ? `, ${p.latencyMs} ms` : ''}), but the policy engine predicts ${predicted.verdict}${predicted.summary ? ` (${predicted.summary})` : ''}. Likely cause: ${cause.text}.`,
          target,
        });
      }
    }

    const obs = observed.get(`${srcWl}|${dstWl}|${p.protocol}|${p.port}`);
    if (obs && obs.seen !== seen) {
      const stale = Math.abs(p.time - obs.road.lastSeen) > ctx.staleAfterMs;
      add({
        id: `mismatch:observed-probed:${target}`,
        severity: 'warning',
        kind: 'mismatch',
        title: `Observed and probed verdicts differ`,
        detail:
          `${what}: traffic was observed ${obs.seen === 'open' ? 'forwarded' : 'dropped'} (${obs.road.sources.join(', ')}, last ${new Date(obs.road.lastSeen).toISOString()}) ` +
          `but the probe ${VERB[seen]}. Likely cause: ${stale ? 'the observation is stale (policies or pods changed since it was captured)' : 'a policy changed between the capture and the probe, or the probe pod differs from the observed one (labels)'}.`,
        target,
      });
    }
  }

  // Observed roads against the prediction (largest first, bounded).
  if (predict) {
    const roads = [...observed.values()].sort((a, b) => b.road.count - a.road.count).slice(0, input.maxRoads ?? 20_000);
    for (const { seen, road } of roads) {
      if (!PROTOCOLS.has(road.protocol) || road.port === undefined) continue;
      const predicted = predict(road.src, road.dst, road.protocol as Protocol, road.port);
      if (predicted.verdict === 'unknown' || (predicted.verdict === 'allowed') === (seen === 'open')) continue;
      const cause = seen === 'open' ? causeOfUnexpectedOpen(ctx, road.src, road.dst, road.lastSeen) : causeOfUnexpectedBlock(ctx, road.src, road.dst, road.lastSeen);
      add({
        id: `mismatch:observed:${road.key}`,
        severity: cause.severity,
        kind: 'mismatch',
        title: `Observed traffic ${VERB[seen]} where the policies say ${predicted.verdict}`,
        detail: `${road.protocol} ${road.src} -> ${road.dst}:${road.port} ${VERB[seen]} ${road.count} time(s) (${road.sources.join(', ')}), but the policy engine predicts ${predicted.verdict}${predicted.summary ? ` (${predicted.summary})` : ''}. Likely cause: ${cause.text}.`,
        target: road.key,
      });
    }
  }
  return [...findings.values()];
}
