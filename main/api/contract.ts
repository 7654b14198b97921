/**
 * The one API contract between the UI and the backend. Both transports (Electron IPC through the
 * preload, and browser mode over HTTP + WebSocket) carry exactly these methods and events; main
 * validates every argument with the schemas below before anything runs. A leaf module: it imports
 * only pure core and its validator (eslint.config.js, layer 'Contract'), so main, the preload and
 * the renderer share it. Arguments that differ by kind are unions discriminated by that field
 * (`probes.plan` by `kind`, `export.render` by `format`), checked per variant at the boundary.
 */
import { EXPORT_FORMATS, type ExportFormat } from '../export/formats.js';
import type { WireMapModel } from '../map/model.js';
import type {
  CaptureWarning,
  ClusterInfo,
  Finding,
  FlowRecord,
  Permission,
  PolicyObject,
  ProbeResult,
  RoadBuilder,
} from '../model/types.js';
import { ROAD_BUILDER_NAMES } from '../model/types.js';
import { array, boolean, number, object, oneOf, optional, record, string, variants, type Infer, type Schema } from './validate.js';

const cityId = string({ min: 1, max: 300, pattern: /^(?!.*\.\.)[\w.:@/~-]+$/, what: 'a city id' });
const peer = string({ min: 1, max: 600 });
const path = string({ min: 1, max: 4096 });
const window = optional(object({ from: optional(number({ min: 0 })), to: optional(number({ min: 0 })) }));
const taskId = string({ min: 1, max: 100, pattern: /^[\w-]+$/, what: 'a task id' });

export { EXPORT_FORMATS, type ExportFormat };

export const OVERLAYS = ['policy', 'flows', 'probes', 'diff', 'whatif'] as const;
export type Overlay = (typeof OVERLAYS)[number];

export const FLOW_COLUMNS = ['time', 'source', 'destination', 'port', 'verdict', 'dropReason', 'policy', 'l7'] as const;
export type FlowColumn = (typeof FLOW_COLUMNS)[number];
const text = string({ max: 200 });
const VERDICTS = ['FORWARDED', 'DROPPED', 'AUDIT', 'REDIRECTED', 'ERROR', 'TRACED', 'TRANSLATED'] as const;

/** The flows view's selection: a road or a peer, a time window, verdicts, text per column, a sort. */
const flowQuery = {
  edgeId: optional(string({ max: 2000 })),
  peer: optional(peer),
  window,
  verdicts: optional(array(oneOf(VERDICTS), { max: 7 })),
  filters: optional(
    object({
      time: optional(text),
      source: optional(text),
      destination: optional(text),
      port: optional(text),
      verdict: optional(text),
      dropReason: optional(text),
      policy: optional(text),
      l7: optional(text),
    }),
  ),
  sort: optional(object({ by: oneOf(FLOW_COLUMNS), desc: optional(boolean()) })),
};

const flowFilters = optional(
  object({
    namespaces: optional(array(string({ min: 1, max: 253 }), { max: 200 })),
    pods: optional(array(string({ min: 1, max: 400 }), { max: 200 })),
    labels: optional(array(string({ min: 1, max: 400 }), { max: 50 })),
    verdicts: optional(array(oneOf(VERDICTS), { max: 7 })),
    protocols: optional(array(oneOf(['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPv6'] as const), { max: 5 })),
    ports: optional(array(number({ min: 1, max: 65535, int: true }), { max: 100 })),
  }),
);

/** What every export takes: the city, a selection, redaction, the map's time window, overlays and roads, a title. */
const exportCommon = {
  cityId,
  selection: optional(array(peer, { max: 50_000 })),
  redact: optional(boolean()),
  window,
  overlays: optional(object({ policy: optional(boolean()), flows: optional(boolean()), probes: optional(boolean()) })),
  /** false: only roads seen or probed, not those policies merely allow (default true, as the map). */
  possibleRoads: optional(boolean()),
  title: optional(string({ min: 1, max: 200 })),
};
const exportBackground = optional(oneOf(['white', 'transparent'] as const));
const roadLevel = optional(oneOf(['auto', 'blocks', 'districts'] as const));

