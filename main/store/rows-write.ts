/** Model -> rows: writes each part of a Snapshot into its table. Callers own the transaction. */
import type Database from 'better-sqlite3';
import type {
  CaptureWarning,
  Finding,
  FlowRecord,
  Note,
  Permission,
  PeerId,
  Position,
  ProbeResult,
  RoadAggregate,
  Snapshot,
} from '../model/types.js';

const json = (v: unknown): string => JSON.stringify(v);
const jsonOrNull = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const bool = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** Writes header, inventory, policies and permissions, replacing what was there. */
export function writeInventory(db: Database.Database, snap: Snapshot): void {
  db.prepare(
    'INSERT OR REPLACE INTO snapshot (one, id, name, created_at, model, window_from, window_to) VALUES (1, ?, ?, ?, ?, ?, ?)',
  ).run(snap.id, snap.name, snap.createdAt, snap.model, opt(snap.window.from), opt(snap.window.to));
  const c = snap.cluster;
  db.prepare(
    'INSERT OR REPLACE INTO cluster (one, name, context, server, kubernetes_version, source) VALUES (1, ?, ?, ?, ?, ?)',
  ).run(c.name, opt(c.context), opt(c.server), opt(c.kubernetesVersion), c.source);
  const r = snap.roadBuilder;
  db.prepare(
    `INSERT OR REPLACE INTO road_builder (one, name, version, mode, enforces_network_policy, policy_kinds, flow_sources, pod_cidrs, details, evidence)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    r.name,
    opt(r.version),
    opt(r.mode),
    String(r.enforcesNetworkPolicy),
    json(r.policyKinds),
    json(r.flowSources),
    jsonOrNull(r.podCIDRs),
    json(r.details),
    json(r.evidence),
  );
  for (const t of ['namespaces', 'nodes', 'workloads', 'pods', 'services', 'service_endpoints', 'policies']) db.exec(`DELETE FROM ${t}`);
  const ns = db.prepare('INSERT INTO namespaces (name, labels) VALUES (?, ?)');
  for (const n of snap.namespaces) ns.run(n.name, json(n.labels));
  const node = db.prepare('INSERT INTO nodes (name, labels, addresses, pod_cidrs, ready) VALUES (?, ?, ?, ?, ?)');
  for (const n of snap.nodes) node.run(n.name, json(n.labels), json(n.addresses), json(n.podCIDRs), bool(n.ready));
  const wl = db.prepare('INSERT INTO workloads (namespace, kind, name, labels, pod_labels, replicas) VALUES (?, ?, ?, ?, ?, ?)');
  for (const w of snap.workloads) wl.run(w.namespace, w.kind, w.name, json(w.labels), json(w.podLabels), opt(w.replicas));
  // service_account is schema 3; a file at an older schema (built on purpose) goes without it.
  const sa = db.prepare("SELECT 1 FROM pragma_table_info('pods') WHERE name = 'service_account'").get() !== undefined;
  const pod = db.prepare(
    `INSERT INTO pods (namespace, name, labels, ips, node, phase, host_network, owner_kind, owner_name, ports, representative${sa ? ', service_account' : ''})
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?${sa ? ', ?' : ''})`,
  );
  for (const p of snap.pods) {
    pod.run(
      p.namespace,
      p.name,
      json(p.labels),
      json(p.ips),
      opt(p.node),
      p.phase,
      p.hostNetwork ? 1 : 0,
      p.owner?.kind ?? null,
      p.owner?.name ?? null,
      json(p.ports),
      bool(p.representative),
      ...(sa ? [opt(p.serviceAccount)] : []),
    );
  }
  const svc = db.prepare(
    'INSERT INTO services (namespace, name, type, cluster_ips, external_name, ports, selector) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const ep = db.prepare('INSERT INTO service_endpoints (namespace, service, seq, ip, pod, node, ready) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const s of snap.services) {
    svc.run(s.namespace, s.name, s.type, json(s.clusterIPs), opt(s.externalName), json(s.ports), jsonOrNull(s.selector));
    s.endpoints.forEach((e, i) => ep.run(s.namespace, s.name, i, e.ip, opt(e.pod), opt(e.node), e.ready ? 1 : 0));
  }
  const pol = db.prepare('INSERT OR REPLACE INTO policies (kind, namespace, name, api_version, manifest) VALUES (?, ?, ?, ?, ?)');
  for (const p of snap.policies) pol.run(p.kind, p.namespace ?? '', p.name, p.apiVersion, json(p.manifest));
  db.exec('DELETE FROM permissions');
  writePermissions(db, snap.permissions);
}

/** The review tables: probes, findings, warnings, positions, notes (added to, not replaced, except findings). */
export function writeReview(db: Database.Database, snap: Pick<Snapshot, 'probes' | 'findings' | 'warnings' | 'positions' | 'notes'>): void {
  writeProbes(db, snap.probes);
  writeFindings(db, snap.findings, true);
  writeWarnings(db, snap.warnings);
  writePositions(db, snap.positions, false);
  writeNotes(db, snap.notes, false);
}

export function writeProbes(db: Database.Database, probes: ProbeResult[]): void {
  const st = db.prepare(
    `INSERT OR REPLACE INTO probes (id, run_id, kind, time, src, dst, dst_target, protocol, port, outcome, latency_ms, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const p of probes) {
    st.run(p.id, p.runId, p.kind, p.time, p.src, p.dst, opt(p.dstTarget), p.protocol, p.port, p.outcome, opt(p.latencyMs), opt(p.detail));
  }
}

