/**
 * City layout: deterministic positions for districts, blocks, houses, highways and outskirts.
 * Districts are shelf-packed by size class then name, so a small change (a pod more or less)
 * rarely moves anything but its own district's contents. O(n log n) in pods.
 */
import { gridOf, type Shelf, type StreetPlan } from './streets.js';
import { SIZES } from './style.js';

/** Space between blocks in a district (their streets run down the middle). */
const BLOCK_GAP = 12;

/** Highways sit in a row; each needs room for its label. */
const HIGHWAY_STEP = 78;

/** Code-point order: deterministic everywhere and much faster than localeCompare on big cities. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface LayoutBlock {
  id: string;
  label: string;
  houses: string[];
}

export interface LayoutDistrict {
  id: string;
  label: string;
  blocks: LayoutBlock[];
  highways: string[];
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CityLayout {
  /** Top-left based rectangles for every district, block, house, highway and outskirt. */
  rects: Map<string, Rect>;
  bounds: Rect;
  /** The free space between districts and blocks, for routing roads along it. */
  streets: StreetPlan;
  /** What keeps the next layout of this city in place (see `layoutCity`'s `previous`). */
  memo: LayoutMemo;
}

/** The district order and city width of a layout: given back, existing districts stay where they were. */
export interface LayoutMemo {
  order: string[];
  width: number;
}

/** Groups shelf-packed positions (same y = same shelf) into shelves of absolute rectangles. */
function shelvesOf(rects: Rect[]): Shelf[] {
  const shelves: Shelf[] = [];
  for (const r of rects) {
    const last = shelves[shelves.length - 1];
    if (last && Math.abs(last.top - r.y) < 0.01) {
      last.items.push(r);
      last.h = Math.max(last.h, r.h);
    } else shelves.push({ top: r.y, h: r.h, items: [r] });
  }
  return shelves;
}

interface Sized {
  w: number;
  h: number;
}

function blockSize(houses: number): Sized & { cols: number } {
  const cols = Math.max(1, Math.min(houses, Math.ceil(Math.sqrt(houses * 2))));
  const rows = Math.max(1, Math.ceil(houses / cols));
  const step = SIZES.house + SIZES.houseGap;
  return {
    cols,
    w: Math.max(90, cols * step - SIZES.houseGap + 2 * SIZES.blockPad),
    h: rows * step - SIZES.houseGap + 2 * SIZES.blockPad + SIZES.blockLabel,
  };
}

/** Shelf packing into a target width; items keep their order. Returns positions and used size. */
function shelfPack(items: Sized[], targetWidth: number, gap: number): { pos: { x: number; y: number }[]; w: number; h: number } {
  const pos: { x: number; y: number }[] = [];
  let x = 0;
  let y = 0;
  let shelfH = 0;
  let maxW = 0;
  for (const it of items) {
    if (x > 0 && x + it.w > targetWidth) {
      y += shelfH + gap;
      x = 0;
      shelfH = 0;
    }
    pos.push({ x, y });
    x += it.w + gap;
    shelfH = Math.max(shelfH, it.h);
    maxW = Math.max(maxW, x - gap);
  }
  return { pos, w: maxW, h: y + shelfH };
}

/** Size class: powers of two of the area, so growth by a pod rarely changes the order. */
const sizeClass = (area: number) => Math.floor(Math.log2(Math.max(1, area)));

/**
 * `previous`: the memo of this city's last layout. Districts it had keep their order and the city
 * its width, so new evidence (imported flows, a diff, a what-if) never moves existing districts:
 * new ones are packed after them (the free lots at the end of the last shelf, then below).
 */
