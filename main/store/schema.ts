/**
 * The .netcity file format: a SQLite database marked with our application_id, with a
 * schema_version table and forward-only migrations. A file written by an older NetCity is
 * migrated on open; a file from a newer NetCity is refused (we cannot know what it holds).
 */
import type Database from 'better-sqlite3';

/** "NCTY" in the SQLite header (offset 68): how a .netcity file is told apart from other SQLite files. */
export const APPLICATION_ID = 0x4e435459;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Peers and identity label sets are interned (flows repeat the same few thousand of each millions of times). */
const V1 = `
CREATE TABLE schema_version (
  version INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE snapshot (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  model INTEGER NOT NULL,
  window_from INTEGER,
  window_to INTEGER
);
CREATE TABLE cluster (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  name TEXT NOT NULL,
  context TEXT,
  server TEXT,
  kubernetes_version TEXT,
  source TEXT NOT NULL
);
CREATE TABLE road_builder (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  name TEXT NOT NULL,
  version TEXT,
  mode TEXT,
  enforces_network_policy TEXT NOT NULL,
  policy_kinds TEXT NOT NULL,
  flow_sources TEXT NOT NULL,
  pod_cidrs TEXT,
  details TEXT NOT NULL,
  evidence TEXT NOT NULL
);
CREATE TABLE namespaces (
  name TEXT PRIMARY KEY,
  labels TEXT NOT NULL
);
CREATE TABLE nodes (
  name TEXT PRIMARY KEY,
  labels TEXT NOT NULL,
  addresses TEXT NOT NULL,
  pod_cidrs TEXT NOT NULL,
  ready INTEGER
);
CREATE TABLE workloads (
  namespace TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  pod_labels TEXT NOT NULL,
  replicas INTEGER,
  PRIMARY KEY (namespace, kind, name)
);
CREATE TABLE pods (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  ips TEXT NOT NULL,
  node TEXT,
  phase TEXT NOT NULL,
  host_network INTEGER NOT NULL,
  owner_kind TEXT,
  owner_name TEXT,
  ports TEXT NOT NULL,
  representative INTEGER,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE services (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  cluster_ips TEXT NOT NULL,
  external_name TEXT,
  ports TEXT NOT NULL,
  selector TEXT,
  PRIMARY KEY (namespace, name)
);
CREATE TABLE service_endpoints (
  namespace TEXT NOT NULL,
  service TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ip TEXT NOT NULL,
  pod TEXT,
  node TEXT,
  ready INTEGER NOT NULL,
  PRIMARY KEY (namespace, service, seq)
);
CREATE TABLE policies (
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  api_version TEXT NOT NULL,
  manifest TEXT NOT NULL,
  PRIMARY KEY (kind, namespace, name)
);
CREATE TABLE peers (
  id INTEGER PRIMARY KEY,
  peer TEXT NOT NULL UNIQUE
);
CREATE TABLE label_sets (
  id INTEGER PRIMARY KEY,
  labels TEXT NOT NULL UNIQUE
);
CREATE TABLE flows (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  source TEXT NOT NULL,
  src INTEGER NOT NULL,
  src_wl INTEGER,
  src_ip TEXT,
  src_port INTEGER,
  dst INTEGER NOT NULL,
  dst_wl INTEGER,
  dst_ip TEXT,
  dst_port INTEGER,
  protocol TEXT NOT NULL,
  port INTEGER,
  verdict TEXT NOT NULL,
  drop_reason TEXT,
  dst_service TEXT,
  allowed_by TEXT,
  denied_by TEXT,
  l7 TEXT,
  is_reply INTEGER,
  node TEXT,
  no_reply INTEGER,
  bytes INTEGER,
  packets INTEGER,
  src_labels INTEGER,
  dst_labels INTEGER,
  road_src INTEGER NOT NULL,
  road_dst INTEGER NOT NULL,
  road_port INTEGER
);
CREATE INDEX flows_by_time ON flows (time);
CREATE TABLE roads (
  key TEXT PRIMARY KEY,
  src TEXT NOT NULL,
  dst TEXT NOT NULL,
  protocol TEXT NOT NULL,
  port INTEGER,
  verdict TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  rest TEXT NOT NULL
);
CREATE TABLE probes (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  time INTEGER NOT NULL,
  src TEXT NOT NULL,
  dst TEXT NOT NULL,
  dst_target TEXT,
  protocol TEXT NOT NULL,
  port INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  latency_ms REAL,
  detail TEXT
);
CREATE INDEX probes_by_time ON probes (time);
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  severity TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  detail TEXT NOT NULL,
  target TEXT
);
CREATE TABLE warnings (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  subject TEXT,
  count INTEGER
);
CREATE TABLE permissions (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL DEFAULT '',
  verb TEXT NOT NULL,
  allowed INTEGER NOT NULL,
  PRIMARY KEY (resource, namespace, verb)
);
CREATE TABLE positions (
  peer TEXT PRIMARY KEY,
  x REAL NOT NULL,
  y REAL NOT NULL,
  pinned INTEGER
);
CREATE TABLE notes (
  id TEXT PRIMARY KEY,
  time INTEGER NOT NULL,
  target TEXT,
  text TEXT NOT NULL
);
`;

