/**
 * Timeline: the roads of the flows inside a time window, aggregated in SQL over the time index
 * (one GROUP BY per window), then merged with the flows module's RoadAggregator so the roads
 * follow exactly the same rules as live aggregation (replies folded into their request road).
 */
import type Database from 'better-sqlite3';
import { RoadAggregator, dnsRcodeName } from '../flows/aggregate.js';
import { roadKey } from '../model/ids.js';
import type { L7Info, L7Summary, RoadAggregate } from '../model/types.js';
import { readPeers } from './rows-read.js';

const text = (c: string): string => `(SELECT text FROM strings WHERE id = g.${c}) AS ${c}`;

/**
 * The grouping: one row per road and per variant of the fields a road summarises, grouped on the
 * integer codes (schema 4) and given their text once per group.
 */
export const WINDOW_AGGREGATE_SQL = `
SELECT g.road_src, g.road_dst, ${text('protocol')}, g.road_port, ${text('verdict')}, ${text('source')}, ${text('drop_reason')},
       (SELECT text FROM strings WHERE id = g.service) AS service, g.allowed_by, g.denied_by, g.l7, g.no_reply, g.n, g.first_seen, g.last_seen
FROM (
  SELECT road_src, road_dst, protocol, road_port, verdict, source, drop_reason,
         CASE WHEN is_reply = 1 THEN NULL ELSE dst_service END AS service,
         allowed_by, denied_by, l7, SUM(no_reply = 1) AS no_reply,
         COUNT(*) AS n, MIN(time) AS first_seen, MAX(time) AS last_seen
  FROM flows
  WHERE time >= ? AND time <= ?
  GROUP BY road_src, road_dst, protocol, road_port, verdict, source, drop_reason, service, allowed_by, denied_by, l7
) g`;

interface GroupRow {
  road_src: number;
  road_dst: number;
  protocol: RoadAggregate['protocol'];
  road_port: number | null;
  verdict: RoadAggregate['verdict'];
  source: RoadAggregate['sources'][number];
  drop_reason: string | null;
  service: string | null;
  allowed_by: string | null;
  denied_by: string | null;
  l7: string | null;
  no_reply: number;
  n: number;
  first_seen: number;
  last_seen: number;
}

/** The same counting rules as RoadAggregator.addL7, applied to `n` identical L7 records. */
function l7SummaryOf(info: L7Info, n: number): L7Summary {
  const s: L7Summary = { httpMethods: {}, httpCodes: {}, topPaths: {}, dnsNames: {}, dnsRcodes: {} };
  if (info.type === 'http') {
    if (info.code !== undefined && info.code > 0) s.httpCodes[String(info.code)] = n;
    else {
      if (info.method) s.httpMethods[info.method] = n;
      if (info.path) s.topPaths[info.path] = n;
    }
  } else if (info.type === 'dns') {
    if (info.rcode !== undefined) s.dnsRcodes[dnsRcodeName(info.rcode)] = n;
    else if (info.query) s.dnsNames[info.query.replace(/\.$/, '')] = n;
  }
  return s;
}

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

/** Roads of the flows with from <= time <= to (either bound open when undefined), sorted by key. */
export function aggregateWindow(db: Database.Database, from?: number, to?: number, knownPeers?: Map<number, string>): RoadAggregate[] {
  const peers = knownPeers ?? readPeers(db);
  const agg = new RoadAggregator({ maxRawFlows: 0 });
  for (const g of db.prepare(WINDOW_AGGREGATE_SQL).iterate(from ?? MIN, to ?? MAX) as Iterable<GroupRow>) {
    const src = peers.get(g.road_src)!;
    const dst = peers.get(g.road_dst)!;
    const port = g.road_port ?? undefined;
    const part: RoadAggregate = {
      key: roadKey(src, dst, g.protocol, port, g.verdict),
      src,
      dst,
      protocol: g.protocol,
      verdict: g.verdict,
      dropReasons: g.drop_reason ? { [g.drop_reason]: g.n } : {},
      count: g.n,
      firstSeen: g.first_seen,
      lastSeen: g.last_seen,
      allowedBy: g.allowed_by ? (JSON.parse(g.allowed_by) as string[]) : [],
      deniedBy: g.denied_by ? (JSON.parse(g.denied_by) as string[]) : [],
      sources: [g.source],
    };
    if (port !== undefined) part.port = port;
    if (g.service) part.dstService = g.service;
    if (g.no_reply > 0) part.noReply = g.no_reply;
    if (g.l7) part.l7 = l7SummaryOf(JSON.parse(g.l7) as L7Info, g.n);
    agg.addRoad(part);
  }
  return agg.roads();
}

export interface FlowTimeRange {
  count: number;
  from?: number;
  to?: number;
}

/** How many flows the file holds and their time span (two index lookups). */
export function flowTimeRange(db: Database.Database): FlowTimeRange {
  const r = db.prepare('SELECT COUNT(*) AS n, MIN(time) AS a, MAX(time) AS b FROM flows').get() as { n: number; a: number | null; b: number | null };
  const out: FlowTimeRange = { count: r.n };
  if (r.a !== null) out.from = r.a;
  if (r.b !== null) out.to = r.b;
  return out;
}

/**
 * Flow counts per time bucket, for the timeline scrubber's histogram: one COUNT per bucket over
 * the covering time index (no temp B-tree for a GROUP BY over every row).
 */
export function flowHistogram(db: Database.Database, from: number, to: number, buckets: number): number[] {
  const n = Math.max(1, Math.floor(buckets));
  const width = Math.max(1, Math.ceil((to - from + 1) / n));
  const count = db.prepare('SELECT COUNT(*) AS c FROM flows WHERE time >= ? AND time < ?').pluck();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const a = from + i * width;
    const b = i === n - 1 ? to + 1 : a + width;
    out[i] = count.get(a, b) as number;
  }
  return out;
}
