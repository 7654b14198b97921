/**
 * Streets: roads follow the gaps between districts (and between blocks inside a district) instead
 * of cutting across them. Districts and blocks are shelf-packed (./layout.ts), so the free space is
 * a grid: a horizontal street above the first shelf and below every shelf, and vertical passages
 * between neighbours on a shelf. A road leaves its block down to the street below it, crosses
 * shelves through the passage nearest its way, leaves the district at its gate (bottom centre),
 * runs along the city's streets, and enters its destination district the same way. Outskirts are
 * reached by the avenue east of the city. Pure; the viewer and the exporters draw the result.
 */
import type { Rect } from './layout.js';

export interface Point {
  x: number;
  y: number;
}

/** Streets (y of each, top to bottom: streets[k] lies above shelf k) and passages (x) through each shelf. */
export interface StreetGrid {
  streets: number[];
  passages: number[][];
}

/** Where a place joins the street grid: the street below it (or above, for highways) and its x. */
export interface Slot {
  /** District whose inner grid holds the place (absent: the district itself, or an outskirt). */
  district?: string;
  street: number;
  x: number;
}

export interface StreetPlan {
  city: StreetGrid;
  /** Each district's inner grid and its gate (bottom centre). */
  districts: Map<string, { grid: StreetGrid; gate: Point; cityStreet: number }>;
  /** Blocks and highways: their slot in their district's grid. */
  slots: Map<string, Slot>;
  /** The avenue between the city and the outskirts. */
  eastX: number;
}

/** A shelf of packed items: its top, height and the items' rectangles left to right. */
export interface Shelf {
  top: number;
  h: number;
  items: Rect[];
}

/** The street grid of shelves packed with `gap` between items and shelves. */
export function gridOf(shelves: Shelf[], gap: number, above: number, below: number, left: number, top: number): StreetGrid {
  const streets = [(shelves.length ? shelves[0].top : top) - above];
  const passages: number[][] = [];
  shelves.forEach((s, k) => {
    streets.push(k === shelves.length - 1 ? s.top + s.h + below : s.top + s.h + gap / 2);
    const xs = [left];
    for (const it of s.items) xs.push(it.x + it.w + gap / 2);
    passages.push(xs);
  });
  return { streets, passages };
}

/** The passage through a shelf that keeps the way shortest from x towards toX. */
function passage(xs: number[], x: number, toX: number): number {
  let best = xs[0];
  let cost = Infinity;
  for (const p of xs) {
    const c = Math.abs(p - x) + Math.abs(p - toX);
    if (c < cost - 1e-9) {
      cost = c;
      best = p;
    }
  }
  return best;
}

/** From (fromX on street `from`) to (toX on street `to`), crossing shelves through passages. */
export function travel(g: StreetGrid, fromX: number, from: number, toX: number, to: number): Point[] {
  const pts: Point[] = [{ x: fromX, y: g.streets[from] }];
  let x = fromX;
  const step = to > from ? 1 : -1;
  for (let s = from; s !== to; s += step) {
    const shelf = step > 0 ? s : s - 1;
    const px = passage(g.passages[shelf], x, toX);
    pts.push({ x: px, y: g.streets[s] }, { x: px, y: g.streets[s + step] });
    x = px;
  }
  pts.push({ x: toX, y: g.streets[to] });
  return pts;
}

/** Drops repeated points and the middle of straight runs. */
export function simplify(pts: Point[]): Point[] {
  const out: Point[] = [];
  for (const p of pts) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.x - p.x) < 0.01 && Math.abs(last.y - p.y) < 0.01) continue;
    if (out.length >= 2) {
      const a = out[out.length - 2];
      const b = last!;
      const cross = (b.x - a.x) * (p.y - b.y) - (b.y - a.y) * (p.x - b.x);
      const forward = (b.x - a.x) * (p.x - b.x) + (b.y - a.y) * (p.y - b.y) >= 0;
      if (Math.abs(cross) < 0.01 && forward) out.pop();
    }
    out.push(p);
  }
  return out;
}

/** A place at one end of a road, as the router sees it. */
export interface RouteEnd {
  id: string;
  kind: 'district' | 'block' | 'house' | 'highway' | 'outskirt';
  /** Centre and size. */
  rect: { x: number; y: number; w: number; h: number };
  /** The block a house is in (houses join the streets through their block). */
  via?: string;
}

/** The way from a place to the city's streets: points, and where it joins them. */
function exit(plan: StreetPlan, end: RouteEnd): { pts: Point[]; x: number; street: number } {
  if (end.kind === 'outskirt') {
    const street = nearest(plan.city.streets, end.rect.y);
    return { pts: [{ x: plan.eastX, y: end.rect.y }], x: plan.eastX, street };
  }
  if (end.kind === 'district') {
    const d = plan.districts.get(end.id)!;
    return { pts: [d.gate], x: d.gate.x, street: d.cityStreet };
  }
  const slot = plan.slots.get(end.via ?? end.id)!;
  const d = plan.districts.get(slot.district!)!;
  const inner = travel(d.grid, slot.x, slot.street, d.gate.x, d.grid.streets.length - 1);
  return { pts: [...inner, d.gate], x: d.gate.x, street: d.cityStreet };
}

function nearest(ys: number[], y: number): number {
  let best = 0;
  for (let i = 1; i < ys.length; i++) if (Math.abs(ys[i] - y) < Math.abs(ys[best] - y)) best = i;
  return best;
}