/** Argument schemas, one per method. */
export const METHODS = {
  'contexts.list': object({ kubeconfigPath: optional(path) }),
  'cluster.connect': object({ context: string({ min: 1, max: 253 }), kubeconfigPath: optional(path), namespaces: optional(array(string({ min: 1, max: 253 }), { max: 500 })) }),
  /** The user allowed this context's exec plugin in the Connect dialog (digest as listed: file bytes + user + command). */
  'cluster.allowExec': object({
    context: string({ min: 1, max: 253 }),
    kubeconfigPath: optional(path),
    digest: string({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, what: 'an exec digest' }),
  }),
  'cities.list': object({}),
  'demo.open': object({}),
  'city.select': object({ cityId }),
  'city.close': object({ cityId }),
  'city.summary': object({ cityId }),
  'city.map': object({ cityId, window, possibleRoads: optional(boolean()) }),
  'city.search': object({ cityId, query: string({ min: 1, max: 200 }), limit: optional(number({ min: 1, max: 500, int: true })) }),
  'city.flows': object({ cityId, ...flowQuery, offset: optional(number({ min: 0, int: true })), limit: optional(number({ min: 1, max: 5000, int: true })) }),
  'city.flowsCsv': object({ cityId, ...flowQuery }),
  'city.timeline': object({ cityId, buckets: optional(number({ min: 1, max: 2000, int: true })) }),
  'road.explain': object({ cityId, edgeId: string({ min: 1, max: 2000 }) }),
  'node.details': object({ cityId, nodeId: peer }),
  'positions.set': object({ cityId, positions: record(object({ x: number(), y: number(), pinned: optional(boolean()) }), { maxKeys: 50_000 }) }),
  'notes.add': object({ cityId, target: optional(peer), text: string({ min: 1, max: 10_000 }) }),
  'whatif.preview': object({ cityId, yaml: string({ min: 1, max: 1_000_000 }) }),
  /** What the city's Calico staged policies would change if enforced (they never are). */
  'whatif.staged': object({ cityId }),
  'capture.start': object({
    cityId,
    source: oneOf(['hubble', 'goldmane', 'probe'] as const),
    address: optional(string({ min: 1, max: 300 })),
    tls: optional(object({ caPath: optional(path), certPath: optional(path), keyPath: optional(path), serverName: optional(string({ max: 253 })) })),
    filters: flowFilters,
    since: optional(number({ min: 0 })),
    last: optional(number({ min: 1, max: 1_000_000, int: true })),
  }),
  'capture.stop': object({ cityId }),
  /** What to probe: each kind with the fields it needs (a path check a source, target and port; a matrix its namespace). */
  'probes.plan': variants(
    'kind',
    { cityId, image: optional(string({ min: 1, max: 500 })) },
    {
      enforcement: {},
      path: {
        source: string({ min: 1, max: 600, what: 'a source pod (pod:NAMESPACE/NAME)' }),
        target: string({ min: 1, max: 300, what: 'a target (pod:NS/NAME, svc:NS/NAME, dns:NAME or ip:ADDR)' }),
        protocol: optional(oneOf(['TCP', 'UDP', 'SCTP'] as const)),
        port: number({ min: 1, max: 65535, int: true }),
      },
      matrix: { namespace: string({ min: 1, max: 253, what: 'a namespace' }) },
      flows: {},
    },
  ),
  'probes.run': object({ cityId, planId: string({ min: 1, max: 100 }), consent: boolean() }),
  'tasks.cancel': object({ taskId }),
  'snapshots.list': object({}),
  'snapshots.save': object({ cityId, name: optional(string({ min: 1, max: 200 })), path: optional(path) }),
  'snapshots.open': object({ path }),
  'snapshots.rename': object({ path, name: string({ min: 1, max: 200 }) }),
  'snapshots.delete': object({ path }),
  'snapshots.duplicate': object({ path }),
  'snapshots.diff': object({ a: cityId, b: cityId }),
  'flows.import': object({ cityId: optional(cityId), fileName: string({ min: 1, max: 500 }), text: optional(string({ max: 512 * 1024 * 1024 })), path: optional(path) }),
  /** A sample of the flows compared with the open city (another cluster's capture?), before importing. */
  'flows.inspect': object({ cityId, fileName: string({ min: 1, max: 500 }), text: optional(string({ max: 512 * 1024 * 1024 })), path: optional(path) }),
  /** roadBuilder: the CNI the cluster runs when the folder does not hold it (`serve --road-builder`). */
  'manifests.open': object({ paths: array(path, { max: 100 }), roadBuilder: optional(oneOf(ROAD_BUILDER_NAMES.filter((n) => n !== 'unknown'))) }),
  /** An export: each format with the options it takes (scale for PNG, a background for PNG and SVG, road level for drawn and graph formats). */
  'export.render': variants('format', exportCommon, {
    svg: { background: exportBackground, roads: roadLevel },
    png: { scale: optional(number({ min: 1, max: 4 })), background: exportBackground, roads: roadLevel },
    html: { roads: roadLevel },
    pdf: { roads: roadLevel },
    dot: { roads: roadLevel },
    mermaid: { roads: roadLevel },
    'csv-matrix': {},
    'csv-flows': {},
    json: {},
  } satisfies Record<ExportFormat, Record<string, Schema<unknown>>>),
  'settings.get': object({}),
  'settings.set': object({
    maxRawFlows: optional(number({ min: 0, max: 10_000_000, int: true })),
    probeImage: optional(string({ min: 1, max: 500 })),
    snapshotDir: optional(path),
    execTimeoutSeconds: optional(number({ min: 1, max: 3600, int: true })),
    maxManifestFileMB: optional(number({ min: 1, max: 1024 * 1024, int: true })),
    maxManifestTotalMB: optional(number({ min: 1, max: 1024 * 1024, int: true })),
  }),
} satisfies Record<string, Schema<unknown>>;

