/**
 * Hubble `flow.Flow` -> FlowRecord, and GetFlowsResponse side events -> CaptureWarning.
 * Accepts both shapes a Flow arrives in: jsonpb text (RFC 3339 times, BoolValue as a bare bool,
 * 64-bit ints as strings) and gRPC objects decoded by proto-loader with keepCase (Timestamp as
 * {seconds, nanos}, BoolValue as {value}). Field names are the proto names in both.
 */
import {
  dnsId,
  HOST,
  ipId,
  KUBE_APISERVER,
  nodeId,
  podId,
  policyKey,
  REMOTE_NODE,
  workloadId,
  WORLD,
} from '../model/ids.js';
import { DROP_REASON, TRACE_POINT, VERDICT } from './flow-decoder.js';
import type { CaptureWarning, FlowEndpoint, FlowProtocol, FlowRecord, FlowSource, L7Info, PeerId, Verdict } from '../model/types.js';

/** Resolves a pod to its workload peer from an inventory (a snapshot's pods and owners). */
export type WorkloadResolver = (namespace: string, pod: string) => PeerId | undefined;

export interface FlowMappingOptions {
  source?: FlowSource;
  resolver?: WorkloadResolver;
  /**
   * When neither Hubble nor the resolver names the workload, guess a Deployment from the
   * ReplicaSet-style pod name ("cart-7d9f8b6c4-x2kqz" -> Deployment cart). Default true.
   */
  guessOwners?: boolean;
}

// Loose view of the decoded message: every field may be absent (proto3 omits zero values).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const VERDICTS: Record<string, Verdict> = {};
for (const [i, name] of VERDICT.entries()) {
  if (i === 0) continue;
  VERDICTS[name] = name as Verdict;
  VERDICTS[String(i)] = name as Verdict;
}

/** A drop reason by name, or by number (jsonpb of an unknown enum value, and the legacy numeric drop_reason). */
function dropReasonName(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '' || v === 0 || v === '0' || v === 'DROP_REASON_UNKNOWN') return undefined;
  if (typeof v === 'number' || /^\d+$/.test(String(v))) return DROP_REASON[Number(v)] ?? `DROP_${v}`;
  return String(v);
}

/** Reserved identities by label, most specific first (the API server on a node also has reserved:host). */
const RESERVED_ORDER: [string, PeerId | null][] = [
  ['reserved:kube-apiserver', KUBE_APISERVER],
  ['reserved:host', HOST],
  ['reserved:remote-node', REMOTE_NODE],
  ['reserved:world', WORLD],
  ['reserved:world-ipv4', WORLD],
  ['reserved:world-ipv6', WORLD],
  // No peer kind of their own: health is drawn on its node, the others by address.
  ['reserved:health', null],
  ['reserved:init', null],
  ['reserved:unmanaged', null],
  ['reserved:ingress', null],
];

const RESERVED_BY_IDENTITY: Record<number, string> = {
  1: 'reserved:host',
  2: 'reserved:world',
  3: 'reserved:unmanaged',
  4: 'reserved:health',
  5: 'reserved:init',
  6: 'reserved:remote-node',
  7: 'reserved:kube-apiserver',
  8: 'reserved:ingress',
  9: 'reserved:world-ipv4',
  10: 'reserved:world-ipv6',
};

/** Milliseconds since the epoch from an RFC 3339 string or a {seconds, nanos} Timestamp. */
export function timestampMs(t: unknown): number | undefined {
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof t === 'object') {
    const o = t as Obj;
    const s = Number(o.seconds ?? 0);
    const n = Number(o.nanos ?? 0);
    if (!Number.isFinite(s) || !Number.isFinite(n)) return undefined;
    return s * 1000 + Math.floor(n / 1e6);
  }
  return undefined;
}

// A BoolValue wrapper present but empty is false (proto3 omits the zero value inside it).
const boolValue = (v: unknown): boolean | undefined =>
  typeof v === 'boolean' ? v : v && typeof v === 'object' ? Boolean((v as Obj).value) : undefined;

// pod-template-hash and the pod suffix both use Kubernetes' "safe" alphabet (no vowels, no 0/1/3).
const RS_POD = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

// Flows name the same pods over and over: remember the last answers (bounded: cleared when full).
const guessed = new Map<string, string | null>();