/**
 * v2: capture bookkeeping. `capture` records whether the writer closed cleanly (a crash leaves
 * clean = 0, so the app can say "capture interrupted") and how many raw flows were pruned by the
 * bound; roads_by_peer speeds up "roads touching X" lookups in the viewer.
 */
const V2 = `
CREATE TABLE capture (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  started_at INTEGER,
  last_flush_at INTEGER,
  clean INTEGER NOT NULL DEFAULT 1,
  flows_pruned INTEGER NOT NULL DEFAULT 0
);
INSERT INTO capture (one, clean, flows_pruned) VALUES (1, 1, 0);
CREATE INDEX roads_by_src ON roads (src);
CREATE INDEX roads_by_dst ON roads (dst);
`;

/** v3: the pod's service account (Calico serviceAccounts / serviceAccountSelector matches). */
const V3 = `
ALTER TABLE pods ADD COLUMN service_account TEXT;
`;

/** The flows columns held as ids into `strings` (v4); allowed_by, denied_by and l7 stay JSON text. */
export const CODED_FLOW_COLUMNS = ['source', 'src_ip', 'dst_ip', 'protocol', 'verdict', 'drop_reason', 'dst_service', 'node'] as const;

/**
 * v4: integer-coded flows. The repeated strings of a flow row (source, addresses, protocol,
 * verdict, drop reason, service, node) are ids into one dictionary table, `strings`: rows are
 * smaller and much faster to write (SQLite binds and stores an integer for each). Readers get
 * the text back with FLOW_SELECT_SQL. Existing rows are re-coded in place.
 */
const V4 = `
CREATE TABLE strings (
  id INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);
INSERT INTO strings (text)
  SELECT v FROM (${CODED_FLOW_COLUMNS.map((c) => `SELECT ${c} AS v FROM flows`).join(' UNION ')}) WHERE v IS NOT NULL;
CREATE TABLE flows_v4 (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  source INTEGER NOT NULL,
  src INTEGER NOT NULL,
  src_wl INTEGER,
  src_ip INTEGER,
  src_port INTEGER,
  dst INTEGER NOT NULL,
  dst_wl INTEGER,
  dst_ip INTEGER,
  dst_port INTEGER,
  protocol INTEGER NOT NULL,
  port INTEGER,
  verdict INTEGER NOT NULL,
  drop_reason INTEGER,
  dst_service INTEGER,
  allowed_by TEXT,
  denied_by TEXT,
  l7 TEXT,
  is_reply INTEGER,
  node INTEGER,
  no_reply INTEGER,
  bytes INTEGER,
  packets INTEGER,
  src_labels INTEGER,
  dst_labels INTEGER,
  road_src INTEGER NOT NULL,
  road_dst INTEGER NOT NULL,
  road_port INTEGER
);
INSERT INTO flows_v4
  SELECT id, time, (SELECT id FROM strings WHERE text = f.source), src, src_wl, (SELECT id FROM strings WHERE text = f.src_ip), src_port,
         dst, dst_wl, (SELECT id FROM strings WHERE text = f.dst_ip), dst_port, (SELECT id FROM strings WHERE text = f.protocol), port,
         (SELECT id FROM strings WHERE text = f.verdict), (SELECT id FROM strings WHERE text = f.drop_reason),
         (SELECT id FROM strings WHERE text = f.dst_service), allowed_by, denied_by, l7, is_reply,
         (SELECT id FROM strings WHERE text = f.node), no_reply, bytes, packets, src_labels, dst_labels, road_src, road_dst, road_port
  FROM flows f;
DROP TABLE flows;
ALTER TABLE flows_v4 RENAME TO flows;
CREATE INDEX flows_by_time ON flows (time);
`;

const text = (c: string): string => `(SELECT text FROM strings WHERE id = f.${c}) AS ${c}`;

/** The flows columns as text, as schemas 1-3 stored them (FROM flows f). */
export const FLOW_SELECT_SQL = `SELECT f.id, f.time, ${text('source')}, f.src, f.src_wl, ${text('src_ip')}, f.src_port, f.dst, f.dst_wl, ${text('dst_ip')}, f.dst_port,
  ${text('protocol')}, f.port, ${text('verdict')}, ${text('drop_reason')}, ${text('dst_service')}, f.allowed_by, f.denied_by, f.l7, f.is_reply,
  ${text('node')}, f.no_reply, f.bytes, f.packets, f.src_labels, f.dst_labels, f.road_src, f.road_dst, f.road_port FROM flows f`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'snapshot tables, interned peers, flows indexed by time', sql: V1 },
  { version: 2, description: 'capture bookkeeping (clean close, pruned flows), road peer indexes', sql: V2 },
  { version: 3, description: "pods' service account", sql: V3 },
  { version: 4, description: 'integer-coded flows: repeated strings in a dictionary table', sql: V4 },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema version of an open file: 0 for an empty database. */
export function schemaVersionOf(db: Database.Database): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!has) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies every migration above the file's version, up to `target`, each in its own transaction
 * so a crash leaves the file at a whole version. Returns the versions applied.
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number[] {
  const applied: number[] = [];
  const current = schemaVersionOf(db);
  if (current === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(m.version, Date.now(), m.description);
    })();
    applied.push(m.version);
  }
  return applied;
}