export type MethodName = keyof typeof METHODS;
export type ArgsOf<M extends MethodName> = Infer<(typeof METHODS)[M]>;
/** Omit over each member of a union (TypeScript's Omit merges a union into one object). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What to export, without the city: the app's export dialog and `netcity export` give the same. */
export type ExportArgs = DistributiveOmit<ArgsOf<'export.render'>, 'cityId'>;
/** What to probe, in which city. */
export type ProbePlanArgs = ArgsOf<'probes.plan'>;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

// ---- Results ----

export interface ContextSummary {
  name: string;
  cluster: string;
  server: string;
  user: string;
  namespace?: string;
  auth: string;
  execCommand?: string;
  /** What the user allows when they confirm the exec command (see cluster.allowExec). */
  execDigest?: string;
  /** The user already allowed this exact file + command. */
  execAllowed?: boolean;
  installHint?: string;
  warnings: string[];
  current: boolean;
}

export type CityKind = 'demo' | 'live' | 'snapshot' | 'manifests' | 'import';

/**
 * A capture's state, as the badge shows it: connecting → capturing (n flows/s) → stalled (connected,
 * no flows) or unreachable (why, next retry) → stopped.
 */
export interface CaptureView {
  state: 'connecting' | 'capturing' | 'stalled' | 'unreachable' | 'stopped';
  target: string;
  flows: number;
  flowsPerSecond: number;
  startedAt: number;
  lastFlowAt?: number;
  /** Why it is stalled, unreachable or stopped, and what to try. */
  reason?: string;
  attempt?: number;
  /** When the next connection attempt is made (unreachable, retrying with backoff). */
  retryAt?: number;
  /** The file flows are saved to (only once the first flow arrived). */
  file?: string;
}

export interface CitySummary {
  id: string;
  name: string;
  kind: CityKind;
  cluster: ClusterInfo;
  roadBuilder: RoadBuilder;
  window: { from?: number; to?: number };
  counts: { namespaces: number; workloads: number; pods: number; services: number; policies: number; flows: number; roads: number };
  status: 'ready' | 'loading' | 'live' | 'stale' | 'capturing';
  statusMessage?: string;
  /** The running (or last) flow capture. */
  capture?: CaptureView;
  filePath?: string;
  findings: Finding[];
  warnings: CaptureWarning[];
  permissions: Permission[];
  selected: boolean;
}

export interface SearchHit {
  id: string;
  kind: 'pod' | 'workload' | 'service' | 'namespace' | 'outskirt' | 'policy';
  label: string;
  detail: string;
}

export interface ExplanationStepView {
  direction: 'egress' | 'ingress' | 'both';
  layer: string;
  policy?: string;
  /** Calico: the tier of the deciding policy or default action. */
  tier?: string;
  rule?: string;
  effect: string;
  text: string;
}

export interface PortVerdict {
  protocol: string;
  port: number;
  predicted: 'allowed' | 'denied' | 'unknown';
  l7?: boolean;
  /** Allowed only because the road builder does not enforce these policies (the verdict as written). */
  unenforced?: { verdict: 'allowed' | 'denied' | 'unknown'; policies: string[]; by: string };
  summary: string;
  steps: ExplanationStepView[];
}

