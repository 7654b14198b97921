/**
 * SVG export: the city drawn from the map model by string building, so it runs headless (CLI, tests,
 * workers) and matches the app. Output is a standalone SVG 1.1 document in pixel units with a header
 * (title, cluster, time window) and a legend panel.
 */
import type { MapEdge, MapModel, MapNode, ProbeVerdict, RoadVerdict } from '../map/model.js';
import { AUTO_DISTRICT_ROADS, describeEdge, lineVerdict, NodeIndex, resolveOverlays, visibleEvidence, type ExportOverlays, type ResolvedOverlays } from './encoding.js';
import { escapeXml as x, num } from './escape.js';
import { legendSections, type LegendExtras, type LegendSection, type LegendSwatch } from './legend.js';
import { AREA, FENCE, MIXED_ROAD, PHASE, PROBE, ROAD, roadStyleOf, roadWidth, TEXT, UNENFORCED_ROAD } from './draw-style.js';

export interface SvgHeader {
  title: string;
  /** Lines under the title: cluster, time window, snapshot, road builder... */
  lines: string[];
  /** Shown as a badge, e.g. "REDACTED". */
  badge?: string;
}

export interface SvgOptions {
  header: SvgHeader;
  overlays?: ExportOverlays;
  background?: 'white' | 'transparent';
  /** Width of the map area in px; by default derived from the map's size (900-3000 px). */
  mapWidth?: number;
  /** Draw the title block (default true); the report has its own. */
  showHeader?: boolean;
  /** Hover tooltips (<title>) on places and roads (default true); bitmaps and prints have no use for them. */
  tooltips?: boolean;
  /**
   * Which roads to draw: between blocks, or aggregated between districts (the viewer's lowest zoom).
   * 'auto' (default) draws district roads above AUTO_DISTRICT_ROADS block roads: beyond that a
   * static picture is a tangle and costs minutes to rasterise.
   */
  roads?: 'auto' | 'blocks' | 'districts';
}

/** The road level prepareSvg will draw for a map and option. */
export function roadLevel(map: MapModel, opt: SvgOptions['roads'] = 'auto'): 'blocks' | 'districts' {
  if (opt === 'blocks' || !map.districtRoads) return 'blocks';
  if (opt === 'districts') return 'districts';
  return map.edges.filter((e) => e.kind === 'road').length > AUTO_DISTRICT_ROADS ? 'districts' : 'blocks';
}

export interface PreparedSvg {
  width: number;
  height: number;
  /** Number of chunks chunks() yields, for progress. */
  total: number;
  /** The roads drawn: between blocks, or aggregated between districts. */
  roadLevel: 'blocks' | 'districts';
  chunks: () => Generator<string, void, undefined>;
}

const HEADER_H = 84;
const LEGEND_W = 290;
const PAD = 24;
const KIND_ORDER: Record<MapNode['kind'], number> = { district: 0, block: 1, house: 2, highway: 3, outskirt: 4 };

export function renderSvg(map: MapModel, opts: SvgOptions): string {
  return [...prepareSvg(map, opts).chunks()].join('');
}

