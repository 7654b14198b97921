/**
 * A road builder that enforces the NetworkPolicies stored in a FakeProbeCluster: enough of the
 * NetworkPolicy semantics for the probes' own policies (podSelector matchLabels, namespaceSelector
 * matchLabels, numeric and named ports, ingress and egress isolation). Test double, not an engine.
 */
import type { Protocol } from '../../../main/model/types.js';
import { listens, type FakePod, type FakeProbeCluster, type Reachability } from './fake-probe-cluster.js';

type Sel = { matchLabels?: Record<string, string> } | undefined;
interface Peer {
  podSelector?: Sel;
  namespaceSelector?: Sel;
}
interface PortRule {
  port?: number | string;
  protocol?: Protocol;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PortRule[];
}
interface Spec {
  podSelector?: Sel;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

const selects = (sel: Sel, labels: Record<string, string>): boolean =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function peerMatches(cluster: FakeProbeCluster, policyNs: string, peer: Peer, pod: FakePod): boolean {
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector, cluster.namespaceLabels(pod.namespace) ?? {})) return false;
  } else if (pod.namespace !== policyNs) return false;
  return peer.podSelector ? selects(peer.podSelector, pod.labels) : true;
}

function portMatches(rule: Rule, target: FakePod | undefined, protocol: Protocol, port: number): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  return rule.ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port;
    return !!target?.ports.some((cp) => cp.name === p.port && cp.containerPort === port && cp.protocol === protocol);
  });
}

function allowedBy(cluster: FakeProbeCluster, dir: 'Ingress' | 'Egress', subject: FakePod, other: FakePod | undefined, protocol: Protocol, port: number): boolean {
  const policies = [...cluster.objects.values()].filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === subject.namespace);
  const applying = policies.filter((p) => {
    const spec = p.spec as Spec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return types.includes(dir) && selects(spec.podSelector, subject.labels);
  });
  if (applying.length === 0) return true;
  const portOwner = dir === 'Ingress' ? subject : other;
  return applying.some((p) => {
    const spec = p.spec as Spec;
    const rules = (dir === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    return rules.some((r) => {
      const peers = dir === 'Ingress' ? r.from : r.to;
      const peerOk = !peers || peers.length === 0 || (other !== undefined && peers.some((x) => peerMatches(cluster, subject.namespace, x, other)));
      return peerOk && portMatches(r, portOwner, protocol, port);
    });
  });
}

/** Enforcing: egress of the source and ingress of the destination must both allow. */
export const enforcingNetwork: Reachability = (q) => {
  if (!q.dst) return 'timeout';
  if (!q.src.hostNetwork && !allowedBy(q.cluster, 'Egress', q.src, q.dst, q.protocol, q.port)) return 'timeout';
  if (!q.dst.hostNetwork && !allowedBy(q.cluster, 'Ingress', q.dst, q.src, q.protocol, q.port)) return 'timeout';
  return listens(q.dst, q.protocol, q.port) ? 'connected' : q.protocol === 'UDP' ? 'timeout' : 'refused';
};

/** Wraps a network so that a share of checks time out (deterministic for a seed). */
export function flaky(inner: Reachability, timeoutShare: number, seed = 1): Reachability {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return (q) => (rnd() < timeoutShare ? 'timeout' : inner(q));
}