/** "cart-7d9f8b6c4-x2kqz" -> "cart" (the Deployment behind a ReplicaSet pod), else undefined. */
export function guessDeployment(podName: string): string | undefined {
  let g = guessed.get(podName);
  if (g === undefined) {
    g = RS_POD.exec(podName)?.[1] ?? null;
    if (guessed.size >= 10_000) guessed.clear();
    guessed.set(podName, g);
  }
  return g ?? undefined;
}

/**
 * Set by the import's scanner (hubble-scan.ts) on an endpoint object it shares between the flows
 * that repeat it: what depends only on that object is then worked out once, and every flow gets
 * the same peer strings (no new strings, and their hashes are already known to the maps that
 * count roads and store rows). What depends on the mapping options is still decided per flow.
 */
export const ENDPOINT_MEMO: unique symbol = Symbol('hubble endpoint memo');

interface EndpointMemo {
  peer?: PeerId;
  /** The workload Hubble names (null: none). */
  listed?: PeerId | null;
  /** The Deployment guessed from the pod name (null: none). */
  guessed?: PeerId | null;
}

function listedWorkload(ep: Obj, ns: string): PeerId | null {
  const wls = ep.workloads as Obj[] | undefined;
  return wls && wls.length > 0 && wls[0].name ? workloadId(ns, wls[0].kind || 'Deployment', wls[0].name) : null;
}

function guessedWorkload(ns: string, pod: string): PeerId | null {
  const d = guessDeployment(pod);
  return d ? workloadId(ns, 'Deployment', d) : null;
}

function workloadOf(ep: Obj, ns: string, pod: string, opts: FlowMappingOptions, memo: EndpointMemo | undefined): PeerId | undefined {
  const listed = memo ? (memo.listed === undefined ? (memo.listed = listedWorkload(ep, ns)) : memo.listed) : listedWorkload(ep, ns);
  if (listed) return listed;
  const resolved = opts.resolver?.(ns, pod);
  if (resolved) return resolved;
  if (opts.guessOwners !== false) {
    const guessed = memo ? (memo.guessed === undefined ? (memo.guessed = guessedWorkload(ns, pod)) : memo.guessed) : guessedWorkload(ns, pod);
    if (guessed) return guessed;
  }
  return undefined;
}

function reservedLabel(ep: Obj): string | undefined {
  const labels = ep.labels as string[] | undefined;
  if (labels) {
    for (const [label] of RESERVED_ORDER) if (labels.includes(label)) return label;
  }
  const id = Number(ep.identity ?? 0);
  return RESERVED_BY_IDENTITY[id];
}

/**
 * The node a reserved:health endpoint sits on: the observing node unless the trace point says
 * the packet crosses to (destination) or came from (source) another node — that one's name is
 * not in the flow, so it becomes the remote-node peer.
 */
function healthNode(side: 'src' | 'dst', point: unknown, node: string | undefined): PeerId | undefined {
  const p = typeof point === 'number' ? TRACE_POINT[point] : point;
  const remote = side === 'dst' ? p === 'TO_OVERLAY' || p === 'TO_NETWORK' || p === 'TO_CRYPTO' : p === 'FROM_OVERLAY' || p === 'FROM_NETWORK' || p === 'FROM_CRYPTO';
  if (remote) return REMOTE_NODE;
  return node ? nodeId(node) : undefined;
}

function endpointOf(
  ep: Obj | undefined,
  ip: string | undefined,
  names: string[] | undefined,
  health: PeerId | undefined,
  opts: FlowMappingOptions,
): FlowEndpoint {
  const e: Obj = ep ?? {};
  const out: FlowEndpoint = { peer: WORLD };
  if (ip) out.ip = ip;
  if (e.labels && e.labels.length) out.labels = e.labels;
  const ns: string | undefined = e.namespace || undefined;
  const pod: string | undefined = e.pod_name || undefined;
  if (ns && pod) {
    const memo = (e as Record<symbol, EndpointMemo | undefined>)[ENDPOINT_MEMO];
    out.peer = memo ? (memo.peer ??= podId(ns, pod)) : podId(ns, pod);
    const wl = workloadOf(e, ns, pod, opts, memo);
    if (wl) out.workload = wl;
    return out;
  }
  const reserved = reservedLabel(e);
  const peerForReserved = reserved ? RESERVED_ORDER.find(([l]) => l === reserved)![1] : undefined;
  // An FQDN-resolved destination is named by its DNS name rather than the anonymous world.
  if ((peerForReserved === WORLD || !reserved) && names && names.length > 0 && names[0]) {
    out.peer = dnsId(names[0]);
    return out;
  }
  if (peerForReserved) {
    out.peer = peerForReserved;
    return out;
  }
  if (reserved === 'reserved:health' && health) {
    out.peer = health;
    return out;
  }
  out.peer = ip ? ipId(ip) : WORLD;
  return out;
}