export function prepareSvg(map: MapModel, opts: SvgOptions): PreparedSvg {
  const o = resolveOverlays(opts.overlays);
  const b = map.bounds.w > 0 && map.bounds.h > 0 ? map.bounds : { x: map.bounds.x, y: map.bounds.y, w: 100, h: 100 };
  const mapW = opts.mapWidth ?? Math.min(3000, Math.max(900, b.w));
  const s = mapW / b.w;
  const mapH = b.h * s;
  const sections = legendSections(o);
  const legendH = legendHeight(sections);
  const width = Math.ceil(PAD + mapW + PAD + LEGEND_W + PAD);
  const top = opts.showHeader === false ? PAD : HEADER_H;
  const height = Math.ceil(top + Math.max(mapH + PAD, legendH + PAD));
  const geo: Geo = { s, ox: PAD - b.x * s, oy: top - b.y * s, tips: opts.tooltips !== false };
  const index = new NodeIndex(map);
  const nodes = [...map.nodes].sort((a, c) => KIND_ORDER[a.kind] - KIND_ORDER[c.kind]);
  const level = roadLevel(map, opts.roads);
  const drawn = level === 'districts' ? map.districtRoads! : map.edges;
  const roads = drawn.filter((e) => e.kind === 'highway-link' || lineVerdict(e, o));
  const pairs = new Set(roads.map((e) => `${e.source}\u0000${e.target}`));
  // Parallel roads between the same two places (one per verdict) get their own lane.
  const lanes = new Map<MapEdge, number>();
  const perPair = new Map<string, number>();
  for (const e of roads) {
    const k = `${e.source}\u0000${e.target}`;
    const n = perPair.get(k) ?? 0;
    perPair.set(k, n + 1);
    lanes.set(e, n);
  }
  const header = { ...opts.header, lines: [...opts.header.lines.slice(0, 1), [opts.header.lines[1], budgetNote(map, level)].filter(Boolean).join(' · ')] };

  // Thousands of roads at full width bury the map (and take long to rasterise): thin them.
  geo.thin = Math.max(0.35, Math.min(1, Math.sqrt(300 / Math.max(1, roads.length))));
  /** Sideways shift in px: reverse roads keep apart, parallel lanes fan out. */
  const offsetOf = (e: MapEdge) => e.route ? 0 : (pairs.has(`${e.target}\u0000${e.source}`) ? 3 : 0) + (lanes.get(e) ?? 0) * 4;

  function* chunks(): Generator<string, void, undefined> {
    yield `<?xml version="1.0" encoding="UTF-8"?>\n`;
    yield `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${x(TEXT.font)}">\n`;
    yield `<title>${x(opts.header.title)}</title>\n`;
    yield defs();
    if ((opts.background ?? 'white') === 'white') yield `<rect width="100%" height="100%" fill="#FFFFFF"/>\n`;
    if (opts.showHeader !== false) yield drawHeader(header, width);
    yield `<g class="map">\n`;
    // Places first, then roads over them (so no road hides under a highway), then evidence on top.
    for (const n of nodes) yield n.kind === 'house' ? house(n, geo, o) : area(n, geo);
    yield `<g class="roads" fill="none">\n`;
    for (const e of roads) yield road(e, index, geo, o, offsetOf(e));
    yield `</g>\n`;
    // District names on top with a white halo, so roads crossing a district never hide its name.
    yield `<g class="district-labels">`;
    for (const n of nodes) if (n.kind === 'district') yield districtLabel(n, geo);
    yield `</g>\n<g class="evidence">\n`;
    for (const e of roads) if (e.kind === 'road') yield evidenceMarkers(e, index, geo, o, offsetOf(e));
    yield `</g>\n</g>\n`;
    yield legend(sections, PAD + mapW + PAD, top, legendH);
    yield `</svg>\n`;
  }
  return { width, height, total: nodes.length + roads.length * 2 + 6, roadLevel: level, chunks };
}

/** What the export leaves out, in words: the drawing budget never drops roads silently. */
export function budgetNote(map: MapModel, level: 'blocks' | 'districts'): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const b = map.roadBudget;
  const parts: string[] = [];
  if (level === 'districts') parts.push(`roads aggregated between districts (${fmt(b?.blocks.total ?? map.counts.roads)} workload roads)`);
  const c = level === 'districts' ? b?.districts : b?.blocks;
  if (c && c.shown < c.total) parts.push(`${fmt(c.shown)} of ${fmt(c.total)} ${level === 'districts' ? 'district roads' : 'roads'} shown — filter to see the rest`);
  if (b && !b.complete) parts.push('predicted roads not computed yet');
  return parts.join(' · ');
}

interface Geo {
  s: number;
  ox: number;
  oy: number;
  tips: boolean;
  /** Road and marker thinning for crowded maps (1 = as in the viewer). */
  thin?: number;
}

const px = (g: Geo, v: number) => g.ox + v * g.s;
const py = (g: Geo, v: number) => g.oy + v * g.s;