export function writeFindings(db: Database.Database, findings: Finding[], replaceAll: boolean): void {
  if (replaceAll) db.exec('DELETE FROM findings');
  const st = db.prepare('INSERT OR REPLACE INTO findings (id, severity, kind, title, detail, target) VALUES (?, ?, ?, ?, ?, ?)');
  for (const f of findings) st.run(f.id, f.severity, f.kind, f.title, f.detail, opt(f.target));
}

export function writeWarnings(db: Database.Database, warnings: CaptureWarning[]): void {
  const st = db.prepare('INSERT INTO warnings (time, kind, message, subject, count) VALUES (?, ?, ?, ?, ?)');
  for (const w of warnings) st.run(w.time, w.kind, w.message, opt(w.subject), opt(w.count));
}

export function writePermissions(db: Database.Database, permissions: Permission[]): void {
  const st = db.prepare('INSERT OR REPLACE INTO permissions (resource, namespace, verb, allowed) VALUES (?, ?, ?, ?)');
  for (const p of permissions) st.run(p.resource, p.namespace ?? '', p.verb, p.allowed ? 1 : 0);
}

export function writePositions(db: Database.Database, positions: Record<PeerId, Position>, replaceAll: boolean): void {
  if (replaceAll) db.exec('DELETE FROM positions');
  const st = db.prepare('INSERT OR REPLACE INTO positions (peer, x, y, pinned) VALUES (?, ?, ?, ?)');
  for (const [peer, p] of Object.entries(positions)) st.run(peer, p.x, p.y, bool(p.pinned));
}

export function writeNotes(db: Database.Database, notes: Note[], replaceAll: boolean): void {
  if (replaceAll) db.exec('DELETE FROM notes');
  const st = db.prepare('INSERT OR REPLACE INTO notes (id, time, target, text) VALUES (?, ?, ?, ?)');
  for (const n of notes) st.run(n.id, n.time, opt(n.target), n.text);
}

