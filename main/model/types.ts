/**
 * The snapshot model: one shape for everything NetCity knows about a cluster at a time.
 * Sources (kube API, Hubble, probes, manifests, files) fill it; the store saves it; the policy
 * engine, the map model and the exporters read it. Never holds secrets or credentials.
 */

export type Labels = Record<string, string>;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type FlowProtocol = Protocol | 'ICMP' | 'ICMPv6' | 'OTHER';

export type SnapshotSource = 'demo' | 'live' | 'manifests' | 'import' | 'synthetic';

export interface ClusterInfo {
  /** Display name: the context name for live clusters, a file name or "demo" otherwise. */
  name: string;
  context?: string;
  server?: string;
  kubernetesVersion?: string;
  source: SnapshotSource;
}

export const ROAD_BUILDER_NAMES = [
  'cilium',
  'calico',
  'canal',
  'flannel',
  'weave',
  'antrea',
  'kube-router',
  'ovn-kubernetes',
  'aws-vpc-cni',
  'azure-cni',
  'gke-dataplane-v2',
  'unknown',
] as const;
export type RoadBuilderName = (typeof ROAD_BUILDER_NAMES)[number];

/** The CNI plugin, drawn as the "road builder" badge in the header. */
export interface RoadBuilder {
  name: RoadBuilderName;
  version?: string;
  /** e.g. "overlay (vxlan)", "native routing", "ipvlan". */
  mode?: string;
  enforcesNetworkPolicy: boolean | 'unknown';
  /** Policy kinds this road builder understands. */
  policyKinds: PolicyKind[];
  /** Where observed flows can come from: "hubble", "probe". */
  flowSources: string[];
  podCIDRs?: string[];
  /** Free-form facts shown in the badge's popover (hubble: enabled, kube-proxy replacement...). */
  details: Record<string, string>;
  /** How it was detected, for the "why do you think so" popover. */
  evidence: string[];
}