function protocolAndPorts(l4: Obj | undefined): { protocol: FlowProtocol; sport?: number; dport?: number } {
  if (!l4) return { protocol: 'OTHER' };
  const tcp = l4.TCP;
  if (tcp) return { protocol: 'TCP', sport: num(tcp.source_port), dport: num(tcp.destination_port) };
  const udp = l4.UDP;
  if (udp) return { protocol: 'UDP', sport: num(udp.source_port), dport: num(udp.destination_port) };
  const sctp = l4.SCTP;
  if (sctp) return { protocol: 'SCTP', sport: num(sctp.source_port), dport: num(sctp.destination_port) };
  if (l4.ICMPv4) return { protocol: 'ICMP' };
  if (l4.ICMPv6) return { protocol: 'ICMPv6' };
  return { protocol: 'OTHER' };
}

const num = (v: unknown): number | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

/** "/reviews/0" from "http://reviews:9080/reviews/0?x=1"; the query is returned apart. */
export function splitUrl(url: string): { path: string; query?: string } {
  let rest = url;
  const scheme = rest.indexOf('://');
  if (scheme >= 0) {
    const slash = rest.indexOf('/', scheme + 3);
    rest = slash >= 0 ? rest.slice(slash) : '/';
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  if (q >= 0) return { path: rest.slice(0, q) || '/', query: rest.slice(q + 1) };
  return { path: rest || '/' };
}

function l7Of(l7: Obj | undefined): L7Info | undefined {
  if (!l7) return undefined;
  const isResponse = l7.type === 'RESPONSE' || l7.type === 2;
  if (l7.http) {
    const h = l7.http as Obj;
    const info: L7Info = { type: 'http' };
    if (h.method) info.method = h.method;
    const code = num(h.code);
    if (code !== undefined) info.code = code;
    if (h.url) {
      const { path, query } = splitUrl(String(h.url));
      info.path = path;
      if (query) info.query = query;
    }
    return info;
  }
  if (l7.dns) {
    const d = l7.dns as Obj;
    const info: L7Info = { type: 'dns' };
    if (d.query) info.query = d.query;
    // rcode 0 (NOERROR) is omitted on the wire; a response without one succeeded.
    if (isResponse) info.rcode = Number(d.rcode ?? 0);
    return info;
  }
  if (l7.kafka) {
    const k = l7.kafka as Obj;
    const info: L7Info = { type: 'kafka' };
    if (k.api_key) info.method = k.api_key;
    if (k.topic) info.path = k.topic;
    if (isResponse) info.code = Number(k.error_code ?? 0);
    return info;
  }
  return undefined;
}

function policyKind(p: Obj): string {
  if (p.kind) return p.kind;
  const labels = (p.labels as string[] | undefined) ?? [];
  for (const l of labels) {
    const m = /io\.cilium\.k8s\.policy\.derived-from=(.+)$/.exec(l);
    if (m) return m[1];
  }
  return p.namespace ? 'CiliumNetworkPolicy' : 'CiliumClusterwideNetworkPolicy';
}

function policiesOf(...lists: unknown[]): string[] | undefined {
  let out: string[] | undefined;
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const p of list as Obj[]) {
      if (!p || !p.name) continue;
      const key = policyKey(policyKind(p), p.name, p.namespace || undefined);
      if (!out) out = [key];
      else if (!out.includes(key)) out.push(key);
    }
  }
  return out;
}

/**
 * A Hubble Flow as a FlowRecord; `fallbackTime` (the response's time) is used when the flow has
 * none. Returns an error message instead when the object cannot be a flow.
 */
