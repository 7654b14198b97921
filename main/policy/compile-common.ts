/** Helpers shared by the per-kind compilers: context, IP blocks, port specs, peers. */
import type { Labels, PolicyKind, PolicyObject, Protocol } from '../model/types.js';
import { policyKey } from '../model/ids.js';
import { cidrContains, cidrIsWholeFamily, parseCidr, type Cidr, type IpAddr } from './ip.js';
import type { CompiledPolicy, Direction, Endpoint, PeerMatcher, PolicyWarning, PortMatcher, Rule, TierInfo, Tri } from './ir.js';
import { ALL_PORTS, NO_PORTS, PROTOCOLS, MAX_PORT, portSetOf, protocolSet, union, type PortSet } from './ports.js';
import type { PodClass, Universe } from './universe.js';
import type { Bitset } from './bitset.js';

/** Calico objects that are peers by labels: NetworkSets, GlobalNetworkSets (ns undefined), HostEndpoints. */
export interface CalicoObjects {
  netsets: { key: string; ns?: string; name: string; labels: Labels; nets: Cidr[] }[];
  heps: { key: string; name: string; labels: Labels; node?: string; ips: IpAddr[] }[];
}

export interface CompileContext {
  u: Universe;
  calico: CalicoObjects;
  /** Tiers by name: Calico Tier objects and the built-in default, kube-admin and kube-baseline. */
  tiers: Map<string, TierInfo>;
  warnings: PolicyWarning[];
  nextUid: () => number;
  /** Every CIDR met, to cut the address space into ranges for the matrix. */
  cidrs: Cidr[];
  /** NetworkPolicy ipBlocks and ANP/BANP networks match pod IPs (the CNI decides; see cni-semantics.ts). */
  podIps: boolean;
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as text for a warning, whatever it is (an object with a broken toString too). */
export function shown(v: unknown): string {
  try {
    return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function keyOf(p: PolicyObject): string {
  return policyKey(p.kind, p.name, p.namespace);
}

/** Calico's built-in tiers (docs.tigera.io, "Get started with policy tiers" and the Tier resource). */
export const BUILTIN_TIERS: Record<string, TierInfo> = {
  'kube-admin': { name: 'kube-admin', order: 1000, defaultAction: 'pass' },
  default: { name: 'default', order: 1_000_000, defaultAction: 'deny' },
  'kube-baseline': { name: 'kube-baseline', order: 10_000_000, defaultAction: 'pass' },
};
const LAYER_TIER: Record<CompiledPolicy['layer'], string> = { admin: 'kube-admin', main: 'default', baseline: 'kube-baseline' };

export function emptyPolicy(p: PolicyObject, u: Universe, layer: CompiledPolicy['layer'], priority: number, label: string, tier?: TierInfo): CompiledPolicy {
  return {
    key: keyOf(p),
    displayName: p.namespace ? `${p.namespace}/${p.name}` : p.name,
    tier: tier ?? BUILTIN_TIERS[LAYER_TIER[layer]],
    kind: p.kind as PolicyKind,
    label,
    layer,
    priority,
    subjects: u.none(),
    isolates: { ingress: false, egress: false },
    rules: { ingress: [], egress: [] },
    denyRules: { ingress: [], egress: [] },
  };
}

export function newRule(
  ctx: CompileContext,
  policy: CompiledPolicy,
  dir: Direction,
  section: string,
  index: number,
  action: Rule['action'],
  peer: PeerMatcher,
  ports: PortMatcher,
  name?: string,
): Rule {
  return { uid: ctx.nextUid(), policy, dir, section, index, action, peer, ports, name };
}

export const NO_PEER: PeerMatcher = { classes: null, other: () => 'no' };

export function anyPeer(u: Universe): PeerMatcher {
  return { classes: u.all(), other: () => 'yes' };
}

/** ORs peers: pods by bitset union, other endpoints by the best answer. */
export function orPeers(u: Universe, peers: PeerMatcher[]): PeerMatcher {
  if (peers.length === 0) return NO_PEER;
  if (peers.length === 1) return peers[0];
  const bits = u.none();
  let anyBits = false;
  let maybe: Bitset | undefined;
  for (const p of peers) {
    if (p.classes) {
      bits.orWith(p.classes);
      anyBits = true;
    }
    if (p.maybe) (maybe ??= u.none()).orWith(p.maybe);
  }
  if (maybe) maybe.andNot(bits);
  const blocks = peers.flatMap((p) => p.podIpBlocks ?? []);
  const whys = peers.map((p) => p.unknownWhy).filter((w): w is string => !!w);
  return {
    classes: anyBits ? bits : null,
    maybe,
    podIpBlocks: blocks.length ? blocks : undefined,
    other: (ep) => {
      let r: Tri = 'no';
      for (const p of peers) {
        const t = p.other(ep);
        if (t === 'yes') return 'yes';
        if (t === 'unknown') r = 'unknown';
      }
      return r;
    },
    unknownWhy: whys.length ? [...new Set(whys)].join('; ') : undefined,
  };
}

export interface IpBlock {
  cidr: Cidr;
  except: Cidr[];
}

export function parseCidrOrWarn(ctx: CompileContext, key: string, where: string, text: unknown): Cidr | undefined {
  const c = typeof text === 'string' ? parseCidr(text) : undefined;
  if (!c) ctx.warnings.push({ policy: key, message: `${where}: invalid CIDR '${shown(text)}' (rule part ignored)` });
  else ctx.cidrs.push(c);
  return c;
}

/**
 * IP-block peers match addresses outside the pod network: external addresses, nodes and the API
 * server. Pods are matched by selectors only (how ipBlock treats pod IPs is CNI-specific).
 * `nodes`: whether node/API-server addresses are matched (Cilium's CIDR rules do not).
 */
export function ipBlockPeer(blocks: IpBlock[], opts: { nodes: boolean; negate?: boolean; pods?: Universe; what?: 'ipBlock' | 'networks' } = { nodes: true }): PeerMatcher {
  const containsIp = (ip: { v6: boolean; value: bigint }) =>
    blocks.some((b) => cidrContains(b.cidr, ip) && !b.except.some((e) => cidrContains(e, ip)));
  const coversAll = blocks.some((b) => cidrIsWholeFamily(b.cidr) && b.except.length === 0);
  const list = blocks.map((b) => b.cidr.text + (b.except.length ? ` except ${b.except.map((e) => e.text).join(',')}` : '')).join(', ');
  const matchIps = (ips: { v6: boolean; value: bigint }[]): Tri => {
    if (ips.length === 0) return coversAll ? 'yes' : 'unknown';
    return ips.some(containsIp) ? 'yes' : 'no';
  };
  const raw = (ep: Endpoint): Tri => {
    switch (ep.t) {
      case 'pod':
        return 'no';
      case 'ext':
        return ep.ip ? (containsIp(ep.ip) ? 'yes' : 'no') : coversAll ? 'yes' : 'unknown';
      case 'node':
        return opts.nodes ? matchIps(ep.ips) : 'no';
      case 'apiserver':
        return opts.nodes ? matchIps(ep.ips) : 'no';
    }
  };
  const other = opts.negate
    ? (ep: Endpoint): Tri => {
        const t = raw(ep);
        return t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'unknown';
      }
    : raw;
  const peer: PeerMatcher = { classes: null, other, unknownWhy: `address not known to compare with ${list}` };
  // Only the rules whose pod matching the CNI decides (NetworkPolicy ipBlock, ANP networks) say so.
  if (opts.what && !opts.negate) peer.podIpBlocks = blocks.map((b) => ({ what: opts.what!, text: b.cidr.text + (b.except.length ? ` except ${b.except.map((e) => e.text).join(',')}` : ''), contains: containsIp }));
  if (opts.pods) {
    // Pods by their IPs (classes are cut so that all pods of one class answer alike).
    const classes = opts.pods.none();
    const maybe = opts.pods.none();
    let any = false;
    let anyMaybe = false;
    for (const cls of opts.pods.classes) {
      const t = matchIps(cls.ips);
      if (t === 'yes') {
        classes.set(cls.id);
        any = true;
      } else if (t === 'unknown') {
        maybe.set(cls.id);
        anyMaybe = true;
      }
    }
    peer.classes = any ? classes : null;
    if (anyMaybe) {
      peer.maybe = maybe;
      peer.unknownWhy = `address (or pod IP) not known to compare with ${list}`;
    }
  }
  return peer;
}

export function normProtocol(v: unknown, dflt: Protocol | 'ANY'): Protocol | 'ANY' | undefined {
  if (v === undefined || v === null || v === '') return dflt;
  const s = shown(v).toUpperCase();
  if (s === 'TCP' || s === 'UDP' || s === 'SCTP' || s === 'ANY') return s;
  return undefined;
}

export interface PortSpec {
  protocol: Protocol | 'ANY';
  from?: number;
  to?: number;
  /** Named port, resolved against the destination pod's container ports. */
  name?: string;
}

function protocols(p: Protocol | 'ANY'): readonly Protocol[] {
  return p === 'ANY' ? PROTOCOLS : [p];
}

function specSet(s: PortSpec, dst: PodClass | null): PortSet {
  let out = NO_PORTS;
  for (const proto of protocols(s.protocol)) {
    if (s.name !== undefined) {
      if (!dst) continue;
      for (const cp of dst.namedPorts)
        if (cp.name === s.name && cp.protocol === proto) out = union(out, portSetOf(proto, cp.containerPort));
    } else if (s.from === undefined) out = union(out, protocolSet(proto));
    else out = union(out, portSetOf(proto, s.from, s.to ?? s.from));
  }
  return out;
}

/** null specs: every port of every protocol. */
export function portMatcher(specs: PortSpec[] | null): PortMatcher {
  if (specs === null) return { fixed: ALL_PORTS, resolve: () => ALL_PORTS };
  if (!specs.some((s) => s.name !== undefined)) {
    const fixed = specs.reduce((acc, s) => union(acc, specSet(s, null)), NO_PORTS);
    return { fixed, resolve: () => fixed };
  }
  const cache = new Map<number, PortSet>();
  return {
    resolve: (dst) => {
      const k = dst ? dst.id : -1;
      let r = cache.get(k);
      if (!r) {
        r = specs.reduce((acc, s) => union(acc, specSet(s, dst)), NO_PORTS);
        cache.set(k, r);
      }
      return r;
    },
  };
}

/** Validates a port number or name; returns undefined (and warns) when invalid. */
export function portValue(ctx: CompileContext, key: string, where: string, v: unknown): number | string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PORT) return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) {
      const n = Number(v);
      if (n >= 1 && n <= MAX_PORT) return n;
    } else if (/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(v) && /[a-z]/.test(v)) return v;
  }
  ctx.warnings.push({ policy: key, message: `${where}: invalid port '${shown(v)}' (must be 1-65535 or a port name)` });
  return undefined;
}

