/**
 * A deliberately simple evaluator of Kubernetes NetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy and ClusterNetworkPolicy for one connection at one port, written
 * from the API documentation (kubernetes.io/docs/concepts/services-networking/network-policies,
 * the networking.k8s.io/v1 API reference, network-policy-api.sigs.k8s.io v1alpha1 and v1alpha2)
 * and sharing no code with main/policy:
 * no classes, no port sets, no caching, every question answered by walking the raw specs.
 *
 * What the API leaves to the CNI is a parameter (`RefModes`): whether a host-network pod is its
 * node or an ordinary pod, and whether address rules (ipBlock, ANP networks) match pod IPs.
 * Facts that cannot be known from the input (the IP of a pod that has none, a node without its
 * Node object) are "unknown": the verdict is evaluated for both answers and is unknown when they
 * differ.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- it walks the raw specs as the API documents them, on purpose without types of ours */

export type Labels = Record<string, string>;
export type Proto = 'TCP' | 'UDP' | 'SCTP';
export type RefVerdict = 'allowed' | 'denied' | 'unknown';

export interface RefPod {
  namespace: string;
  name: string;
  labels: Labels;
  ips: string[];
  node?: string;
  hostNetwork: boolean;
  ports: { name?: string; containerPort: number; protocol: Proto }[];
}

export interface RefCluster {
  namespaces: { name: string; labels: Labels }[];
  pods: RefPod[];
  nodes: { name: string; labels: Labels; ips: string[] }[];
  policies: {
    kind: 'NetworkPolicy' | 'AdminNetworkPolicy' | 'BaselineAdminNetworkPolicy' | 'ClusterNetworkPolicy';
    name: string;
    namespace?: string;
    spec: Record<string, any>;
  }[];
}

export interface RefModes {
  hostNetwork: 'as-node' | 'as-pod';
  ipBlockPodIps: 'match' | 'ignore';
}

/** One end of a connection: a pod ("ns/name"), an address outside the cluster, or a node by name. */
export type RefEnd = { pod: string } | { ip: string } | { node: string };

// ---------------------------------------------------------------- addresses

interface Addr {
  v6: boolean;
  n: bigint;
}

function parseAddr(s: string): Addr {
  if (!s.includes(':')) {
    const parts = s.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 ${s}`);
    return { v6: false, n: parts.reduce((acc, p) => acc * 256n + BigInt(p), 0n) };
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 ${s}`);
  return { v6: true, n: groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16)), 0n) };
}

function inCidr(ip: Addr, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const b = parseAddr(base);
  if (b.v6 !== ip.v6) return false;
  const bits = b.v6 ? 128 : 32;
  const len = Number(lenText);
  const shift = BigInt(bits - len);
  return ip.n >> shift === b.n >> shift;
}

const isWholeFamily = (cidr: string) => cidr.endsWith('/0');

// ---------------------------------------------------------------- three-valued facts

/** Thrown to ask for a fact the input does not tell; the caller tries both answers. */
class Ask {
  constructor(readonly key: string) {}
}

type Oracle = (key: string) => boolean;

// ---------------------------------------------------------------- selectors

function selects(sel: any, labels: Labels): boolean {
  if (sel === undefined || sel === null) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`operator ${e.operator}`);
    }
  }
  return true;
}

// ---------------------------------------------------------------- ends

/** What a rule sees at the other end. */
type Entity = { t: 'pod'; pod: RefPod } | { t: 'node'; name?: string; ips: string[]; hasObject: boolean; labels: Labels } | { t: 'ext'; ip: string };

export function refEvaluate(c: RefCluster, modes: RefModes, src: RefEnd, dst: RefEnd, proto: Proto, port: number): RefVerdict {
  const answers = new Map<string, boolean>();
  const outcomes = new Set<'allowed' | 'denied'>();
  // Every combination of the unknown facts consulted (depth-first, few in practice).
  const explore = (): void => {
    try {
      outcomes.add(
        verdictWith(c, modes, src, dst, proto, port, (k) => {
          const v = answers.get(k);
          if (v === undefined) throw new Ask(k);
          return v;
        }),
      );
    } catch (e) {
      if (!(e instanceof Ask)) throw e;
      for (const v of [true, false]) {
        answers.set(e.key, v);
        explore();
      }
      answers.delete(e.key);
    }
  };
  explore();
  return outcomes.size === 1 ? [...outcomes][0] : 'unknown';
}