/** Target-end markers from the style tokens: a triangle for allowed, a circle for unknown; denied draws its bar itself. */
function defs(): string {
  // Sized in stroke widths, so a wide (busy) road still shows its arrow beyond the line's own width.
  const m = (id: string, colour: string, shape: string, size = 3.6) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="${size}" markerHeight="${size}" markerUnits="strokeWidth" orient="auto">${shape.replaceAll('COLOUR', colour)}</marker>`;
  const triangle = '<path d="M0,1 L10,5 L0,9 z" fill="COLOUR"/>';
  const circle = '<circle cx="5.5" cy="5" r="3.5" fill="#FFFFFF" stroke="COLOUR" stroke-width="2"/>';
  const out = (Object.keys(ROAD) as RoadVerdict[])
    .filter((v) => ROAD[v].targetMarker !== 'tee')
    .map((v) => m(`end-${v}`, ROAD[v].colour, ROAD[v].targetMarker === 'circle' ? circle : triangle))
    .join('');
  const hollow = '<path d="M0,1 L10,5 L0,9 z" fill="#FFFFFF" stroke="COLOUR" stroke-width="1.6"/>';
  return `<defs>${out}${m('end-unenforced', UNENFORCED_ROAD.colour, hollow)}${m('end-link', AREA.highwayLink.colour, triangle, 5)}</defs>\n`;
}

function drawHeader(h: SvgHeader, width: number): string {
  let out = `<g class="header"><text x="${PAD}" y="34" font-size="22" font-weight="bold" fill="${TEXT.colour}">${x(h.title)}</text>`;
  h.lines.slice(0, 2).forEach((line, i) => {
    out += `<text x="${PAD}" y="${56 + i * 17}" font-size="13" fill="${TEXT.muted}">${x(line)}</text>`;
  });
  if (h.badge) {
    const w = 16 + h.badge.length * 8;
    out += `<g class="badge"><rect x="${width - PAD - w}" y="16" width="${w}" height="24" rx="4" fill="#222222"/><text x="${width - PAD - w / 2}" y="33" font-size="13" font-weight="bold" text-anchor="middle" fill="#FFFFFF">${x(h.badge)}</text></g>`;
  }
  return out + `<line x1="${PAD}" y1="${HEADER_H - 6}" x2="${width - PAD}" y2="${HEADER_H - 6}" stroke="#CCCCCC"/></g>\n`;
}

function area(n: MapNode, g: Geo): string {
  const w = n.w * g.s, h = n.h * g.s;
  const x0 = px(g, n.x) - w / 2, y0 = py(g, n.y) - h / 2;
  const st = n.kind === 'district' ? AREA.district : n.kind === 'block' ? AREA.block : n.kind === 'highway' ? AREA.highway : AREA.outskirt;
  const rx = n.kind === 'outskirt' ? Math.min(w, h) / 2 : n.kind === 'highway' ? 3 : 2;
  const sw = n.kind === 'district' ? 1.5 : 1;
  let out = `<g class="${n.kind}" data-id="${x(n.id)}">${g.tips ? `<title>${x(nodeTitle(n))}</title>` : ''}`;
  out += `<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${num(h)}" rx="${num(rx)}" fill="${st.fill}" stroke="${st.stroke}" stroke-width="${sw}"/>`;
  out += areaLabel(n, x0, y0, w, h, st.text);
  return out + `</g>\n`;
}

function districtLabel(n: MapNode, g: Geo): string {
  const w = n.w * g.s, h = n.h * g.s;
  const x0 = px(g, n.x) - w / 2, y0 = py(g, n.y) - h / 2;
  const fs = clamp(w / 14, 9, 20);
  return `<text x="${num(x0 + 5)}" y="${num(y0 + fs + 3)}" font-size="${num(fs)}" font-weight="bold" fill="${AREA.district.text}" stroke="#FFFFFF" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${x(n.label)}</text>`;
}

function areaLabel(n: MapNode, x0: number, y0: number, w: number, h: number, colour: string): string {
  if (n.kind === 'district') return ''; // drawn in the label layer above the roads
  if (n.kind === 'block') {
    if (w < 24 || h < 10) return '';
    const fs = clamp(h * 0.28, 6, 11);
    return `<text x="${num(x0 + 3)}" y="${num(y0 + fs + 1)}" font-size="${num(fs)}" fill="${colour}">${x(n.label)}</text>`;
  }
  // Highways and outskirts: label under the shape so it never hides a road end; highways stand
  // side by side, so their labels are cut to the shape's width (the full name is in the tooltip).
  const fs = clamp(Math.max(w, h) * 0.3, 7, 12);
  const room = n.kind === 'highway' ? Math.max(3, Math.floor((w * 1.25) / (fs * 0.6))) : 40;
  const text = n.label.length > room ? `${n.label.slice(0, room - 1)}…` : n.label;
  return `<text x="${num(x0 + w / 2)}" y="${num(y0 + h + fs + 2)}" font-size="${num(fs)}" text-anchor="middle" fill="${colour}">${x(text)}</text>`;
}