export interface RoadExplanation {
  edgeId: string;
  source: { id: string; label: string };
  target: { id: string; label: string };
  observed?: {
    verdict: string;
    count: number;
    dropped: number;
    dropReasons: Record<string, number>;
    allowedBy: string[];
    deniedBy: string[];
    /** Rules staged (not enforced) policies would have applied, as the flow source reports them (Calico Goldmane). */
    pendingBy?: string[];
    firstSeen?: number;
    lastSeen?: number;
  };
  probed?: ProbeResult[];
  ports: PortVerdict[];
  /** Where predicted, observed and probed disagree: why we think so. */
  disagreements: string[];
  /**
   * For ports the policies deny but observed traffic uses: NetworkPolicy YAML that would allow
   * them (checked with the engine), or why none can.
   */
  draft?: { yaml: string; summary: string } | { refused: string };
  /** The policies the steps name, with their YAML (the panel links each mention to it). */
  policies: { key: string; kind: string; name: string; yaml: string }[];
}

export interface NodeDetails {
  id: string;
  kind: string;
  label: string;
  facts: [string, string][];
  fences?: { ingress: { isolated: boolean; by: string[] }; egress: { isolated: boolean; by: string[] } };
  policies: { key: string; kind: string; yaml: string }[];
  roadsIn: number;
  roadsOut: number;
  /** Every road to or from this place on the map (its block's roads for a house, its backends' for a service): one row each. */
  peers: PeerRow[];
}

export interface PeerRow {
  /** in: the peer talks to this place; out: this place talks to the peer. */
  direction: 'in' | 'out';
  peer: string;
  peerLabel: string;
  /** The map road this row is (selecting the row selects the road). */
  edgeId: string;
  ports: string;
  predicted?: 'allowed' | 'denied' | 'unknown';
  observed?: 'allowed' | 'denied' | 'unknown';
  probed?: 'ok' | 'blocked' | 'mismatch';
  flows: number;
  dropped: number;
  /** mismatch, unenforced, possible (predicted only), mixed... */
  flags: string[];
}

export type FlowQueryArgs = Omit<ArgsOf<'city.flowsCsv'>, 'cityId'>;

export interface FlowPage {
  total: number;
  rows: FlowRecord[];
}

export interface TimelineBucket {
  from: number;
  to: number;
  forwarded: number;
  dropped: number;
}

export interface WhatIfResult {
  policies: { key: string; change: 'added' | 'changed' | 'removed' }[];
  newlyAllowed: { src: string; dst: string; ports: string }[];
  newlyDenied: { src: string; dst: string; ports: string }[];
  /** Observed flows that the changed policies would drop. */
  flowsDropped: { road: string; count: number }[];
  errors: string[];
  map: WireMapModel;
}

export interface ProbePlanView {
  planId: string;
  kind: string;
  summary: string;
  objects: { kind: string; namespace?: string; name: string; privileges: string }[];
  permissions: { verb: string; resource: string; namespace?: string; allowed?: boolean }[];
  checks: number;
  estimatedSeconds: number;
  warnings: string[];
  refused?: string;
  /** The city is not a live cluster: this is the plan that would run once connected (permissions unchecked). */
  needsConnect?: true;
}

export interface SnapshotEntry {
  path: string;
  name: string;
  cluster: string;
  createdAt: number;
  sizeBytes: number;
  pods: number;
  flows: number;
}

export interface DiffView {
  a: string;
  b: string;
  summary: string[];
  /** Peer ids and edge ids added / removed / changed, for the diff overlay. */
  added: string[];
  removed: string[];
  changed: string[];
  text: string;
  /** The diff as table rows, grouped by section then namespace. */
  rows: { section: string; change: string; namespace: string; subject: string; details: string[] }[];
  map: WireMapModel;
}

export interface ExportResult {
  fileName: string;
  mime: string;
  /** Text formats as text, binary ones base64. */
  encoding: 'utf8' | 'base64';
  data: string;
  bytes: number;
}

export interface Settings {
  maxRawFlows: number;
  probeImage: string;
  snapshotDir: string;
  /** Exec credential plugins are stopped after this many seconds. */
  execTimeoutSeconds: number;
  /** Manifest loads refuse a file larger than this (MiB), and a load larger than the total. */
  maxManifestFileMB: number;
  maxManifestTotalMB: number;
  /** Folders API calls may use besides the library: edited in settings.json only, never through the API. */
  allowedFolders?: string[];
}

/** How a sample of flows matches the open city's inventory (see main/city/flow-match.ts). */
export interface FlowMatchView {
  sampled: number;
  withPods: number;
  matched: number;
  unknownNamespaces: string[];
  foreign: boolean;
}

