/** Rows -> model: reads each table of a .netcity file back into the Snapshot shape. */
import type Database from 'better-sqlite3';
import { FLOW_SELECT_SQL } from './schema.js';
import type {
  CaptureWarning,
  ClusterInfo,
  Finding,
  FlowRecord,
  FlowEndpoint,
  NamespaceInfo,
  NodeInfo,
  Note,
  Permission,
  PeerId,
  PodInfo,
  PolicyObject,
  Position,
  ProbeResult,
  RoadAggregate,
  RoadBuilder,
  ServiceInfo,
  Snapshot,
  WorkloadInfo,
} from '../model/types.js';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const parse = <T>(s: string | null | undefined, fallback: T): T => (s === null || s === undefined ? fallback : (JSON.parse(s) as T));
const put = <T extends object, K extends keyof T>(o: T, k: K, v: T[K] | null | undefined): void => {
  if (v !== null && v !== undefined) o[k] = v;
};
const boolOf = (v: number | null): boolean | undefined => (v === null ? undefined : v === 1);

/** Everything except raw flows and roads: what the map needs first, plus the small tables. */
export type SnapshotHeader = Omit<Snapshot, 'flows' | 'roads'>;

export function readHeader(db: Database.Database): Pick<Snapshot, 'model' | 'id' | 'name' | 'createdAt' | 'cluster' | 'roadBuilder' | 'window'> {
  const s = db.prepare('SELECT * FROM snapshot WHERE one = 1').get() as Row | undefined;
  const c = db.prepare('SELECT * FROM cluster WHERE one = 1').get() as Row | undefined;
  const r = db.prepare('SELECT * FROM road_builder WHERE one = 1').get() as Row | undefined;
  if (!s || !c || !r) throw new Error('the snapshot header rows are missing');
  const cluster: ClusterInfo = { name: c.name, source: c.source };
  put(cluster, 'context', c.context);
  put(cluster, 'server', c.server);
  put(cluster, 'kubernetesVersion', c.kubernetes_version);
  const enforces = r.enforces_network_policy === 'true' ? true : r.enforces_network_policy === 'false' ? false : 'unknown';
  const roadBuilder: RoadBuilder = {
    name: r.name,
    enforcesNetworkPolicy: enforces,
    policyKinds: parse(r.policy_kinds, []),
    flowSources: parse(r.flow_sources, []),
    details: parse(r.details, {}),
    evidence: parse(r.evidence, []),
  };
  put(roadBuilder, 'version', r.version);
  put(roadBuilder, 'mode', r.mode);
  put(roadBuilder, 'podCIDRs', parse(r.pod_cidrs, undefined));
  const window: Snapshot['window'] = {};
  put(window, 'from', s.window_from);
  put(window, 'to', s.window_to);
  return { model: 1, id: s.id, name: s.name, createdAt: s.created_at, cluster, roadBuilder, window };
}

