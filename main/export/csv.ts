/**
 * CSV: a connectivity matrix (rows = source, columns = destination, cell = verdict) and a flows
 * table (one row per observed road aggregate). RFC 4180 quoting; cells that a spreadsheet would run
 * as a formula are prefixed with an apostrophe.
 */
import type { MapModel } from '../map/model.js';
import type { RoadAggregate } from '../model/types.js';
import { foldEdges, NodeIndex, resolveOverlays, type ExportOverlays } from './encoding.js';

export function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const row = (cells: Array<string | number | undefined>) => cells.map(csvCell).join(',') + '\r\n';

/**
 * The matrix over blocks, highways and outskirts that have a road; a cell holds the verdict
 * (worst of the folded roads) and the observed flow count, e.g. "denied (42)".
 */
export function* csvMatrixChunks(map: MapModel, overlays?: ExportOverlays): Generator<string, void, undefined> {
  const index = new NodeIndex(map);
  const roads = foldEdges(map, index, resolveOverlays(overlays)).filter((e) => e.kind === 'road');
  const sources = [...new Set(roads.map((e) => e.source))].sort();
  const targets = [...new Set(roads.map((e) => e.target))].sort();
  const cell = new Map(roads.map((e) => [`${e.source}\u0000${e.target}`, e.volume ? `${e.verdict} (${e.volume})` : e.verdict]));
  yield row(['source \\ destination', ...targets]);
  for (const s of sources) yield row([s, ...targets.map((t) => cell.get(`${s}\u0000${t}`) ?? '')]);
}

export const FLOW_COLUMNS = [
  'source', 'destination', 'protocol', 'port', 'verdict', 'count', 'first_seen', 'last_seen',
  'drop_reasons', 'destination_service', 'allowed_by', 'denied_by', 'flow_sources', 'no_reply',
] as const;

export function* csvFlowsChunks(roads: readonly RoadAggregate[]): Generator<string, void, undefined> {
  yield row([...FLOW_COLUMNS]);
  for (const r of roads) {
    yield row([
      r.src, r.dst, r.protocol, r.port, r.verdict, r.count,
      new Date(r.firstSeen).toISOString(), new Date(r.lastSeen).toISOString(),
      Object.entries(r.dropReasons).map(([k, n]) => `${k}:${n}`).join(' '),
      r.dstService, r.allowedBy.join(' '), r.deniedBy.join(' '), r.sources.join(' '), r.noReply,
    ]);
  }
}

export const renderCsvMatrix = (map: MapModel, overlays?: ExportOverlays) => [...csvMatrixChunks(map, overlays)].join('');
export const renderCsvFlows = (roads: readonly RoadAggregate[]) => [...csvFlowsChunks(roads)].join('');
