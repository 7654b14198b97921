/**
 * The flows view's rows: all flows, one road's or one peer's, filtered by column (verdict, text
 * per column) and sorted by any column, a page at a time; the same selection as CSV. The ordering
 * of a query is kept (per snapshot flow array) so scrolling through a million rows sorts once.
 */
import { FLOW_COLUMNS, type FlowColumn, type FlowPage, type FlowQueryArgs } from '../api/contract.js';
import { roadOf } from '../flows/aggregate.js';
import type { MapModel } from '../map/model.js';
import type { FlowRecord, Snapshot } from '../model/types.js';
import { csvCell } from '../export/csv.js';

const peerText = (p: string) => p.replace(/^(pod|wl|svc|ip|dns|node):/, '').replace(/^([^/]+)\/(?:Deployment|StatefulSet|DaemonSet|Job|CronJob|ReplicaSet|Pod)\//, '$1/');
const l7Text = (f: FlowRecord) =>
  f.l7 ? [f.l7.type.toUpperCase(), f.l7.method, f.l7.path, f.l7.query, f.l7.code ?? f.l7.rcode].filter((x) => x !== undefined && x !== '').join(' ') : '';

/** Each column as text (what the table shows, filters and CSV hold). */
export const FLOW_COLUMN_TEXT: Record<FlowColumn, (f: FlowRecord) => string> = {
  time: (f) => new Date(f.time).toISOString(),
  source: (f) => peerText(f.src.peer),
  destination: (f) => peerText(f.dst.peer),
  port: (f) => `${f.protocol}${f.port !== undefined ? ` ${f.port}` : ''}`,
  verdict: (f) => f.verdict,
  dropReason: (f) => f.dropReason ?? '',
  policy: (f) => [...(f.deniedBy ?? []), ...(f.allowedBy ?? [])].join(' '),
  l7: l7Text,
};

function matcher(map: MapModel, q: FlowQueryArgs): (f: FlowRecord) => boolean {
  const tests: ((f: FlowRecord) => boolean)[] = [];
  if (q.edgeId) {
    const edge = map.edges.find((e) => e.id === q.edgeId) ?? map.districtRoads?.find((e) => e.id === q.edgeId);
    if (!edge) throw new Error(`road ${q.edgeId}: not on this map; refresh the city`);
    const keys = new Set(edge.roadKeys);
    tests.push((f) => keys.has(roadOf(f).key));
  } else if (q.peer) {
    const peer = q.peer;
    const children = new Set(map.nodes.filter((n) => n.parent === peer).map((n) => n.id));
    const hit = (p: string | undefined) => p === peer || (p !== undefined && children.has(p));
    tests.push((f) => hit(f.src.peer) || hit(f.dst.peer) || hit(f.src.workload) || hit(f.dst.workload));
  }
  const from = q.window?.from ?? -Infinity;
  const to = q.window?.to ?? Infinity;
  if (q.window) tests.push((f) => f.time >= from && f.time <= to);
  if (q.verdicts?.length) {
    const v = new Set<string>(q.verdicts);
    tests.push((f) => v.has(f.verdict));
  }
  for (const [col, text] of Object.entries(q.filters ?? {}) as [FlowColumn, string][]) {
    const needle = text.trim().toLowerCase();
    if (!needle) continue;
    const get = FLOW_COLUMN_TEXT[col];
    tests.push((f) => get(f).toLowerCase().includes(needle));
  }
  return (f) => tests.every((t) => t(f));
}

/** Indexes into s.flows in display order (newest first unless sorted otherwise). */
const orders = new WeakMap<FlowRecord[], { key: string; index: Uint32Array }>();
function ordered(s: Snapshot, map: MapModel, q: FlowQueryArgs): Uint32Array {
  const key = JSON.stringify([q.edgeId, q.peer, q.window, q.verdicts, q.filters, q.sort, s.flows.length, map.cityId, map.nodes.length]);
  const cached = orders.get(s.flows);
  if (cached?.key === key) return cached.index;
  const match = matcher(map, q);
  const picked: number[] = [];
  for (let i = s.flows.length - 1; i >= 0; i--) if (match(s.flows[i])) picked.push(i);
  if (q.sort && !(q.sort.by === 'time' && q.sort.desc !== false)) {
    const by = q.sort.by;
    const dir = q.sort.desc ? -1 : 1;
    if (by === 'time') picked.sort((a, b) => dir * (s.flows[a].time - s.flows[b].time) || b - a);
    else if (by === 'port') picked.sort((a, b) => dir * ((s.flows[a].port ?? -1) - (s.flows[b].port ?? -1) || s.flows[a].protocol.localeCompare(s.flows[b].protocol)) || b - a);
    else {
      const get = FLOW_COLUMN_TEXT[by];
      const text = new Map<number, string>();
      for (const i of picked) text.set(i, get(s.flows[i]));
      // Empty cells last, whichever the direction.
      picked.sort((a, b) => {
        const x = text.get(a)!;
        const y = text.get(b)!;
        if (!x !== !y) return x ? -1 : 1;
        return dir * (x < y ? -1 : x > y ? 1 : 0) || b - a;
      });
    }
  }
  const index = Uint32Array.from(picked);
  orders.set(s.flows, { key, index });
  return index;
}

export function flowPage(s: Snapshot, map: MapModel, q: FlowQueryArgs & { offset?: number; limit?: number }): FlowPage {
  const index = ordered(s, map, q);
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 200;
  const rows: FlowRecord[] = [];
  for (let i = offset; i < Math.min(index.length, offset + limit); i++) rows.push(s.flows[index[i]]);
  return { total: index.length, rows };
}

/** What the flows view shows, every row (not only the page in view), as CSV. */
export function flowsCsv(s: Snapshot, map: MapModel, q: FlowQueryArgs): string {
  const index = ordered(s, map, q);
  const out = [FLOW_COLUMNS.map(csvCell).join(',')];
  for (const i of index) {
    const f = s.flows[i];
    out.push(FLOW_COLUMNS.map((c) => csvCell(FLOW_COLUMN_TEXT[c](f))).join(','));
  }
  return out.join('\r\n') + '\r\n';
}