export function flowRecordOf(f: Obj, opts: FlowMappingOptions = {}, fallbackTime?: number): FlowRecord | string {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return 'flow is not an object';
  const time = timestampMs(f.time) ?? fallbackTime;
  if (time === undefined) return 'flow has no valid "time"';
  const ip = (f.IP as Obj | undefined) ?? {};
  const { protocol, sport, dport } = protocolAndPorts(f.l4);
  const node: string | undefined = f.node_name || undefined;
  const point = f.trace_observation_point;
  const src = endpointOf(f.source, ip.source || undefined, f.source_names, healthNode('src', point, node), opts);
  const dst = endpointOf(f.destination, ip.destination || undefined, f.destination_names, healthNode('dst', point, node), opts);
  if (sport !== undefined) src.port = sport;
  if (dport !== undefined) dst.port = dport;
  const verdict = VERDICTS[String(f.verdict ?? '')] ?? 'UNKNOWN';
  const rec: FlowRecord = { time, source: opts.source ?? 'hubble', src, dst, protocol, verdict };
  if (dport !== undefined) rec.port = dport;
  if (verdict === 'DROPPED' || verdict === 'ERROR') {
    const reason = dropReasonName(f.drop_reason_desc) ?? dropReasonName(f.drop_reason);
    if (reason) rec.dropReason = reason;
  }
  const svc = f.destination_service as Obj | undefined;
  if (svc && svc.name) rec.dstService = svc.namespace ? `${svc.namespace}/${svc.name}` : svc.name;
  const allowed = policiesOf(f.egress_allowed_by, f.ingress_allowed_by);
  if (allowed) rec.allowedBy = allowed;
  const denied = policiesOf(f.egress_denied_by, f.ingress_denied_by);
  if (denied) rec.deniedBy = denied;
  const l7 = l7Of(f.l7);
  if (l7) rec.l7 = l7;
  // is_reply is authoritative when present; the deprecated bool only says "true" reliably.
  const isReply = boolValue(f.is_reply) ?? (f.reply === true ? true : undefined);
  if (isReply !== undefined) rec.isReply = isReply;
  if (node) rec.node = node;
  return rec;
}

const NODE_STATE_BAD = new Set(['NODE_UNAVAILABLE', 'NODE_GONE', 'NODE_ERROR', 2, 3, 4]);

/** Warnings for a relay NodeStatusEvent: one per node that went away or failed. Connected nodes give none. */
export function nodeStatusWarnings(ns: Obj, time: number): CaptureWarning[] {
  const state = ns.state_change;
  if (!NODE_STATE_BAD.has(state)) return [];
  const names: string[] = Array.isArray(ns.node_names) && ns.node_names.length ? ns.node_names : ['(unnamed node)'];
  const what =
    state === 'NODE_GONE' || state === 3 ? 'left the cluster' : state === 'NODE_ERROR' || state === 4 ? 'reported an error' : 'is unavailable';
  return names.map((name) => ({
    time,
    kind: 'node-unavailable' as const,
    subject: name,
    message: `Hubble node ${name} ${what}${ns.message ? `: ${ns.message}` : ''}; flows from it are missing from this capture`,
  }));
}

/** Is this NodeStatusEvent a node (re)connecting? */
export const nodeConnected = (ns: Obj): boolean => ns.state_change === 'NODE_CONNECTED' || ns.state_change === 1;

const LOST_SOURCES: Record<string, string> = {
  PERF_EVENT_RING_BUFFER: 'the BPF perf ring buffer (agent did not keep up)',
  OBSERVER_EVENTS_QUEUE: "Hubble's events queue (observer did not keep up)",
  HUBBLE_RING_BUFFER: "Hubble's ring buffer (overwritten before it was read)",
  '1': 'the BPF perf ring buffer (agent did not keep up)',
  '2': "Hubble's events queue (observer did not keep up)",
  '3': "Hubble's ring buffer (overwritten before it was read)",
};

export function lostEventsWarning(le: Obj, time: number, node?: string): CaptureWarning {
  const count = Number(le.num_events_lost ?? 0);
  const where = LOST_SOURCES[String(le.source ?? '')] ?? 'an unknown source';
  const w: CaptureWarning = {
    time,
    kind: 'lost-events',
    count,
    message: `${count} flow event(s) lost in ${where}${node ? ` on ${node}` : ''}: this is a gap, not silence`,
  };
  if (node) w.subject = node;
  return w;
}
