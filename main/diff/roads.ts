/** Road diff: roads compared per path (src, dst, protocol, port) across verdicts. */
import type { RoadAggregate, Verdict } from '../model/types.js';
import type { RoadChange, RoadSide } from './types.js';

export const roadPathId = (r: Pick<RoadAggregate, 'src' | 'dst' | 'protocol' | 'port'>): string => `${r.src}|${r.dst}|${r.protocol}|${r.port ?? ''}`;

function sides(roads: RoadAggregate[]): Map<string, { road: RoadAggregate; side: RoadSide }> {
  const m = new Map<string, { road: RoadAggregate; side: RoadSide }>();
  for (const r of roads) {
    const id = roadPathId(r);
    let e = m.get(id);
    if (!e) m.set(id, (e = { road: r, side: { verdicts: [], count: 0, keys: [] } }));
    if (!e.side.verdicts.includes(r.verdict)) e.side.verdicts.push(r.verdict);
    e.side.count += r.count;
    e.side.keys.push(r.key);
  }
  for (const e of m.values()) {
    e.side.verdicts.sort();
    e.side.keys.sort();
  }
  return m;
}

/** Allowed-ness of a verdict set: a road "flips" when it goes between passing and dropped. */
const passes = (v: Verdict[]): string => {
  const ok = v.some((x) => x === 'FORWARDED' || x === 'REDIRECTED' || x === 'TRACED' || x === 'TRANSLATED' || x === 'AUDIT');
  const bad = v.some((x) => x === 'DROPPED' || x === 'ERROR');
  return ok && bad ? 'mixed' : ok ? 'pass' : bad ? 'drop' : 'unknown';
};

export function diffRoads(a: RoadAggregate[], b: RoadAggregate[]): RoadChange[] {
  const A = sides(a);
  const B = sides(b);
  const out: RoadChange[] = [];
  const base = (r: RoadAggregate, id: string) => {
    const c = { id, src: r.src, dst: r.dst, protocol: r.protocol } as RoadChange;
    if (r.port !== undefined) c.port = r.port;
    return c;
  };
  for (const [id, x] of A) {
    const y = B.get(id);
    if (!y) out.push({ ...base(x.road, id), change: 'vanished', before: x.side });
    else if (passes(x.side.verdicts) !== passes(y.side.verdicts)) out.push({ ...base(y.road, id), change: 'verdict-flipped', before: x.side, after: y.side });
  }
  for (const [id, y] of B) if (!A.has(id)) out.push({ ...base(y.road, id), change: 'new', after: y.side });
  return out.sort((p, q) => (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
}