export interface ImportResult {
  cityId: string;
  flows: number;
  invalidLines: { line: number; error: string }[];
  warnings: string[];
}

export interface ApiResults {
  'contexts.list': { contexts: ContextSummary[]; error?: string; files: string[] };
  'cluster.connect': CitySummary;
  'cluster.allowExec': { ok: true };
  'cities.list': CitySummary[];
  'demo.open': CitySummary;
  'city.select': CitySummary;
  'city.close': { ok: true };
  'city.summary': CitySummary;
  'city.map': WireMapModel;
  'city.search': SearchHit[];
  'city.flows': FlowPage;
  'city.flowsCsv': { csv: string; rows: number };
  'city.timeline': TimelineBucket[];
  'road.explain': RoadExplanation;
  'node.details': NodeDetails;
  'positions.set': { ok: true };
  'notes.add': { ok: true };
  'whatif.preview': WhatIfResult;
  'whatif.staged': WhatIfResult;
  'capture.start': { taskId: string };
  'capture.stop': { ok: true; flows: number };
  'probes.plan': ProbePlanView;
  'probes.run': { taskId: string };
  'tasks.cancel': { ok: true };
  'snapshots.list': SnapshotEntry[];
  'snapshots.save': SnapshotEntry;
  'snapshots.open': CitySummary;
  'snapshots.rename': SnapshotEntry;
  'snapshots.delete': { ok: true };
  'snapshots.duplicate': SnapshotEntry;
  'snapshots.diff': DiffView;
  'flows.import': ImportResult;
  'flows.inspect': FlowMatchView;
  'manifests.open': CitySummary;
  'export.render': ExportResult;
  'settings.get': Settings;
  'settings.set': Settings;
}

export type ResultOf<M extends MethodName> = ApiResults[M];

// ---- Push events ----

export interface TaskProgress {
  taskId: string;
  label: string;
  done: number;
  total?: number;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  message?: string;
  cancellable: boolean;
  /** The call that started it answers with the outcome (the UI shows that, not a second notice). */
  awaited?: boolean;
}

export interface ApiEvents {
  /** The city changed (live watch, capture, import): the UI refetches the map, in place. */
  'city.changed': { cityId: string; reason: string; added?: number; updated?: number; removed?: number };
  'cities.changed': { cityIds: string[] };
  'task.progress': TaskProgress;
  notice: { level: 'info' | 'warning' | 'error'; message: string };
}

export type EventName = keyof ApiEvents;
/** One event as it crosses a transport: a union discriminated by `event`, so `data` needs no cast. */
export type ApiEvent = { [E in EventName]: { event: E; data: ApiEvents[E] } }[EventName];

/**
 * How errors cross a transport: a code the UI can branch on (a cluster's 'unreachable', a
 * snapshot's 'corrupt', 'invalid-argument', 'not-found', 'internal'...), the error's name, its
 * message (which names the thing, the place and the next step) and plain details (the file, the
 * HTTP status) where the error carries them.
 */
export interface WireError {
  code: string;
  name: string;
  message: string;
  details?: Record<string, string | number>;
}

const CODE_OF_NAME: Record<string, string> = { ValidationError: 'invalid-argument', NotFoundError: 'not-found', AbortError: 'aborted' };

/** Any thrown value as a WireError; only strings and numbers of known fields travel as details. */
export function errorToWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { code: 'internal', name: 'Error', message: String(err) };
  const e = err as Error & { code?: unknown; path?: unknown; status?: unknown; field?: unknown };
  const code = typeof e.code === 'string' && /^[a-z][a-z0-9_-]*$/i.test(e.code) ? e.code : (CODE_OF_NAME[e.name] ?? 'internal');
  const details: Record<string, string | number> = {};
  if (typeof e.path === 'string') details.path = e.path;
  if (typeof e.status === 'number') details.status = e.status;
  if (typeof e.field === 'string') details.field = e.field;
  return { code, name: e.name || 'Error', message: e.message, ...(Object.keys(details).length ? { details } : {}) };
}

export type WireResponse<T> = { result: T } | { error: WireError };

/** Parses a method's arguments or throws a ValidationError naming the method and the field. */
export function parseArgs<M extends MethodName>(method: M, args: unknown): ArgsOf<M> {
  return METHODS[method].parse(args ?? {}, method) as ArgsOf<M>;
}

export function isMethod(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHODS, name);
}

export type { PolicyObject };