function verdictWith(c: RefCluster, modes: RefModes, src: RefEnd, dst: RefEnd, proto: Proto, port: number, ask: Oracle): 'allowed' | 'denied' {
  const nsLabels = (ns: string): Labels => ({ ...(c.namespaces.find((n) => n.name === ns)?.labels ?? {}), 'kubernetes.io/metadata.name': ns });
  const nodeEntity = (name: string | undefined, fallbackIps: string[]): Entity => {
    const n = c.nodes.find((x) => x.name === name);
    return { t: 'node', name, ips: n && n.ips.length ? n.ips : fallbackIps, hasObject: !!n, labels: n?.labels ?? {} };
  };
  const entity = (e: RefEnd): Entity => {
    if ('ip' in e) return { t: 'ext', ip: e.ip };
    if ('node' in e) return nodeEntity(e.node, []);
    const pod = c.pods.find((p) => `${p.namespace}/${p.name}` === e.pod)!;
    // A host-network pod as its node: the node's addresses, or the pod's (they are the node's).
    if (pod.hostNetwork && modes.hostNetwork === 'as-node') return nodeEntity(pod.node, pod.ips);
    return { t: 'pod', pod };
  };

  const ipsOf = (e: Entity): string[] | 'n/a' => {
    if (e.t === 'ext') return [e.ip];
    if (e.t === 'node') return e.ips;
    return modes.ipBlockPodIps === 'match' ? e.pod.ips : 'n/a';
  };
  const addressMatch = (e: Entity, cidr: string, except: string[]): boolean => {
    const ips = ipsOf(e);
    if (ips === 'n/a') return false;
    if (ips.length === 0) {
      if (isWholeFamily(cidr) && except.length === 0) return true;
      return ask(`address of ${e.t === 'pod' ? e.pod.name : e.t === 'node' ? e.name : ''} in ${cidr} except ${except}`);
    }
    return ips.some((s) => {
      const a = parseAddr(s);
      return inCidr(a, cidr) && !except.some((x) => inCidr(a, x));
    });
  };

  // Port of a rule: numbers and ranges for the protocol, names against the destination pod.
  const dstPod = (() => {
    const e = entity(dst);
    return e.t === 'pod' ? e.pod : undefined;
  })();
  const namedPort = (name: string, protocol: Proto | undefined): boolean =>
    !!dstPod &&
    dstPod.ports.some((cp) => cp.name === name && cp.containerPort === port && cp.protocol === proto && (protocol === undefined || protocol === proto));

  // ------------------------------------------------ NetworkPolicy
  const npPortMatch = (ports: any[] | undefined): boolean => {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      const protocol: Proto = p.protocol ?? 'TCP';
      if (protocol !== proto) return false;
      if (p.port === undefined) return true;
      if (typeof p.port === 'string') return namedPort(p.port, protocol);
      return port >= p.port && port <= (p.endPort ?? p.port);
    });
  };
  const npPeerMatch = (policyNs: string, peers: any[] | undefined, e: Entity): boolean => {
    if (!peers || peers.length === 0) return true;
    return peers.some((peer) => {
      if (peer.ipBlock) return addressMatch(e, peer.ipBlock.cidr, peer.ipBlock.except ?? []);
      if (e.t !== 'pod') return false;
      const nsOk = peer.namespaceSelector === undefined ? e.pod.namespace === policyNs : selects(peer.namespaceSelector, nsLabels(e.pod.namespace));
      return nsOk && (peer.podSelector === undefined || selects(peer.podSelector, e.pod.labels));
    });
  };
  const typesOf = (spec: any): string[] =>
    spec.policyTypes && spec.policyTypes.length ? spec.policyTypes : ['Ingress', ...(spec.egress && spec.egress.length ? ['Egress'] : [])];

  // ------------------------------------------------ AdminNetworkPolicy / Baseline
  const anpSubject = (subject: any, pod: RefPod): boolean => {
    if (subject.namespaces) return selects(subject.namespaces, nsLabels(pod.namespace));
    return selects(subject.pods.namespaceSelector, nsLabels(pod.namespace)) && selects(subject.pods.podSelector, pod.labels);
  };
  const anpPeerMatch = (peers: any[], e: Entity): boolean =>
    peers.some((peer) => {
      if (peer.namespaces) return e.t === 'pod' && selects(peer.namespaces, nsLabels(e.pod.namespace));
      if (peer.pods) return e.t === 'pod' && selects(peer.pods.namespaceSelector, nsLabels(e.pod.namespace)) && selects(peer.pods.podSelector, e.pod.labels);
      if (peer.nodes) {
        if (e.t !== 'node') return false;
        const empty = Object.keys(peer.nodes.matchLabels ?? {}).length === 0 && (peer.nodes.matchExpressions ?? []).length === 0;
        if (empty) return true;
        if (!e.hasObject) return ask(`labels of node ${e.name ?? '?'}`);
        return selects(peer.nodes, e.labels);
      }
      if (peer.networks) return peer.networks.some((cidr: string) => addressMatch(e, cidr, []));
      throw new Error('peer kind');
    });
  const anpPortMatch = (ports: any[] | undefined): boolean => {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
      if (p.portNumber) return (p.portNumber.protocol ?? 'TCP') === proto && p.portNumber.port === port;
      if (p.portRange) return (p.portRange.protocol ?? 'TCP') === proto && port >= p.portRange.start && port <= p.portRange.end;
      if (p.namedPort) return namedPort(p.namedPort, undefined);
      throw new Error('port kind');
    });
  };

  // v1alpha2 protocols: tcp/udp/sctp with an optional destinationPort (number or range), or a named port.
  const cnpPortMatch = (protocols: any[] | undefined): boolean => {
    if (!protocols || protocols.length === 0) return true;
    return protocols.some((p) => {
      if (p.destinationNamedPort) return namedPort(p.destinationNamedPort, undefined);
      const key = (['tcp', 'udp', 'sctp'] as const).find((k) => p[k] !== undefined)!;
      if (key.toUpperCase() !== proto) return false;
      const dp = p[key].destinationPort;
      if (!dp) return true;
      if (dp.number !== undefined) return dp.number === port;
      return port >= dp.range.start && port <= dp.range.end;
    });
  };
  /** The rules of one tier's policies in order: first match decides (Pass leaves the tier). */
  const tier = (policies: RefCluster['policies'], me: RefPod, dir: 'ingress' | 'egress', other: Entity): 'allowed' | 'denied' | 'pass' | 'none' => {
    const side = dir === 'ingress' ? 'from' : 'to';
    for (const p of policies)
      for (const r of p.spec[dir] ?? []) {
        const ports = p.kind === 'ClusterNetworkPolicy' ? cnpPortMatch(r.protocols) : anpPortMatch(r.ports);
        if (!(anpPeerMatch(r[side], other) && ports)) continue;
        if (r.action === 'Allow' || r.action === 'Accept') return 'allowed';
        if (r.action === 'Deny') return 'denied';
        return 'pass';
      }
    return 'none';
  };
  const byPriority = (a: { spec: any }, b: { spec: any }) => (a.spec.priority ?? 0) - (b.spec.priority ?? 0);

  /** One direction of one pod: admin tier, NetworkPolicy tier, baseline tier, default allow. */
  const direction = (me: RefPod, dir: 'ingress' | 'egress', other: Entity): 'allowed' | 'denied' => {
    const side = dir === 'ingress' ? 'from' : 'to';
    const admin = c.policies
      .filter((p) => (p.kind === 'AdminNetworkPolicy' || (p.kind === 'ClusterNetworkPolicy' && p.spec.tier === 'Admin')) && anpSubject(p.spec.subject, me))
      .sort(byPriority);
    const a = tier(admin, me, dir, other);
    if (a === 'allowed' || a === 'denied') return a; // Pass or no match: on to the NetworkPolicy tier
    const nps = c.policies.filter(
      (p) =>
        p.kind === 'NetworkPolicy' &&
        p.namespace === me.namespace &&
        selects(p.spec.podSelector, me.labels) &&
        typesOf(p.spec).includes(dir === 'ingress' ? 'Ingress' : 'Egress'),
    );
    if (nps.length)
      return nps.some((p) => (p.spec[dir] ?? []).some((r: any) => npPeerMatch(p.namespace!, r[side], other) && npPortMatch(r.ports))) ? 'allowed' : 'denied';
    const baseline = c.policies
      .filter(
        (p) => (p.kind === 'BaselineAdminNetworkPolicy' || (p.kind === 'ClusterNetworkPolicy' && p.spec.tier === 'Baseline')) && anpSubject(p.spec.subject, me),
      )
      .sort(byPriority);
    return tier(baseline, me, dir, other) === 'denied' ? 'denied' : 'allowed'; // Pass in the baseline tier: the default allow
  };

  const s = entity(src);
  const d = entity(dst);
  if (s.t === 'pod' && direction(s.pod, 'egress', d) === 'denied') return 'denied';
  if (d.t === 'pod') {
    // Traffic from the node a pod runs on is always allowed (the docs' ipBlock exception).
    const fromOwnNode = s.t === 'node' && s.name !== undefined && s.name === d.pod.node;
    if (!fromOwnNode && direction(d.pod, 'ingress', s) === 'denied') return 'denied';
  }
  return 'allowed';
}