function house(n: MapNode, g: Geo, o: ResolvedOverlays): string {
  const w = n.w * g.s, h = n.h * g.s;
  const x0 = px(g, n.x) - w / 2, y0 = py(g, n.y) - h / 2;
  const phase = PHASE[n.phase ?? 'unknown'];
  let out = `<g class="house ${n.phase ?? 'unknown'}" data-id="${x(n.id)}">${g.tips ? `<title>${x(nodeTitle(n))}</title>` : ''}`;
  out += `<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${num(h)}" fill="${phase.colour}" stroke="#333333" stroke-width="0.6"/>`;
  const m = Math.min(w, h);
  if (phase.glyph === 'hollow') out += `<rect x="${num(x0 + m * 0.25)}" y="${num(y0 + h / 2 - m * 0.25)}" width="${num(w - m * 0.5)}" height="${num(m * 0.5)}" fill="#FFFFFF"/>`;
  else if (phase.glyph === 'cross') out += `<path d="M${num(x0 + m * 0.2)},${num(y0 + m * 0.2)} L${num(x0 + w - m * 0.2)},${num(y0 + h - m * 0.2)} M${num(x0 + w - m * 0.2)},${num(y0 + m * 0.2)} L${num(x0 + m * 0.2)},${num(y0 + h - m * 0.2)}" stroke="#000000" stroke-width="${num(Math.max(0.6, m * 0.12))}"/>`;
  else if (phase.glyph === 'dot') out += `<circle cx="${num(x0 + w / 2)}" cy="${num(y0 + h / 2)}" r="${num(m * 0.18)}" fill="#000000"/>`;
  if (o.policy && n.fence && (n.fence.ingress || n.fence.egress)) {
    const off = clamp(m * 0.14, 0.8, 2.5);
    const sw = clamp(m * 0.1, 0.6, 1.6);
    const dir = n.fence.ingress && n.fence.egress ? 'both' : n.fence.ingress ? 'ingress' : 'egress';
    out += fence(dir, x0 - off, y0 - off, w + 2 * off, h + 2 * off, sw);
  }
  return out + `</g>\n`;
}

/** A fence around a house: ingress solid, egress dashed, both double (as in the viewer). */
function fence(d: 'ingress' | 'egress' | 'both', x0: number, y0: number, w: number, h: number, sw: number): string {
  const rect = (dx: number, extra = '') =>
    `<rect x="${num(x0 - dx)}" y="${num(y0 - dx)}" width="${num(w + 2 * dx)}" height="${num(h + 2 * dx)}" fill="none" stroke="${FENCE[d].colour}" stroke-width="${num(sw)}"${extra}/>`;
  if (d === 'both') return `<g class="fence-both">${rect(0)}${rect(sw * 1.8)}</g>`;
  const dash = FENCE[d].pattern === 'dashed' ? ` stroke-dasharray="${num(sw * 2)} ${num(sw * 1.5)}"` : '';
  return `<g class="fence-${d}">${rect(0, dash)}</g>`;
}

interface Segment {
  x1: number; y1: number; x2: number; y2: number;
  /** Unit direction and normal. */
  ux: number; uy: number;
}

/** The road as drawn, in px: the model's route along the streets, or (no route) centre to centre clipped at both shapes, nudged sideways when a reverse road exists. */
function pathOf(e: MapEdge, index: NodeIndex, g: Geo, offset: number): { x: number; y: number }[] | undefined {
  if (e.route && e.route.length >= 4) {
    const pts: { x: number; y: number }[] = [];
    for (let i = 0; i + 1 < e.route.length; i += 2) pts.push({ x: px(g, e.route[i]), y: py(g, e.route[i + 1]) });
    return pts;
  }
  const sg = straight(e, index, g, offset);
  return sg && [{ x: sg.x1, y: sg.y1 }, { x: sg.x2, y: sg.y2 }];
}