/** Roads are upserted by key: a later aggregate of the same road replaces the earlier one. */
export function writeRoads(db: Database.Database, roads: RoadAggregate[]): void {
  const st = db.prepare(
    `INSERT OR REPLACE INTO roads (key, src, dst, protocol, port, verdict, count, first_seen, last_seen, rest)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of roads) {
    const rest = {
      dropReasons: r.dropReasons,
      dstService: r.dstService,
      allowedBy: r.allowedBy,
      deniedBy: r.deniedBy,
      pendingBy: r.pendingBy,
      sources: r.sources,
      noReply: r.noReply,
      l7: r.l7,
    };
    st.run(r.key, r.src, r.dst, r.protocol, opt(r.port), r.verdict, r.count, r.firstSeen, r.lastSeen, json(rest));
  }
}

const INSERT_FLOWS = `INSERT INTO flows (time, source, src, src_wl, src_ip, src_port, dst, dst_wl, dst_ip, dst_port, protocol, port, verdict,
  drop_reason, dst_service, allowed_by, denied_by, l7, is_reply, node, no_reply, bytes, packets, src_labels, dst_labels, road_src, road_dst, road_port)`;
const COLUMNS = 28;

function sameList(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
const BATCH_ROWS = 32;

/** Per interned peer: its workload, identity labels and address as last seen, with their ids. */
interface EndpointMemo {
  workload: string | undefined;
  workloadId: number | null;
  labels: string[] | undefined;
  labelsId: number | null;
  ip: string | undefined;
  ipCode: string | number | null;
}

/**
 * Inserts flows with interned peers, label sets and (schema 4) strings. One instance per
 * connection: it caches the dictionaries and the prepared insert, which is what makes a million
 * rows take a few seconds. A file not yet migrated to schema 4 (only tests write one: the writer
 * migrates before it writes) gets the text columns of its own schema.
 */
export class FlowInserter {
  private readonly peerIds = new Map<PeerId, number>();
  private nextPeer: number;
  private readonly insertPeer: Database.Statement;
  private readonly labelIds = new Map<string, number>();
  private nextLabels: number;
  private readonly insertLabels: Database.Statement;
  /** Schema 4: the repeated strings of a row are ids into `strings`. */
  private readonly coded: boolean;
  private readonly stringIds = new Map<string, number>();
  private nextString = 1;
  private readonly insertString: Database.Statement | undefined;
  private readonly insertFlow: Database.Statement;
  private readonly insertBatch: Database.Statement;
  private readonly pending: unknown[] = new Array(COLUMNS * BATCH_ROWS);
  private pendingRows = 0;
  private lastNode: string | undefined;
  private lastNodeCode: string | number | null = null;

  constructor(db: Database.Database) {
    for (const r of db.prepare('SELECT id, peer FROM peers').iterate() as Iterable<{ id: number; peer: string }>) {
      this.peerIds.set(r.peer, r.id);
    }
    const max = db.prepare('SELECT MAX(id) AS m FROM peers').get() as { m: number | null };
    this.nextPeer = (max.m ?? 0) + 1;
    this.insertPeer = db.prepare('INSERT INTO peers (id, peer) VALUES (?, ?)');
    for (const r of db.prepare('SELECT id, labels FROM label_sets').iterate() as Iterable<{ id: number; labels: string }>) {
      this.labelIds.set((JSON.parse(r.labels) as string[]).join('\n'), r.id);
    }
    const maxL = db.prepare('SELECT MAX(id) AS m FROM label_sets').get() as { m: number | null };
    this.nextLabels = (maxL.m ?? 0) + 1;
    this.insertLabels = db.prepare('INSERT INTO label_sets (id, labels) VALUES (?, ?)');
    this.coded = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'strings'").get() !== undefined;
    if (this.coded) {
      for (const r of db.prepare('SELECT id, text FROM strings').iterate() as Iterable<{ id: number; text: string }>) {
        this.stringIds.set(r.text, r.id);
        if (r.id >= this.nextString) this.nextString = r.id + 1;
      }
      this.insertString = db.prepare('INSERT INTO strings (id, text) VALUES (?, ?)');
    }
    const values = (n: number) => Array.from({ length: n }, () => `(${new Array(COLUMNS).fill('?').join(',')})`).join(',');
    this.insertFlow = db.prepare(`${INSERT_FLOWS} VALUES ${values(1)}`);
    this.insertBatch = db.prepare(`${INSERT_FLOWS} VALUES ${values(BATCH_ROWS)}`);
  }

  peer(id: PeerId): number {
    let n = this.peerIds.get(id);
    if (n === undefined) {
      n = this.nextPeer++;
      this.insertPeer.run(n, id);
      this.peerIds.set(id, n);
    }
    return n;
  }

  /** A string column's value: its id in `strings` (schema 4), else the text itself. */
  private text(v: string): string | number {
    if (!this.coded) return v;
    let n = this.stringIds.get(v);
    if (n === undefined) {
      n = this.nextString++;
      this.insertString!.run(n, v);
      this.stringIds.set(v, n);
    }
    return n;
  }

  private textOrNull(v: string | undefined): string | number | null {
    return v === undefined ? null : this.text(v);
  }

  /**
   * Per interned peer, what it was seen with last. A pod's workload, labels and address rarely
   * change, so comparing against them is much cheaper than hashing fresh strings again.
   */
  private readonly endpointMemo: (EndpointMemo | undefined)[] = [];

  /** [peer id, workload id, labels id, address] of one endpoint, at out[at..at+3]. */
  private endpoint(ep: FlowRecord['src'], out: unknown[], at: number): void {
    const id = this.peer(ep.peer);
    let memo = this.endpointMemo[id];
    if (memo === undefined) {
      memo = { workload: undefined, workloadId: null, labels: undefined, labelsId: null, ip: undefined, ipCode: null };
      this.endpointMemo[id] = memo;
      memo.workloadId = ep.workload === undefined ? null : this.peer(ep.workload);
      memo.workload = ep.workload;
      memo.labels = ep.labels;
      memo.labelsId = this.labels(ep.labels);
      memo.ip = ep.ip;
      memo.ipCode = this.textOrNull(ep.ip);
    } else {
      if (memo.workload !== ep.workload) {
        memo.workloadId = ep.workload === undefined ? null : this.peer(ep.workload);
        memo.workload = ep.workload;
      }
      if (!sameList(memo.labels, ep.labels)) {
        memo.labels = ep.labels;
        memo.labelsId = this.labels(ep.labels);
      }
      if (memo.ip !== ep.ip) {
        memo.ip = ep.ip;
        memo.ipCode = this.textOrNull(ep.ip);
      }
    }
    out[at] = id;
    out[at + 1] = memo.workloadId;
    out[at + 2] = memo.labelsId;
    out[at + 3] = memo.ipCode;
  }

  private readonly ends: unknown[] = [0, null, null, null, 0, null, null, null];

  labels(list: string[] | undefined): number | null {
    if (list === undefined) return null;
    const key = list.join('\n');
    let n = this.labelIds.get(key);
    if (n === undefined) {
      n = this.nextLabels++;
      this.insertLabels.run(n, JSON.stringify(list));
      this.labelIds.set(key, n);
    }
    return n;
  }

  /**
   * Queues one flow; rows go to SQLite in batches of BATCH_ROWS (one multi-row INSERT each, far
   * fewer native calls). Call finish() before committing. Returns the flow's time.
   */
  insert(f: FlowRecord): number {
    const row = this.pending;
    let o = this.pendingRows * COLUMNS;
    const e = this.ends;
    this.endpoint(f.src, e, 0);
    this.endpoint(f.dst, e, 4);
    const src = e[0] as number;
    const srcWl = e[1] as number | null;
    const dst = e[4] as number;
    const dstWl = e[5] as number | null;
    // Same road rules as flows/aggregate.ts roadOf (pods folded into workloads, replies folded
    // into their request's road), computed on the interned ids so no key string is built.
    const aId = srcWl ?? src;
    const bId = dstWl ?? dst;
    const reply = f.isReply === true;
    if (f.node !== this.lastNode) {
      this.lastNode = f.node;
      this.lastNodeCode = this.textOrNull(f.node);
    }
    row[o++] = f.time;
    row[o++] = this.text(f.source);
    row[o++] = src;
    row[o++] = srcWl;
    row[o++] = e[3];
    row[o++] = f.src.port ?? null;
    row[o++] = dst;
    row[o++] = dstWl;
    row[o++] = e[7];
    row[o++] = f.dst.port ?? null;
    row[o++] = this.text(f.protocol);
    row[o++] = f.port ?? null;
    row[o++] = this.text(f.verdict);
    row[o++] = this.textOrNull(f.dropReason);
    row[o++] = this.textOrNull(f.dstService);
    row[o++] = f.allowedBy === undefined ? null : f.allowedBy.length === 0 ? '[]' : JSON.stringify(f.allowedBy);
    row[o++] = f.deniedBy === undefined ? null : f.deniedBy.length === 0 ? '[]' : JSON.stringify(f.deniedBy);
    row[o++] = f.l7 ? JSON.stringify(f.l7) : null;
    row[o++] = f.isReply === undefined ? null : f.isReply ? 1 : 0;
    row[o++] = this.lastNodeCode;
    row[o++] = f.noReply === undefined ? null : f.noReply ? 1 : 0;
    row[o++] = f.bytes ?? null;
    row[o++] = f.packets ?? null;
    row[o++] = e[2];
    row[o++] = e[6];
    row[o++] = reply ? bId : aId;
    row[o++] = reply ? aId : bId;
    row[o++] = (reply ? (f.src.port ?? f.port) : f.port) ?? null;
    if (++this.pendingRows === BATCH_ROWS) {
      this.insertBatch.run(row);
      this.pendingRows = 0;
    }
    return f.time;
  }

  /** Writes the rows still queued (fewer than a batch). */
  finish(): void {
    for (let i = 0; i < this.pendingRows; i++) this.insertFlow.run(this.pending.slice(i * COLUMNS, (i + 1) * COLUMNS));
    this.pendingRows = 0;
  }
}
