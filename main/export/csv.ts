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
  const column = new Map(targets.map((t, i) => [t, i] as const));
  const bySource = new Map<string, typeof roads>();
  for (const e of roads) bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  yield row(['source \\ destination', ...targets]);
  // Most cells are empty: fill a blank row with the few roads of each source (O(cells), no lookups).
  const blank = new Array<string>(targets.length).fill('');
  for (const s of sources) {
    const cells = blank.slice();
    for (const e of bySource.get(s)!) cells[column.get(e.target)!] = csvCell(e.volume ? `${e.verdict} (${e.volume})` : e.verdict);
    yield `${csvCell(s)},${cells.join(',')}\r\n`;
  }
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