/** One leg of a path as a segment with its direction. */
function leg(a: { x: number; y: number }, b: { x: number; y: number }): Segment {
  const len = Math.max(1e-9, Math.hypot(b.x - a.x, b.y - a.y));
  return { x1: a.x, y1: a.y, x2: b.x, y2: b.y, ux: (b.x - a.x) / len, uy: (b.y - a.y) / len };
}

function straight(e: MapEdge, index: NodeIndex, g: Geo, offset: number): Segment | undefined {
  const a = index.get(e.source), c = index.get(e.target);
  if (!a || !c) return undefined;
  let x1 = px(g, a.x), y1 = py(g, a.y), x2 = px(g, c.x), y2 = py(g, c.y);
  const dx = x2 - x1, dy = y2 - y1;
  const len = Math.hypot(dx, dy);
  if (len < 1) return undefined;
  const ux = dx / len, uy = dy / len;
  if (offset) {
    x1 -= uy * offset; y1 += ux * offset; x2 -= uy * offset; y2 += ux * offset;
  }
  const exitA = exitDistance(a.w * g.s, a.h * g.s, ux, uy);
  const exitC = exitDistance(c.w * g.s, c.h * g.s, ux, uy);
  if (exitA + exitC >= len - 2) return { x1, y1, x2, y2, ux, uy };
  return { x1: x1 + ux * exitA, y1: y1 + uy * exitA, x2: x2 - ux * exitC, y2: y2 - uy * exitC, ux, uy };
}

function exitDistance(w: number, h: number, ux: number, uy: number): number {
  const tx = Math.abs(ux) > 1e-9 ? w / 2 / Math.abs(ux) : Infinity;
  const ty = Math.abs(uy) > 1e-9 ? h / 2 / Math.abs(uy) : Infinity;
  return Math.min(tx, ty) + 1;
}

function road(e: MapEdge, index: NodeIndex, g: Geo, o: ResolvedOverlays, offset: number): string {
  const pts = pathOf(e, index, g, offset);
  if (!pts) return '';
  const sg = leg(pts[pts.length - 2], pts[pts.length - 1]);
  const title = g.tips ? `<title>${x(describeEdge(e, (id) => index.label(id)))}</title>` : '';
  const shape = pts.length > 2 ? 'polyline' : 'line';
  const line =
    pts.length > 2
      ? `points="${pts.map((p) => `${num(p.x)},${num(p.y)}`).join(' ')}" stroke-linejoin="round"`
      : `x1="${num(pts[0].x)}" y1="${num(pts[0].y)}" x2="${num(pts[1].x)}" y2="${num(pts[1].y)}"`;
  if (e.kind === 'highway-link') {
    return `<g class="highway-link" data-id="${x(e.id)}">${title}<${shape} ${line} fill="none" stroke="${AREA.highwayLink.colour}" stroke-width="1.2" marker-end="url(#end-link)"/></g>\n`;
  }
  const v = lineVerdict(e, o)!;
  const st = roadStyleOf(e, v);
  const unenforced = st === UNENFORCED_ROAD;
  const w = Math.max(0.75, (o.flows ? roadWidth(e.volume) : 1.5) * (g.thin ?? 1));
  const dash = st.dash ? ` stroke-dasharray="${st.dash.split(' ').map((d) => num(Number(d) * Math.max(1, w * 0.5))).join(' ')}"` : '';
  const cap = st.dotStyle === 'dotted' ? ' stroke-linecap="round"' : '';
  const end = st.targetMarker === 'tee' ? '' : ` marker-end="url(#end-${unenforced ? 'unenforced' : v})"`;
  let out = `<g class="road ${v}${unenforced ? ' unenforced' : ''}" data-id="${x(e.id)}">${title}`;
  out += `<${shape} ${line} fill="none" stroke="${st.colour}" stroke-width="${num(w)}"${dash}${cap} stroke-opacity="0.9"${end}/>`;
  if (st.targetMarker === 'tee') {
    // The bar: a solid crossbar closing the road at its target, readable without colour.
    const back = Math.min(3, Math.hypot(sg.x2 - sg.x1, sg.y2 - sg.y1) * 0.2);
    const cx = sg.x2 - sg.ux * back, cy = sg.y2 - sg.uy * back;
    const half = 5 + w;
    out += `<line class="bar" x1="${num(cx - sg.uy * half)}" y1="${num(cy + sg.ux * half)}" x2="${num(cx + sg.uy * half)}" y2="${num(cy - sg.ux * half)}" stroke="${st.colour}" stroke-width="${num(Math.max(2.5, w * 0.8))}"/>`;
  }
  return out + `</g>\n`;
}