export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface NodeInfo {
  name: string;
  labels: Labels;
  addresses: NodeAddress[];
  podCIDRs: string[];
  ready?: boolean;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface OwnerRef {
  kind: string;
  name: string;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels: Labels;
  ips: string[];
  node?: string;
  phase: PodPhase;
  hostNetwork: boolean;
  /** Top controller (Deployment over its ReplicaSet, CronJob over its Job...); absent for bare pods. */
  owner?: OwnerRef;
  ports: ContainerPort[];
  /** spec.serviceAccountName ("default" when the spec names none); absent when not known (older snapshots). */
  serviceAccount?: string;
  /** True when the pod stands for a workload template (manifests), not a real pod. */
  representative?: boolean;
}

export type WorkloadKind =
  | 'Deployment'
  | 'StatefulSet'
  | 'DaemonSet'
  | 'ReplicaSet'
  | 'Job'
  | 'CronJob'
  | 'ReplicationController'
  | 'Pod';

export interface WorkloadInfo {
  namespace: string;
  name: string;
  kind: WorkloadKind | string;
  labels: Labels;
  /** Pod template labels (selector targets). */
  podLabels: Labels;
  replicas?: number;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol: Protocol;
  nodePort?: number;
}

export interface ServiceEndpoint {
  ip: string;
  /** ns/name of the backing pod when known. */
  pod?: string;
  node?: string;
  ready: boolean;
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | string;
  clusterIPs: string[];
  externalName?: string;
  ports: ServicePort[];
  selector?: Labels;
  endpoints: ServiceEndpoint[];
}

export type PolicyKind =
  | 'NetworkPolicy'
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy'
  | 'CiliumNetworkPolicy'
  | 'CiliumClusterwideNetworkPolicy'
  | 'CalicoNetworkPolicy'
  | 'CalicoGlobalNetworkPolicy'
  | 'CalicoStagedNetworkPolicy'
  | 'CalicoStagedGlobalNetworkPolicy'
  | 'CalicoStagedKubernetesNetworkPolicy'
  | 'CalicoTier'
  | 'CalicoNetworkSet'
  | 'CalicoGlobalNetworkSet'
  | 'CalicoHostEndpoint';

export const POLICY_KINDS: readonly PolicyKind[] = [
  'NetworkPolicy',
  'AdminNetworkPolicy',
  'BaselineAdminNetworkPolicy',
  'ClusterNetworkPolicy',
  'CiliumNetworkPolicy',
  'CiliumClusterwideNetworkPolicy',
  'CalicoNetworkPolicy',
  'CalicoGlobalNetworkPolicy',
  'CalicoStagedNetworkPolicy',
  'CalicoStagedGlobalNetworkPolicy',
  'CalicoStagedKubernetesNetworkPolicy',
  'CalicoTier',
  'CalicoNetworkSet',
  'CalicoGlobalNetworkSet',
  'CalicoHostEndpoint',
];

/** The manifest kind of each Calico policy kind (in projectcalico.org/v3 or crd.projectcalico.org/v1). */
export const CALICO_MANIFEST_KINDS: Readonly<Partial<Record<PolicyKind, string>>> = {
  CalicoNetworkPolicy: 'NetworkPolicy',
  CalicoGlobalNetworkPolicy: 'GlobalNetworkPolicy',
  CalicoStagedNetworkPolicy: 'StagedNetworkPolicy',
  CalicoStagedGlobalNetworkPolicy: 'StagedGlobalNetworkPolicy',
  CalicoStagedKubernetesNetworkPolicy: 'StagedKubernetesNetworkPolicy',
  CalicoTier: 'Tier',
  CalicoNetworkSet: 'NetworkSet',
  CalicoGlobalNetworkSet: 'GlobalNetworkSet',
  CalicoHostEndpoint: 'HostEndpoint',
};

/** Calico kinds without a namespace. */
export const CALICO_CLUSTER_SCOPED: ReadonlySet<PolicyKind> = new Set<PolicyKind>(['CalicoGlobalNetworkPolicy', 'CalicoStagedGlobalNetworkPolicy', 'CalicoTier', 'CalicoGlobalNetworkSet', 'CalicoHostEndpoint']);

/**
 * Calico staged policies: previews, never enforced (what-if: `promoteStaged` in the policy engine).
 * Each stands for the enforced kind it would become.
 */
export const STAGED_POLICY_KINDS: Readonly<Partial<Record<PolicyKind, PolicyKind>>> = {
  CalicoStagedNetworkPolicy: 'CalicoNetworkPolicy',
  CalicoStagedGlobalNetworkPolicy: 'CalicoGlobalNetworkPolicy',
  CalicoStagedKubernetesNetworkPolicy: 'NetworkPolicy',
};

/**
 * Objects that travel with the policies but are not policies themselves: Calico tiers (the order
 * policies are evaluated in), network sets and host endpoints (peers matched by labels).
 */
export const POLICY_CONTEXT_KINDS: ReadonlySet<PolicyKind> = new Set<PolicyKind>(['CalicoTier', 'CalicoNetworkSet', 'CalicoGlobalNetworkSet', 'CalicoHostEndpoint']);

/** A policy that decides traffic when enforced (not a staged preview, not a tier or a network set). */
export const isEnforceablePolicy = (kind: PolicyKind): boolean => !POLICY_CONTEXT_KINDS.has(kind) && STAGED_POLICY_KINDS[kind] === undefined;

/** A policy as found: the original manifest is kept (metadata.managedFields stripped). */
export interface PolicyObject {
  kind: PolicyKind;
  apiVersion: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  name: string;
  manifest: Record<string, unknown>;
}

export type Verdict = 'FORWARDED' | 'DROPPED' | 'AUDIT' | 'REDIRECTED' | 'ERROR' | 'TRACED' | 'TRANSLATED' | 'UNKNOWN';

export type FlowSource = 'hubble' | 'goldmane' | 'probe' | 'import' | 'demo';

/**
 * Peer ids name the ends of flows and roads. Built only through ./ids.ts:
 *   pod:<ns>/<name>   wl:<ns>/<Kind>/<name>   svc:<ns>/<name>   node:<name>
 *   world   host   remote-node   kube-apiserver   ip:<addr or cidr>   dns:<fqdn>
 */
export type PeerId = string;

export interface FlowEndpoint {
  /** Most specific peer (pod when known, else world/host/ip...). */
  peer: PeerId;
  /** The pod's top workload peer id when the peer is a pod. */
  workload?: PeerId;
  ip?: string;
  /** Hubble identity labels, kept for display ("reserved:world", "k8s:app=cart"). */
  labels?: string[];
  port?: number;
}

export interface L7Info {
  type: 'http' | 'dns' | 'kafka';
  method?: string;
  code?: number;
  path?: string;
  query?: string;
  rcode?: number;
}

/** One observed connection event (Hubble flow, conntrack entry, imported line). */
export interface FlowRecord {
  /** Milliseconds since the epoch. */
  time: number;
  source: FlowSource;
  src: FlowEndpoint;
  dst: FlowEndpoint;
  protocol: FlowProtocol;
  /** Destination port (L4). */
  port?: number;
  verdict: Verdict;
  dropReason?: string;
  /** ns/name of the destination service when known. */
  dstService?: string;
  allowedBy?: string[];
  deniedBy?: string[];
  /** Rules staged (not enforced) policies would have applied (Calico Goldmane's pending trace). */
  pendingBy?: string[];
  l7?: L7Info;
  isReply?: boolean;
  node?: string;
  /** Conntrack: the attempt got no reply (a hint of a drop, not a verdict). */
  noReply?: boolean;
  bytes?: number;
  packets?: number;
}

export interface L7Summary {
  httpMethods: Record<string, number>;
  httpCodes: Record<string, number>;
  topPaths: Record<string, number>;
  dnsNames: Record<string, number>;
  dnsRcodes: Record<string, number>;
}

/** Flows aggregated by (src, dst, protocol, port, verdict): an observed road. */
export interface RoadAggregate {
  /** Stable key: `${src}|${dst}|${protocol}|${port}|${verdict}`. */
  key: string;
  /** Aggregated peers: workloads for pods, otherwise the flow's peer. */
  src: PeerId;
  dst: PeerId;
  protocol: FlowProtocol;
  port?: number;
  verdict: Verdict;
  dropReasons: Record<string, number>;
  dstService?: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  allowedBy: string[];
  deniedBy: string[];
  /** Staged policies' rules from the flows' pending traces (Goldmane); absent when none. */
  pendingBy?: string[];
  sources: FlowSource[];
  noReply?: number;
  l7?: L7Summary;
}

export type ProbeKind = 'path' | 'matrix' | 'enforcement';
export type ProbeOutcome = 'connected' | 'refused' | 'timeout' | 'dns-failure' | 'error';

export interface ProbeResult {
  id: string;
  runId: string;
  kind: ProbeKind;
  time: number;
  src: PeerId;
  dst: PeerId;
  /** What the user asked for when dst is a name or an address. */
  dstTarget?: string;
  protocol: Protocol;
  port: number;
  outcome: ProbeOutcome;
  latencyMs?: number;
  detail?: string;
}

export type Severity = 'info' | 'warning' | 'critical';

export interface Finding {
  id: string;
  severity: Severity;
  /** e.g. unprotected-workload, denied-flows, mismatch, policy-selects-nothing, cni-not-enforcing. */
  kind: string;
  title: string;
  detail: string;
  /** Where it is on the map: a peer id, a road key, or a policy key ("NetworkPolicy/ns/name"). */
  target?: string;
}

export interface CaptureWarning {
  time: number;
  kind: 'lost-events' | 'node-unavailable' | 'not-permitted' | 'stale' | 'stream-error';
  message: string;
  /** Node name, resource, or source concerned. */
  subject?: string;
  count?: number;
}

export interface Permission {
  resource: string;
  namespace?: string;
  verb: string;
  allowed: boolean;
}

export interface Position {
  x: number;
  y: number;
  pinned?: boolean;
}

export interface Note {
  id: string;
  time: number;
  target?: string;
  text: string;
}

export interface Snapshot {
  /** Model version of this shape (the store has its own schema version). */
  model: 1;
  id: string;
  name: string;
  createdAt: number;
  cluster: ClusterInfo;
  roadBuilder: RoadBuilder;
  window: { from?: number; to?: number };
  namespaces: NamespaceInfo[];
  nodes: NodeInfo[];
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
  policies: PolicyObject[];
  /** Raw flows kept in memory (bounded); the store may hold more. */
  flows: FlowRecord[];
  /** Aggregates of all flows, always complete. */
  roads: RoadAggregate[];
  probes: ProbeResult[];
  findings: Finding[];
  warnings: CaptureWarning[];
  permissions: Permission[];
  positions: Record<PeerId, Position>;
  notes: Note[];
}