/**
 * A name peer (Cilium toFQDNs, ClusterNetworkPolicy domainNames): a destination known by its DNS
 * name is matched by name; one known only by address depends on DNS answers: unknown.
 */
export function domainPeer(patterns: string[], why: string, style: 'cilium' | 'gateway'): PeerMatcher {
  const esc = (x: string) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const res = patterns.map((p) => {
    const lower = p.toLowerCase().replace(/\.$/, '');
    if (lower === '*') return /^.*$/;
    // ClusterNetworkPolicy: a leading "*." is one or more whole labels. Cilium: "**." is one or
    // more labels, and "*" elsewhere any DNS characters except the dot.
    const multi = style === 'gateway' ? '*.' : '**.';
    if (lower.startsWith(multi)) return new RegExp(`^([-a-z0-9_]+\\.)+${esc(lower.slice(multi.length))}$`);
    if (style === 'gateway') return new RegExp(`^${esc(lower)}$`);
    return new RegExp(`^${lower.split('*').map(esc).join('[-a-z0-9_]*')}$`);
  });
  return {
    classes: null,
    other: (ep) => {
      if (ep.t !== 'ext') return 'no';
      if (!ep.fqdn) return 'unknown';
      const name = ep.fqdn.toLowerCase().replace(/\.$/, '');
      return res.some((r) => r.test(name)) ? 'yes' : 'no';
    },
    unknownWhy: why,
  };
}
