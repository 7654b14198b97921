/**
 * One Calico Goldmane flow (goldmane.Flow, decoded with proto-loader's keepCase / enums as names /
 * longs as strings) -> FlowRecord: the aggregated endpoints -> workloads (by the pods' generate-name
 * prefix in the inventory, else a Deployment guessed from a ReplicaSet name), host endpoints ->
 * their node, network sets and networks -> world; the action -> verdict; the policy trace ->
 * allowedBy / deniedBy (enforced rules) and pendingBy (staged policies), each hit named like the
 * engine names Calico rules ("tier security, policy block-egress, egress rule 2: Deny").
 */
import type { FlowEndpoint, FlowProtocol, FlowRecord, PeerId, PodInfo, Verdict } from '../model/types.js';
import { HOST, nodeId, WORLD, workloadId, workloadOfPod } from '../model/ids.js';
import { calicoRuleText } from '../policy/explain.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/** What the inventory tells about an aggregated Goldmane endpoint name. */
export interface GoldmaneInventory {
  pods: Pick<PodInfo, 'namespace' | 'name' | 'owner'>[];
  /** Node names (host endpoints are usually named after their node, or `<node>-<iface>`). */
  nodes?: { name: string }[];
}

export interface GoldmaneMapping {
  /** The workload of an aggregated name ("cart-7d9f8b6c4-*") in a namespace. */
  workloadOf(ns: string, name: string): PeerId | undefined;
  nodeOf(hostEndpoint: string): PeerId | undefined;
}

const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
const RS_PREFIX = new RegExp(`^(.+)-${SAFE}{6,10}-?$`);

export function goldmaneMapping(inv: GoldmaneInventory): GoldmaneMapping {
  const byNs = new Map<string, Pick<PodInfo, 'namespace' | 'name' | 'owner'>[]>();
  for (const p of inv.pods) {
    let l = byNs.get(p.namespace);
    if (!l) byNs.set(p.namespace, (l = []));
    l.push(p);
  }
  const nodes = (inv.nodes ?? []).map((n) => n.name).sort((a, b) => b.length - a.length);
  const cache = new Map<string, PeerId | undefined>();
  return {
    workloadOf(ns, name) {
      const key = `${ns}/${name}`;
      if (cache.has(key)) return cache.get(key);
      const prefix = name.endsWith('*') ? name.slice(0, -1) : undefined;
      const pods = byNs.get(ns) ?? [];
      const pod = prefix !== undefined ? pods.find((p) => p.name.startsWith(prefix)) : pods.find((p) => p.name === name);
      let wl: PeerId | undefined = pod ? workloadOfPod(pod) : undefined;
      if (!wl) {
        const base = (prefix ?? name).replace(/-$/, '');
        const d = RS_PREFIX.exec(`${base}-`)?.[1];
        wl = d ? workloadId(ns, 'Deployment', d) : base ? workloadId(ns, prefix !== undefined ? 'Deployment' : 'Pod', base) : undefined;
      }
      cache.set(key, wl);
      return wl;
    },
    nodeOf(hep) {
      const n = nodes.find((x) => hep === x || hep.startsWith(`${x}-`));
      return n ? nodeId(n) : undefined;
    },
  };
}

const ACTION: Record<string, string> = { Allow: 'Allow', Deny: 'Deny', Pass: 'Pass' };

/** Goldmane's policy kinds as NetCity's policy kinds (for keys and display). */
const KIND_LABEL: Record<string, string> = {
  CalicoNetworkPolicy: 'Calico NetworkPolicy',
  GlobalNetworkPolicy: 'Calico GlobalNetworkPolicy',
  StagedNetworkPolicy: 'StagedNetworkPolicy',
  StagedGlobalNetworkPolicy: 'StagedGlobalNetworkPolicy',
  StagedKubernetesNetworkPolicy: 'StagedKubernetesNetworkPolicy',
  NetworkPolicy: 'NetworkPolicy',
  AdminNetworkPolicy: 'AdminNetworkPolicy',
  BaselineAdminNetworkPolicy: 'BaselineAdminNetworkPolicy',
  ClusterNetworkPolicy: 'ClusterNetworkPolicy',
};

/**
 * One policy hit as text. The direction comes from the reporter (the source reports egress
 * rules, the destination ingress); rule indexes are 0-based in Goldmane, 1-based here as in the
 * engine's explanations.
 */