/** Whether the router knows the place (nodes drawn but not laid out, e.g. pinned strays, go straight). */
export function routable(plan: StreetPlan, end: RouteEnd): boolean {
  if (end.kind === 'outskirt') return true;
  if (end.kind === 'district') return plan.districts.has(end.id);
  return plan.slots.has(end.via ?? end.id);
}

/**
 * The road from a to b along the streets: the full polyline, starting and ending on the border of
 * the two places (a road ends at its block or house, never at a district wall).
 */
export function route(plan: StreetPlan, a: RouteEnd, b: RouteEnd): Point[] {
  const sa = plan.slots.get(a.via ?? a.id);
  const sb = plan.slots.get(b.via ?? b.id);
  let bends: Point[];
  if (sa && sb && sa.district === sb.district && a.kind !== 'district' && b.kind !== 'district') {
    bends = travel(plan.districts.get(sa.district!)!.grid, sa.x, sa.street, sb.x, sb.street);
  } else {
    const ea = exit(plan, a);
    const eb = exit(plan, b);
    bends = [...ea.pts, ...travel(plan.city, ea.x, ea.street, eb.x, eb.street), ...eb.pts.reverse()];
  }
  // Inside a block a house's road starts from the house, straight to the block's street.
  bends = simplify(bends);
  const first = bends[0] ?? { x: b.rect.x, y: b.rect.y };
  const last = bends[bends.length - 1] ?? { x: a.rect.x, y: a.rect.y };
  return simplify([clip(a.rect, first), ...bends, clip(b.rect, last)]);
}

/** Where the line from a place's centre towards p leaves the place's rectangle. */
export function clip(r: { x: number; y: number; w: number; h: number }, p: Point): Point {
  const dx = p.x - r.x;
  const dy = p.y - r.y;
  if (Math.abs(dx) < 1e-9 && Math.abs(dy) < 1e-9) return { x: r.x, y: r.y };
  const tx = Math.abs(dx) > 1e-9 ? r.w / 2 / Math.abs(dx) : Infinity;
  const ty = Math.abs(dy) > 1e-9 ? r.h / 2 / Math.abs(dy) : Infinity;
  const t = Math.min(1, tx, ty);
  return { x: r.x + dx * t, y: r.y + dy * t };
}

/** A road label: where it sits (map units), its text and size, and the road it names. */
export interface RoadLabel {
  road: string;
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Places one label per road on the longest leg of its route, in priority order (roads come
 * sorted most important first), dropping any label that would overlap one already placed or a
 * place's name strip. Sizes are in map units for a font of `font` units.
 */
export function placeLabels(roads: { id: string; text: string; route?: number[] }[], font: number, limit: number): RoadLabel[] {
  const placed: RoadLabel[] = [];
  const cell = font * 8;
  const grid = new Map<string, RoadLabel[]>();
  const keys = (l: RoadLabel) => {
    const out: string[] = [];
    for (let gx = Math.floor((l.x - l.w / 2) / cell); gx <= Math.floor((l.x + l.w / 2) / cell); gx++)
      for (let gy = Math.floor((l.y - l.h / 2) / cell); gy <= Math.floor((l.y + l.h / 2) / cell); gy++) out.push(`${gx},${gy}`);
    return out;
  };
  const overlaps = (a: RoadLabel, b: RoadLabel) => Math.abs(a.x - b.x) * 2 < a.w + b.w + font * 0.4 && Math.abs(a.y - b.y) * 2 < a.h + b.h + font * 0.2;
  for (const r of roads) {
    if (placed.length >= limit) break;
    if (!r.route || r.route.length < 4 || !r.text) continue;
    const w = r.text.length * font * 0.6 + font * 0.6;
    const h = font * 1.3;
    // Candidates: the middle of each leg, longest first (a label is read along a street, not at a corner).
    const legs: { len: number; x: number; y: number }[] = [];
    for (let i = 0; i + 3 < r.route.length; i += 2) {
      const [x1, y1, x2, y2] = [r.route[i], r.route[i + 1], r.route[i + 2], r.route[i + 3]];
      legs.push({ len: Math.hypot(x2 - x1, y2 - y1), x: (x1 + x2) / 2, y: (y1 + y2) / 2 });
    }
    legs.sort((a, b) => b.len - a.len);
    for (const leg of legs.slice(0, 4)) {
      if (leg.len < Math.min(w, 2 * font)) break;
      const l: RoadLabel = { road: r.id, text: r.text, x: leg.x, y: leg.y, w, h };
      const ks = keys(l);
      if (ks.some((k) => grid.get(k)?.some((o) => overlaps(o, l)))) continue;
      placed.push(l);
      for (const k of ks) grid.set(k, [...(grid.get(k) ?? []), l]);
      break;
    }
  }
  return placed;
}

/** A road's short label: its first port and how many more ("TCP 8080 +3 ports"), or the count of roads a district road stands for. */
export function shortLabel(label: string): string {
  const rank = (p: string) => (p.startsWith('TCP') ? 0 : p.startsWith('UDP') ? 1 : 2);
  const parts = label
    .split(', ')
    .filter(Boolean)
    .map((p) => p.replace(/ any$/, ' any port'))
    .sort((a, b) => rank(a) - rank(b));
  if (parts.length <= 1) return parts[0] ?? '';
  // Every port of every protocol: say so rather than "TCP any port +2 ports".
  if (parts.every((p) => p.endsWith(' any port')) && parts.length === 3) return 'all ports';
  if (parts.every((p) => p.endsWith(' any port'))) return `${parts.map((p) => p.split(' ')[0]).join('+')} any port`;
  return `${parts[0]} +${parts.length - 1} ${parts.length === 2 ? 'port' : 'ports'}`;
}
