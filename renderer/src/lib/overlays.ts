/**
 * Which roads show, and how, for the overlays and filters the user has on. Pure: the map view
 * applies the result as Cytoscape classes; component tests check it without a canvas.
 */
import type { WireEdge, WireMapModel, MapNode, RoadVerdict } from '../../../main/map/model';
import { SIZES } from '../../../main/map/style';

export interface Overlays {
  policy: boolean;
  flows: boolean;
  probes: boolean;
  diff: boolean;
  whatif: boolean;
}

export const DEFAULT_OVERLAYS: Overlays = { policy: true, flows: true, probes: true, diff: false, whatif: false };

export interface Filters {
  namespaces: string[];
  verdicts: RoadVerdict[];
  protocol: string;
  port: string;
}

export const NO_FILTERS: Filters = { namespaces: [], verdicts: [], protocol: '', port: '' };

export interface EdgeLook {
  visible: boolean;
  verdict: RoadVerdict;
  /** Where the drawn verdict comes from. */
  evidence: 'observed' | 'predicted' | 'probed';
  probed: boolean;
  mismatch: boolean;
}

/** The look of a road under the given overlays; invisible when no active overlay speaks for it. */
export function edgeLook(e: WireEdge, o: Overlays): EdgeLook {
  const probed = o.probes && e.probed !== undefined;
  const mismatch = (o.policy || o.probes) && (e.flags.includes('mismatch') || e.probed === 'mismatch');
  if (o.flows && e.observed) return { visible: true, verdict: e.observed, evidence: 'observed', probed, mismatch };
  if (probed) {
    const verdict: RoadVerdict = e.probed === 'ok' ? 'allowed' : e.probed === 'blocked' ? 'denied' : 'unknown';
    return { visible: true, verdict, evidence: 'probed', probed, mismatch };
  }
  if (o.policy && e.predicted) return { visible: true, verdict: e.predicted, evidence: 'predicted', probed, mismatch };
  return { visible: false, verdict: 'unknown', evidence: 'predicted', probed, mismatch };
}

function namespaceOf(id: string, nodes: Map<string, MapNode>): string | undefined {
  let n = nodes.get(id);
  while (n?.parent) n = nodes.get(n.parent);
  return n?.kind === 'district' ? n.label : undefined;
}

/** Whether a road passes the filters (a namespace filter keeps roads touching those districts). */
export function edgePasses(e: WireEdge, look: EdgeLook, f: Filters, nodes: Map<string, MapNode>): boolean {
  if (f.verdicts.length && !f.verdicts.includes(look.verdict)) return false;
  if (f.protocol && !e.protocols.includes(f.protocol as never)) return false;
  if (f.port) {
    const port = Number(f.port);
    if (!e.ports.includes(port) && !e.label.includes(` ${f.port}`)) return false;
  }
  if (f.namespaces.length) {
    const a = namespaceOf(e.source, nodes);
    const b = namespaceOf(e.target, nodes);
    if (!(a && f.namespaces.includes(a)) && !(b && f.namespaces.includes(b))) return false;
  }
  return true;
}

export function nodePasses(n: MapNode, f: Filters, nodes: Map<string, MapNode>): boolean {
  if (!f.namespaces.length || n.kind === 'outskirt') return true;
  const ns = n.kind === 'district' ? n.label : namespaceOf(n.id, nodes);
  return ns !== undefined && f.namespaces.includes(ns);
}

/** The zoom level's name: which layer of the city is drawn. */
export type Level = 'districts' | 'blocks' | 'houses';

/**
 * The level for a zoom, from what is readable on screen in this city: districts while a typical
 * district is under DISTRICT_PX wide (its blocks would be a blur), houses once a house is HOUSE_PX
 * or more, blocks in between.
 */
export function levelForZoom(zoom: number, districtWidth: number): Level {
  if (zoom * districtWidth < DISTRICT_PX) return 'districts';
  if (zoom * SIZES.house >= HOUSE_PX) return 'houses';
  return 'blocks';
}

const DISTRICT_PX = 160;
const HOUSE_PX = 10;

/** A typical district's width (the median), which sets the zoom levels of a city. */
export function districtScale(model: WireMapModel): number {
  const ws = model.nodes.filter((n) => n.kind === 'district').map((n) => n.w).sort((a, b) => a - b);
  return ws.length ? ws[Math.floor(ws.length / 2)] : 200;
}

export interface Visible {
  nodes: number;
  edges: number;
  deniedRoads: number;
}

/** Counts what a model shows under overlays and filters (the e2e tests compare it with the canvas). */
export function visibleCounts(model: WireMapModel, o: Overlays, f: Filters): Visible {
  const nodes = new Map(model.nodes.map((n) => [n.id, n]));
  let edges = 0;
  let denied = 0;
  for (const e of model.edges) {
    if (e.kind !== 'road') continue;
    const look = edgeLook(e, o);
    if (!look.visible || !edgePasses(e, look, f, nodes)) continue;
    edges++;
    if (look.verdict === 'denied') denied++;
  }
  return { nodes: model.nodes.filter((n) => nodePasses(n, f, nodes)).length, edges, deniedRoads: denied };
}

/** How telling a road is where roads share a street: the one drawn on top and picked by a click. */
export function roadRank(classes: { mismatch: boolean; denied: boolean; mixed: boolean }): number {
  return classes.mismatch ? 13 : classes.denied || classes.mixed ? 12 : 10;
}

/** Distance from a point to a polyline given as flat x,y pairs. */
function distanceToRoute(route: number[], x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i + 3 < route.length; i += 2) {
    const [ax, ay, bx, by] = [route[i], route[i + 1], route[i + 2], route[i + 3]];
    const dx = bx - ax;
    const dy = by - ay;
    const len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

/**
 * The road a click at (x, y) picks: of the visible roads running within `tolerance` of the point
 * (roads bundled on one street overlap), the most telling one — the one drawn on top — and among
 * equals the one the canvas hit. Keeps a click on a shared street from landing on whichever road
 * happens to be a fraction of a pixel nearer.
 */
export function pickRoad(candidates: { id: string; route?: number[]; rank: number }[], x: number, y: number, tolerance: number, hit: string): string {
  let best: { id: string; rank: number } | undefined;
  for (const c of candidates) {
    if (!c.route || c.route.length < 4 || distanceToRoute(c.route, x, y) > tolerance) continue;
    if (!best || c.rank > best.rank || (c.rank === best.rank && c.id === hit)) best = c;
  }
  return best && best.rank > (candidates.find((c) => c.id === hit)?.rank ?? -1) ? best.id : hit;
}