export function readInventory(db: Database.Database): SnapshotHeader {
  const all = (sql: string): Row[] => db.prepare(sql).all() as Row[];
  const namespaces: NamespaceInfo[] = all('SELECT * FROM namespaces ORDER BY name').map((r) => ({ name: r.name, labels: parse(r.labels, {}) }));
  const nodes: NodeInfo[] = all('SELECT * FROM nodes ORDER BY name').map((r) => {
    const n: NodeInfo = { name: r.name, labels: parse(r.labels, {}), addresses: parse(r.addresses, []), podCIDRs: parse(r.pod_cidrs, []) };
    put(n, 'ready', boolOf(r.ready));
    return n;
  });
  const workloads: WorkloadInfo[] = all('SELECT * FROM workloads ORDER BY namespace, kind, name').map((r) => {
    const w: WorkloadInfo = { namespace: r.namespace, name: r.name, kind: r.kind, labels: parse(r.labels, {}), podLabels: parse(r.pod_labels, {}) };
    put(w, 'replicas', r.replicas);
    return w;
  });
  const pods: PodInfo[] = all('SELECT * FROM pods ORDER BY namespace, name').map((r) => {
    const p: PodInfo = {
      namespace: r.namespace,
      name: r.name,
      labels: parse(r.labels, {}),
      ips: parse(r.ips, []),
      phase: r.phase,
      hostNetwork: r.host_network === 1,
      ports: parse(r.ports, []),
    };
    put(p, 'node', r.node);
    if (r.owner_kind !== null) p.owner = { kind: r.owner_kind, name: r.owner_name };
    put(p, 'representative', boolOf(r.representative));
    put(p, 'serviceAccount', r.service_account);
    return p;
  });
  const endpoints = new Map<string, ServiceInfo['endpoints']>();
  for (const r of all('SELECT * FROM service_endpoints ORDER BY namespace, service, seq')) {
    const key = `${r.namespace}/${r.service}`;
    const e: ServiceInfo['endpoints'][number] = { ip: r.ip, ready: r.ready === 1 };
    put(e, 'pod', r.pod);
    put(e, 'node', r.node);
    let list = endpoints.get(key);
    if (!list) endpoints.set(key, (list = []));
    list.push(e);
  }
  const services: ServiceInfo[] = all('SELECT * FROM services ORDER BY namespace, name').map((r) => {
    const s: ServiceInfo = {
      namespace: r.namespace,
      name: r.name,
      type: r.type,
      clusterIPs: parse(r.cluster_ips, []),
      ports: parse(r.ports, []),
      endpoints: endpoints.get(`${r.namespace}/${r.name}`) ?? [],
    };
    put(s, 'externalName', r.external_name);
    put(s, 'selector', parse(r.selector, undefined));
    return s;
  });
  const policies: PolicyObject[] = all('SELECT * FROM policies ORDER BY kind, namespace, name').map((r) => {
    const p: PolicyObject = { kind: r.kind, apiVersion: r.api_version, name: r.name, manifest: parse(r.manifest, {}) };
    if (r.namespace !== '') p.namespace = r.namespace;
    return p;
  });
  const probes: ProbeResult[] = all('SELECT * FROM probes ORDER BY time, id').map((r) => {
    const p: ProbeResult = {
      id: r.id,
      runId: r.run_id,
      kind: r.kind,
      time: r.time,
      src: r.src,
      dst: r.dst,
      protocol: r.protocol,
      port: r.port,
      outcome: r.outcome,
    };
    put(p, 'dstTarget', r.dst_target);
    put(p, 'latencyMs', r.latency_ms);
    put(p, 'detail', r.detail);
    return p;
  });
  const findings: Finding[] = all('SELECT * FROM findings ORDER BY rowid').map((r) => {
    const f: Finding = { id: r.id, severity: r.severity, kind: r.kind, title: r.title, detail: r.detail };
    put(f, 'target', r.target);
    return f;
  });
  const warnings: CaptureWarning[] = all('SELECT * FROM warnings ORDER BY seq').map((r) => {
    const w: CaptureWarning = { time: r.time, kind: r.kind, message: r.message };
    put(w, 'subject', r.subject);
    put(w, 'count', r.count);
    return w;
  });
  const permissions: Permission[] = all('SELECT * FROM permissions ORDER BY resource, namespace, verb').map((r) => {
    const p: Permission = { resource: r.resource, verb: r.verb, allowed: r.allowed === 1 };
    if (r.namespace !== '') p.namespace = r.namespace;
    return p;
  });
  const positions: Record<PeerId, Position> = {};
  for (const r of all('SELECT * FROM positions ORDER BY peer')) {
    const p: Position = { x: r.x, y: r.y };
    put(p, 'pinned', boolOf(r.pinned));
    positions[r.peer] = p;
  }
  const notes: Note[] = all('SELECT * FROM notes ORDER BY time, id').map((r) => {
    const n: Note = { id: r.id, time: r.time, text: r.text };
    put(n, 'target', r.target);
    return n;
  });
  return {
    ...readHeader(db),
    namespaces,
    nodes,
    workloads,
    pods,
    services,
    policies,
    probes,
    findings,
    warnings,
    permissions,
    positions,
    notes,
  };
}