/** One marker per evidence source at the road's source end: observed ●, predicted ○, probed ◆ (fill = verdict). */
function evidenceMarkers(e: MapEdge, index: NodeIndex, g: Geo, o: ResolvedOverlays, offset: number): string {
  const pts = pathOf(e, index, g, offset);
  if (!pts) return '';
  const sg = leg(pts[0], pts[1]);
  const ev = visibleEvidence(e, o);
  const r = Math.max(2.5, 4.5 * (g.thin ?? 1));
  const items: Array<(cx: number, cy: number) => string> = [];
  if (ev.observed) { const v = ev.observed; items.push((cx, cy) => observedMark(cx, cy, r, ROAD[v].colour)); }
  if (ev.predicted) { const v = ev.predicted; items.push((cx, cy) => predictedMark(cx, cy, r, ROAD[v].colour)); }
  if (ev.probed) { const v = ev.probed; items.push((cx, cy) => probedMark(cx, cy, r + 1, v)); }
  const len = Math.hypot(sg.x2 - sg.x1, sg.y2 - sg.y1);
  const step = Math.min(r * 2.4, len / (items.length + 1));
  const marks = items.map((draw, i) => {
    const t = Math.min(len / 2, r + 2) + i * step;
    return draw(sg.x1 + sg.ux * t, sg.y1 + sg.uy * t);
  });
  return marks.length ? `<g data-road="${x(e.id)}">${marks.join('')}</g>\n` : '';
}

function observedMark(cx: number, cy: number, r: number, colour: string): string {
  return `<circle class="mark-observed" cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${colour}" stroke="#FFFFFF" stroke-width="1"/>`;
}

function predictedMark(cx: number, cy: number, r: number, colour: string): string {
  return `<circle class="mark-predicted" cx="${num(cx)}" cy="${num(cy)}" r="${num(r * 0.85)}" fill="#FFFFFF" stroke="${colour}" stroke-width="2"/>`;
}

function probedMark(cx: number, cy: number, r: number, v: ProbeVerdict | undefined, colour?: string): string {
  const st = v ? PROBE[v] : undefined;
  let out = `<path class="mark-probed${v ? ` ${v}` : ''}" d="M${num(cx)},${num(cy - r)} L${num(cx + r)},${num(cy)} L${num(cx)},${num(cy + r)} L${num(cx - r)},${num(cy)} z" fill="${colour ?? st!.colour}" stroke="#FFFFFF" stroke-width="1"/>`;
  if (st?.glyph) out += `<text x="${num(cx)}" y="${num(cy + r * 0.38)}" font-size="${num(r * 1.05)}" font-weight="bold" text-anchor="middle" fill="#FFFFFF">${x(st.glyph)}</text>`;
  return out;
}

const legendHeight = (sections: LegendSection[]) => sections.reduce((h, sec) => h + 30 + sec.rows.length * 20, 16);

/** The legend on its own, for the app's map: the same sections and swatches as every export's. */
export function legendSvg(overlays: ExportOverlays | undefined, extras: LegendExtras = {}): string {
  const sections = legendSections(resolveOverlays(overlays), extras);
  const h = legendHeight(sections);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LEGEND_W}" height="${h}" viewBox="0 0 ${LEGEND_W} ${h}" font-family="${x(TEXT.font)}" role="img" aria-label="Map legend">${defs()}${legend(sections, 0, 0, h, false)}</svg>`;
}

