/** The compiled form every policy kind is turned into; the evaluator only knows this. */
import type { PodInfo, PolicyKind } from '../model/types.js';
import type { Bitset } from './bitset.js';
import type { IpAddr } from './ip.js';
import type { PortSet } from './ports.js';
import type { PodClass } from './universe.js';

export type Direction = 'ingress' | 'egress';
export type Tri = 'yes' | 'no' | 'unknown';
/** deny: Cilium deny rules; admin: ANP / ClusterNetworkPolicy Admin; main: NetworkPolicy, Cilium allow, Calico; baseline: BANP / ClusterNetworkPolicy Baseline. */
export type Layer = 'deny' | 'admin' | 'main' | 'baseline';
export type Action = 'allow' | 'deny' | 'pass' | 'log';

/** One end of a connection as the rules see it. */
export type Endpoint =
  | { t: 'pod'; cls: PodClass; pod?: PodInfo }
  /** Outside the cluster; no ip = "the world", address unknown. */
  | { t: 'ext'; ip?: IpAddr; text: string; fqdn?: string }
  /** A node (or a host-network pod). local: on the same node as the pod it talks to. */
  | { t: 'node'; name?: string; ips: IpAddr[]; local?: boolean }
  | { t: 'apiserver'; ips: IpAddr[] };

export interface PeerMatcher {
  /** Pod classes this peer selects; null: none. */
  classes: Bitset | null;
  /** Pod classes it may select (an address rule against pods whose IP is not known). */
  maybe?: Bitset;
  /** Address rules whose answer for pods depends on the CNI: shown when a pod's IP is in them. */
  podIpBlocks?: { what: 'ipBlock' | 'networks'; text: string; contains: (ip: IpAddr) => boolean }[];
  /** Verdict for endpoints that are not pods. */
  other: (ep: Endpoint) => Tri;
  /** Why `other` may answer unknown (shown in explanations). */
  unknownWhy?: string;
}

export interface PortMatcher {
  /** Set when the ports do not depend on the destination (no named ports). */
  fixed?: PortSet;
  /** Ports for a destination pod class (null: destination is not a pod). */
  resolve: (dst: PodClass | null) => PortSet;
}

export interface Rule {
  uid: number;
  policy: CompiledPolicy;
  dir: Direction;
  /** 1-based position in its section. */
  index: number;
  name?: string;
  /** Section named in explanations: "ingress", "egressDeny", "specs[1].ingress". */
  section: string;
  action: Action;
  peer: PeerMatcher;
  ports: PortMatcher;
  /** Subject classes this rule applies to (Calico rules can narrow the subject side). */
  subjectFilter?: Bitset;
  /** When set, a match only makes the verdict unknown (e.g. source ports, service accounts). */
  uncertain?: string;
  /** L7 protocols enforced on top of the L3/L4 allow (Cilium). */
  l7?: string;
}

/**
 * A tier policies are evaluated in (Calico's model, which also places the other kinds): tiers by
 * order (lower first, ties by name), policies in a tier by priority (ties by name). The first
 * Allow/Deny decides; Pass goes to the next tier; a tier that selects the endpoint and matched
 * nothing applies its default action.
 */
export interface TierInfo {
  name: string;
  /** Infinity: no order (evaluated last). */
  order: number;
  defaultAction: 'deny' | 'pass';
}

export interface CompiledPolicy {
  key: string;
  /** Shown in explanations: the policy's name without its tier prefix, "shop/allow-web" for namespaced ones. */
  displayName: string;
  /** Calico-style explanations ("tier security, policy x, ingress rule 1: Allow"): Calico kinds. */
  calico?: boolean;
  tier: TierInfo;
  kind: PolicyKind;
  /** "NetworkPolicy shop/allow-frontend", "AdminNetworkPolicy deny-untrusted (priority 10)". */
  label: string;
  layer: Exclude<Layer, 'deny'>;
  /** Order within the layer: ANP/BANP/CNP priority, Calico order (NetworkPolicy = 1000). */
  priority: number;
  subjects: Bitset;
  /** Main layer: whether selected pods become default-deny for the direction. */
  isolates: Record<Direction, boolean>;
  rules: Record<Direction, Rule[]>;
  denyRules: Record<Direction, Rule[]>;
}

export interface PolicyWarning {
  /** policyKey of the policy concerned. */
  policy: string;
  message: string;
}