export function layoutCity(districts: LayoutDistrict[], outskirts: string[], previous?: LayoutMemo): CityLayout {
  const rects = new Map<string, Rect>();
  const step = SIZES.house + SIZES.houseGap;

  // 1. Districts, each laid out in its own coordinates first.
  const laid = districts.map((d) => {
    const blocks = [...d.blocks].sort((a, b) => b.houses.length - a.houses.length || byText(a.label, b.label));
    const sizes = blocks.map((b) => blockSize(b.houses.length));
    const area = sizes.reduce((s, b) => s + (b.w + BLOCK_GAP) * (b.h + BLOCK_GAP), 0);
    const highwayRow = d.highways.length ? SIZES.highway + 16 : 0;
    const minW = Math.max(200, d.highways.length * (HIGHWAY_STEP) + 20);
    const target = Math.max(minW - 2 * SIZES.districtPad, Math.sqrt(area) * 1.3);
    const packed = shelfPack(sizes, target, BLOCK_GAP);
    const w = Math.max(minW, packed.w + 2 * SIZES.districtPad);
    const h = packed.h + 2 * SIZES.districtPad + SIZES.districtLabel + highwayRow;
    return { d, blocks, sizes, packed, w, h, highwayRow };
  });

  // 2. Districts packed by size class (largest first), then name.
  const order = laid
    .map((l, i) => ({ l, i }))
    .sort((a, b) => sizeClass(b.l.w * b.l.h) - sizeClass(a.l.w * a.l.h) || byText(a.l.d.label, b.l.d.label));
  if (previous) {
    const rank = new Map(previous.order.map((id, i) => [id, i]));
    // Stable sort: districts of the last layout in their old order first, new ones after in the usual order.
    order.sort((a, b) => (rank.get(a.l.d.id) ?? Infinity) - (rank.get(b.l.d.id) ?? Infinity));
  }
  const totalArea = laid.reduce((s, l) => s + (l.w + SIZES.cityGap) * (l.h + SIZES.cityGap), 0);
  const widest = laid.reduce((m, l) => Math.max(m, l.w), 0);
  const cityWidth = previous ? Math.max(widest, previous.width) : Math.max(widest, Math.sqrt(totalArea) * 1.5);
  const packedCity = shelfPack(order.map((o) => o.l), cityWidth, SIZES.cityGap);
  const cityShelves = shelvesOf(order.map(({ l }, k) => ({ x: packedCity.pos[k].x, y: packedCity.pos[k].y, w: l.w, h: l.h })));
  const streets: StreetPlan = {
    city: gridOf(cityShelves, SIZES.cityGap, SIZES.cityGap / 2, SIZES.cityGap / 2, -SIZES.cityGap / 2, 0),
    districts: new Map(),
    slots: new Map(),
    eastX: packedCity.w + SIZES.cityGap,
  };
  const shelfOfY = new Map(cityShelves.map((sh, i) => [sh.top, i]));

  order.forEach(({ l }, k) => {
    const ox = packedCity.pos[k].x;
    const oy = packedCity.pos[k].y;
    rects.set(l.d.id, { x: ox, y: oy, w: l.w, h: l.h });
    // Highways along the district's top edge, below its label.
    l.d.highways.forEach((hw, i) => {
      rects.set(hw, {
        x: ox + SIZES.districtPad + i * (HIGHWAY_STEP),
        y: oy + SIZES.districtLabel,
        w: SIZES.highway,
        h: SIZES.highway,
      });
    });
    const top = oy + SIZES.districtLabel + l.highwayRow + SIZES.districtPad / 2;
    const blockRects = l.blocks.map((_, i) => ({ x: ox + SIZES.districtPad + l.packed.pos[i].x, y: top + l.packed.pos[i].y, w: l.sizes[i].w, h: l.sizes[i].h }));
    const inner = shelvesOf(blockRects);
    const grid = gridOf(inner, BLOCK_GAP, BLOCK_GAP / 2, SIZES.districtPad * 0.75, ox + SIZES.districtPad - BLOCK_GAP / 2, top);
    streets.districts.set(l.d.id, { grid, gate: { x: ox + l.w / 2, y: oy + l.h }, cityStreet: shelfOfY.get(oy)! + 1 });
    const innerShelfOfY = new Map(inner.map((sh, i) => [sh.top, i]));
    l.d.highways.forEach((hw) => {
      const r = rects.get(hw)!;
      streets.slots.set(hw, { district: l.d.id, street: 0, x: r.x + r.w / 2 });
    });
    l.blocks.forEach((b, i) => {
      const { x: bx, y: by } = blockRects[i];
      const size = l.sizes[i];
      rects.set(b.id, { x: bx, y: by, w: size.w, h: size.h });
      streets.slots.set(b.id, { district: l.d.id, street: innerShelfOfY.get(by)! + 1, x: bx + size.w / 2 });
      const houses = [...b.houses].sort();
      houses.forEach((h, j) => {
        const col = j % size.cols;
        const row = Math.floor(j / size.cols);
        rects.set(h, {
          x: bx + SIZES.blockPad + col * step,
          y: by + SIZES.blockPad + SIZES.blockLabel + row * step,
          w: SIZES.house,
          h: SIZES.house,
        });
      });
    });
  });

  // 3. Outskirts in a column to the right of the city.
  const ox = packedCity.w + SIZES.cityGap * 2;
  const perCol = Math.max(6, Math.ceil(Math.sqrt(outskirts.length * 2)));
  outskirts.forEach((id, i) => {
    const col = Math.floor(i / perCol);
    const row = i % perCol;
    rects.set(id, { x: ox + col * (SIZES.outskirt + 70), y: row * (SIZES.outskirt + 40), w: SIZES.outskirt, h: SIZES.outskirt });
  });
  const outskirtCols = Math.ceil(outskirts.length / perCol);
  const w = outskirts.length ? ox + outskirtCols * (SIZES.outskirt + 70) : packedCity.w;
  const h = Math.max(packedCity.h, Math.min(outskirts.length, perCol) * (SIZES.outskirt + 40));
  return { rects, bounds: { x: -SIZES.cityGap / 2, y: -SIZES.cityGap / 2, w: w + SIZES.cityGap, h: h + SIZES.cityGap }, streets, memo: { order: order.map((o) => o.l.d.id), width: cityWidth } };
}