function legend(sections: LegendSection[], x0: number, y0: number, h: number, frame = true): string {
  let out = `<g class="legend">${frame ? `<rect x="${x0}" y="${y0}" width="${LEGEND_W}" height="${h}" rx="4" fill="#FFFFFF" stroke="#BBBBBB"/>` : ''}`;
  let y = y0 + 8;
  for (const sec of sections) {
    y += 22;
    out += `<text x="${x0 + 10}" y="${y}" font-size="12" font-weight="bold" fill="${TEXT.colour}">${x(sec.title)}</text>`;
    y += 4;
    for (const row of sec.rows) {
      y += 20;
      out += swatch(row.swatch, x0 + 12, y - 5) + `<text x="${x0 + 62}" y="${y - 1}" font-size="11" fill="${TEXT.colour}">${x(row.label)}</text>`;
    }
  }
  return out + `</g>\n`;
}

/** One legend swatch, drawn in a 40x12 box whose left middle is (sx, sy). */
function swatch(sw: LegendSwatch, sx: number, sy: number): string {
  switch (sw.type) {
    case 'road': {
      const st = sw.verdict === 'mixed' ? MIXED_ROAD : sw.verdict === 'unenforced' ? UNENFORCED_ROAD : ROAD[sw.verdict];
      const dash = st.dash ? ` stroke-dasharray="${st.dash}"` : '';
      const end = st.targetMarker === 'tee' ? '' : ` marker-end="url(#end-${sw.verdict})"`;
      let out = `<line x1="${sx}" y1="${sy}" x2="${sx + 38}" y2="${sy}" stroke="${st.colour}" stroke-width="2"${dash}${st.dotStyle === 'dotted' ? ' stroke-linecap="round"' : ''}${end}/>`;
      if (st.targetMarker === 'tee') out += `<line x1="${sx + 37}" y1="${sy - 6}" x2="${sx + 37}" y2="${sy + 6}" stroke="${st.colour}" stroke-width="2.5"/>`;
      return out;
    }
    case 'width':
      return `<line x1="${sx}" y1="${sy - 4}" x2="${sx + 40}" y2="${sy - 4}" stroke="${TEXT.muted}" stroke-width="1.25"/><line x1="${sx}" y1="${sy + 3}" x2="${sx + 40}" y2="${sy + 3}" stroke="${TEXT.muted}" stroke-width="6"/>`;
    case 'evidence':
      return sw.source === 'observed'
        ? observedMark(sx + 20, sy, 4.5, TEXT.colour)
        : sw.source === 'predicted'
          ? predictedMark(sx + 20, sy, 4.5, TEXT.colour)
          : probedMark(sx + 20, sy, 5.5, undefined, TEXT.colour);
    case 'probe':
      return probedMark(sx + 20, sy, 6, sw.verdict);
    case 'house': {
      const n: MapNode = { id: 'legend', kind: 'house', label: '', x: sx + 20, y: sy, w: 12, h: 12, phase: sw.phase, meta: {}, flags: [] };
      return house(n, { s: 1, ox: 0, oy: 0, tips: false }, { policy: false, flows: false, probes: false }).replace('class="house ', 'class="swatch-house ').replace(' data-id="legend"', '');
    }
    case 'fence':
      return `<rect x="${sx + 15}" y="${sy - 5}" width="10" height="10" fill="${PHASE.running.colour}" stroke="#333333" stroke-width="0.6"/>` + fence(sw.direction, sx + 13, sy - 7, 14, 14, 1.2);
    case 'halo':
      return `<line x1="${sx + 2}" y1="${sy}" x2="${sx + 38}" y2="${sy}" stroke="${sw.colour}" stroke-width="9" stroke-linecap="round" opacity="0.55"/><line x1="${sx + 2}" y1="${sy}" x2="${sx + 38}" y2="${sy}" stroke="${TEXT.muted}" stroke-width="1.5"/>`;
    case 'area': {
      const st = AREA[sw.area];
      const rx = sw.area === 'outskirt' ? 6 : 2;
      return `<rect x="${sx + 4}" y="${sy - 6}" width="32" height="12" rx="${rx}" fill="${st.fill}" stroke="${st.stroke}"/>`;
    }
  }
}

function nodeTitle(n: MapNode): string {
  const facts = Object.entries(n.meta).map(([k, v]) => `${k}: ${v}`);
  return [`${n.kind} ${n.label}`, n.phase ? `phase: ${n.phase}` : '', n.fence ? `fence: ${[n.fence.ingress && 'ingress', n.fence.egress && 'egress'].filter(Boolean).join(' + ') || 'none'}` : '', ...facts]
    .filter(Boolean)
    .join('\n');
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
