/**
 * The diff of two snapshots (A = before, B = after; same cluster or two clusters). Pure data:
 * the CLI prints it (txt, md, json) and the UI draws an overlay from `overlay`.
 */
import type { FlowProtocol, PeerId, PolicyKind, Verdict } from '../model/types.js';

export type ChangeKind = 'added' | 'removed' | 'changed';

/** One field that differs; label maps are compared per key ("labels.app"). */
export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

export type EntityType = 'namespace' | 'node' | 'workload' | 'pod' | 'service';

export interface EntityChange {
  type: EntityType;
  /** Peer id: ns:<name>, node:<name>, wl:<ns>/<Kind>/<name>, pod:<ns>/<name>, svc:<ns>/<name>. */
  id: PeerId;
  change: ChangeKind;
  /** For 'changed': what differs. Empty for added/removed. */
  fields: FieldChange[];
}

export type RuleChangeKind =
  | 'rule-added'
  | 'rule-removed'
  | 'rule-changed'
  | 'rule-moved'
  | 'selector-changed'
  | 'field-changed';

/** What part of a rule changed. */
export type RulePart = 'peers' | 'ports' | 'action' | 'name' | 'other';

export interface RuleChange {
  kind: RuleChangeKind;
  /** Rule list the change is in: ingress, egress, ingressDeny, egressDeny (absent for spec fields). */
  section?: string;
  /** 0-based index of the rule in B (in A for removed rules). */
  index?: number;
  /** 0-based index in A, for moved and changed rules. */
  fromIndex?: number;
  /** For spec fields and selectors: the field name (podSelector, endpointSelector, priority...). */
  field?: string;
  parts?: RulePart[];
  before?: unknown;
  after?: unknown;
  /** One line for people: "ingress rule 2: ports TCP/8080 -> TCP/8080, TCP/9090". */
  description: string;
}

export interface PolicyChange {
  /** policyKey(): "NetworkPolicy/ns/name" or "AdminNetworkPolicy/name". */
  key: string;
  kind: PolicyKind;
  namespace?: string;
  name: string;
  change: ChangeKind;
  /** Semantic changes for 'changed' policies (never a text diff). */
  rules: RuleChange[];
  /** One line: "added: 2 ingress rules", "changed: 1 rule added, selector changed". */
  summary: string;
}

export type RoadChangeKind = 'new' | 'vanished' | 'verdict-flipped';

export interface RoadSide {
  verdicts: Verdict[];
  count: number;
  /** RoadAggregate keys (with verdict) on this side. */
  keys: string[];
}

/** Roads compared per path (src, dst, protocol, port), across verdicts. */
export interface RoadChange {
  /** `${src}|${dst}|${protocol}|${port}`: the road without its verdict. */
  id: string;
  src: PeerId;
  dst: PeerId;
  protocol: FlowProtocol;
  port?: number;
  change: RoadChangeKind;
  before?: RoadSide;
  after?: RoadSide;
}

export type ConnectivityChangeKind = 'newly-allowed' | 'newly-denied' | 'newly-unknown';

export interface ConnectivityChange {
  src: PeerId;
  dst: PeerId;
  change: ConnectivityChangeKind;
  /** Port lists per protocol ("80,8080-8090"; "" for none). */
  ports: { TCP: string; UDP: string; SCTP: string };
  /** Policy keys of changed policies that select src (egress) or dst (ingress). */
  causes: string[];
  /** "NetworkPolicy/shop/allow-cart changed (ingress rule 1: ports ...)", or an inventory reason. */
  because: string;
}

export interface ConnectivityDiff {
  /** 'computed', or why not: policy engine unavailable/failed, or skipped on request. */
  status: 'computed' | 'unavailable' | 'skipped';
  reason?: string;
  changes: ConnectivityChange[];
  /** Workload pairs compared (peers present in both snapshots). */
  pairsCompared: number;
}

export interface DiffSide {
  id: string;
  name: string;
  cluster: string;
  createdAt: number;
  /** File it came from, when known. */
  file?: string;
}

/** What the UI needs to tint the map: change per peer id and per road id. */
export interface DiffOverlay {
  peers: Record<PeerId, ChangeKind>;
  /** By RoadChange.id (road without verdict). */
  roads: Record<string, RoadChangeKind>;
  /** Policy keys by change. */
  policies: Record<string, ChangeKind>;
  connectivity: { src: PeerId; dst: PeerId; change: ConnectivityChangeKind }[];
}

export interface SnapshotDiff {
  a: DiffSide;
  b: DiffSide;
  sameCluster: boolean;
  namespaces: EntityChange[];
  nodes: EntityChange[];
  workloads: EntityChange[];
  pods: EntityChange[];
  services: EntityChange[];
  policies: PolicyChange[];
  roads: RoadChange[];
  connectivity: ConnectivityDiff;
  overlay: DiffOverlay;
  /** Counts per section and change kind, for headers and exit codes. */
  summary: Record<string, Partial<Record<ChangeKind | RoadChangeKind | ConnectivityChangeKind, number>>>;
}