export function readRoads(db: Database.Database): RoadAggregate[] {
  return (db.prepare('SELECT * FROM roads ORDER BY key').all() as Row[]).map((r) => {
    const rest = parse<Partial<RoadAggregate>>(r.rest, {});
    const road: RoadAggregate = {
      key: r.key,
      src: r.src,
      dst: r.dst,
      protocol: r.protocol,
      verdict: r.verdict,
      dropReasons: rest.dropReasons ?? {},
      count: r.count,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      allowedBy: rest.allowedBy ?? [],
      deniedBy: rest.deniedBy ?? [],
      sources: rest.sources ?? [],
    };
    put(road, 'port', r.port);
    put(road, 'dstService', rest.dstService);
    put(road, 'noReply', rest.noReply);
    put(road, 'pendingBy', rest.pendingBy);
    put(road, 'l7', rest.l7);
    return road;
  });
}

/** Peer ids by interned number. */
export function readPeers(db: Database.Database): Map<number, PeerId> {
  const m = new Map<number, PeerId>();
  for (const r of db.prepare('SELECT id, peer FROM peers').iterate() as Iterable<{ id: number; peer: string }>) m.set(r.id, r.peer);
  return m;
}

/** Identity label sets by interned number. */
export function readLabelSets(db: Database.Database): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const r of db.prepare('SELECT id, labels FROM label_sets').iterate() as Iterable<{ id: number; labels: string }>) m.set(r.id, JSON.parse(r.labels) as string[]);
  return m;
}

export function flowFromRow(r: Row, peers: Map<number, PeerId>, labelSets: Map<number, string[]>): FlowRecord {
  const src: FlowEndpoint = { peer: peers.get(r.src)! };
  const dst: FlowEndpoint = { peer: peers.get(r.dst)! };
  if (r.src_wl !== null) src.workload = peers.get(r.src_wl);
  put(src, 'ip', r.src_ip);
  if (r.src_labels !== null) src.labels = [...labelSets.get(r.src_labels)!];
  put(src, 'port', r.src_port);
  if (r.dst_wl !== null) dst.workload = peers.get(r.dst_wl);
  put(dst, 'ip', r.dst_ip);
  if (r.dst_labels !== null) dst.labels = [...labelSets.get(r.dst_labels)!];
  put(dst, 'port', r.dst_port);
  const f: FlowRecord = { time: r.time, source: r.source, src, dst, protocol: r.protocol, verdict: r.verdict };
  put(f, 'port', r.port);
  put(f, 'dropReason', r.drop_reason);
  put(f, 'dstService', r.dst_service);
  put(f, 'allowedBy', parse(r.allowed_by, undefined));
  put(f, 'deniedBy', parse(r.denied_by, undefined));
  put(f, 'l7', parse(r.l7, undefined));
  put(f, 'isReply', boolOf(r.is_reply));
  put(f, 'node', r.node);
  put(f, 'noReply', boolOf(r.no_reply));
  put(f, 'bytes', r.bytes);
  put(f, 'packets', r.packets);
  return f;
}

/**
 * The newest `limit` flows in [from, to], returned oldest first. Uses the time index, so a
 * bounded read of a million-row file costs only the rows it returns.
 */
export function readFlows(
  db: Database.Database,
  limit: number,
  from?: number,
  to?: number,
  dicts?: { peers: Map<number, PeerId>; labelSets: Map<number, string[]> },
): FlowRecord[] {
  if (limit <= 0) return [];
  const rows = db
    .prepare(`${FLOW_SELECT_SQL} WHERE f.time >= ? AND f.time <= ? ORDER BY f.time DESC, f.id DESC LIMIT ?`)
    .all(from ?? Number.MIN_SAFE_INTEGER, to ?? Number.MAX_SAFE_INTEGER, limit) as Row[];
  const peers = dicts?.peers ?? readPeers(db);
  const labelSets = dicts?.labelSets ?? readLabelSets(db);
  const out = rows.map((r) => flowFromRow(r, peers, labelSets));
  out.reverse();
  return out;
}