export function policyHitText(hit: Obj, section: 'ingress' | 'egress'): string {
  const action = ACTION[String(hit.action)] ?? String(hit.action ?? 'unknown action');
  const tier = String(hit.tier || 'default');
  const kind = String(hit.kind ?? '');
  if (kind === 'EndOfTier') {
    const t = hit.trigger as Obj | undefined;
    const by = t ? `; selected by ${policyName(t)}` : '';
    return `tier ${tier}: end of tier, default action ${action}${by}`;
  }
  if (kind === 'Profile') return `profile ${String(hit.name ?? '')}: ${action}`;
  const rule = Number(hit.rule_index ?? 0);
  const text = calicoRuleText({ tier, policy: policyName(hit), section, index: Number.isFinite(rule) && rule >= 0 ? rule + 1 : 0, action });
  return KIND_LABEL[kind] && !kind.startsWith('Calico') && kind !== 'GlobalNetworkPolicy' ? `${text} (${KIND_LABEL[kind]})` : text;
}

function policyName(hit: Obj): string {
  const tier = String(hit.tier || 'default');
  let name = String(hit.name ?? '');
  for (const prefix of ['staged:', `${tier}.`, 'knp.default.', 'kns.']) if (name.startsWith(prefix)) name = name.slice(prefix.length);
  return hit.namespace ? `${hit.namespace}/${name}` : name;
}

function protocolOf(p: unknown): FlowProtocol {
  const s = String(p ?? '').toUpperCase();
  if (s === 'TCP' || s === '6') return 'TCP';
  if (s === 'UDP' || s === '17') return 'UDP';
  if (s === 'SCTP' || s === '132') return 'SCTP';
  if (s === 'ICMP' || s === '1') return 'ICMP';
  if (s === 'ICMPV6' || s === '58') return 'ICMPv6';
  return 'OTHER';
}

function endpoint(type: unknown, name: string, ns: string, labels: unknown, map: GoldmaneMapping, port?: number): FlowEndpoint {
  const ls = Array.isArray(labels) ? labels.map(String) : [];
  let peer: PeerId;
  const extra: string[] = [];
  switch (String(type)) {
    case 'WorkloadEndpoint': {
      const wl = map.workloadOf(ns, name);
      if (wl) return { peer: wl, workload: wl, labels: ls, ...(port ? { port } : {}) };
      peer = WORLD;
      break;
    }
    case 'HostEndpoint':
      peer = map.nodeOf(name) ?? HOST;
      extra.push(`hostendpoint:${name}`);
      break;
    case 'NetworkSet':
      peer = WORLD;
      extra.push(`networkset:${ns ? `${ns}/` : ''}${name}`);
      break;
    default:
      // Network: "pub" (public) or "pvt" (private) addresses Calico knows nothing about.
      peer = WORLD;
      if (name) extra.push(`network:${name}`);
  }
  return { peer, labels: [...extra, ...ls], ...(port ? { port } : {}) };
}

/** The FlowRecord for one Goldmane flow; undefined when it has no key. */
export function goldmaneFlowToRecord(flow: Obj, map: GoldmaneMapping): FlowRecord | undefined {
  const k = flow?.Key as Obj | undefined;
  if (!k) return undefined;
  const section = String(k.reporter) === 'Dst' ? 'ingress' : 'egress';
  const port = Number(k.dest_port ?? 0) || undefined;
  const action = String(k.action);
  const verdict: Verdict = action === 'Allow' ? 'FORWARDED' : action === 'Deny' ? 'DROPPED' : 'UNKNOWN';
  const trace = (k.policies ?? {}) as Obj;
  const enforced = ((trace.enforced_policies ?? []) as Obj[]).map((h) => policyHitText(h, section));
  const pending = ((trace.pending_policies ?? []) as Obj[]).map((h) => policyHitText(h, section));
  const start = Number(flow.start_time ?? 0);
  const rec: FlowRecord = {
    time: Number.isFinite(start) && start > 0 ? start * 1000 : Date.now(),
    source: 'goldmane',
    src: endpoint(k.source_type, String(k.source_name ?? ''), String(k.source_namespace ?? ''), flow.source_labels, map),
    dst: endpoint(k.dest_type, String(k.dest_name ?? ''), String(k.dest_namespace ?? ''), flow.dest_labels, map, port),
    protocol: protocolOf(k.proto),
    verdict,
  };
  if (port) rec.port = port;
  if (k.dest_service_name) rec.dstService = `${k.dest_service_namespace || k.dest_namespace || ''}/${k.dest_service_name}`;
  if (verdict === 'DROPPED') {
    rec.dropReason = 'POLICY_DENIED';
    if (enforced.length) rec.deniedBy = enforced;
  } else if (enforced.length) rec.allowedBy = enforced;
  if (pending.length) rec.pendingBy = pending;
  const bytes = Number(flow.bytes_in ?? 0) + Number(flow.bytes_out ?? 0);
  const packets = Number(flow.packets_in ?? 0) + Number(flow.packets_out ?? 0);
  if (bytes) rec.bytes = bytes;
  if (packets) rec.packets = packets;
  return rec;
}
