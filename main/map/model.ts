/**
 * The map model: a snapshot laid out as a city and encoded for drawing. Pure data, produced in
 * main by ./build.ts and consumed alike by the Cytoscape viewer and the exporters (SVG, DOT...).
 */
import type { FlowProtocol, PeerId } from '../model/types.js';
import type { RoadLabel } from './streets.js';

export type MapNodeKind = 'district' | 'block' | 'house' | 'highway' | 'outskirt';

export type PodPhaseClass = 'running' | 'pending' | 'succeeded' | 'failed' | 'unknown';

export interface MapNode {
  /** Peer id (pod:, wl:, svc:, ns:, world, ip:...). */
  id: PeerId;
  kind: MapNodeKind;
  /** Containing node id (a house's block, a block's district). */
  parent?: PeerId;
  label: string;
  /** Centre, in map units. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Houses: phase; fences: isolated directions. */
  phase?: PodPhaseClass;
  fence?: { ingress: boolean; egress: boolean };
  /** Extra facts for tooltips and panels (kind, namespace, IPs...). */
  meta: Record<string, string>;
  /** Visual state flags: "not-permitted", "stale", "finding", "diff-added"... */
  flags: string[];
}

export type RoadVerdict = 'allowed' | 'denied' | 'unknown';
export type ProbeVerdict = 'ok' | 'blocked' | 'mismatch';

export interface MapEdge {
  id: string;
  kind: 'road' | 'highway-link';
  source: PeerId;
  target: PeerId;
  /** Aggregated ports, e.g. "TCP 8080, UDP 53". */
  label: string;
  protocols: FlowProtocol[];
  ports: number[];
  /** Verdict per evidence source; absent when that source says nothing. */
  predicted?: RoadVerdict;
  observed?: RoadVerdict;
  probed?: ProbeVerdict;
  /** Observed flow count (all verdicts). */
  volume: number;
  /** Observed flows dropped. */
  dropped: number;
  /** Road keys of the underlying aggregates (RoadAggregate.key). */
  roadKeys: string[];
  /** "mismatch", "possible" (predicted only, from the matrix), "mixed" (a district road with allowed and denied pairs)... */
  flags: string[];
  /**
   * The road along the streets, as flat x,y pairs in map units: from the border of the source
   * place through every bend to the border of the target place (./streets.ts).
   */
  route?: number[];
  /** District roads: workload pairs behind the road, and how many of them are allowed / denied / unknown. */
  pairs?: number;
  mix?: Record<RoadVerdict, number>;
}

/** Shown vs. existing roads at one level: a drawing budget may leave roads out, and says so. */
export interface RoadCount {
  shown: number;
  total: number;
}

export interface RoadBudgetInfo {
  /** False while predicted roads are still being computed (the model holds observed and probed roads only). */
  complete: boolean;
  /** Whether predicted roads from the policy matrix are included. */
  predicted: boolean;
  blocks: RoadCount;
  districts: RoadCount;
}

export interface LegendEntry {
  key: string;
  label: string;
  /** Which style token draws it (see ./style.ts). */
  style: string;
}

export interface MapModel {
  cityId: string;
  title: string;
  subtitle: string;
  bounds: { x: number; y: number; w: number; h: number };
  nodes: MapNode[];
  edges: MapEdge[];
  /** Roads aggregated between districts and outskirts, for the lowest zoom level. */
  districtRoads?: MapEdge[];
  /** Road labels placed without overlaps (dropped by priority where they would collide), per level. */
  labels?: { blocks: RoadLabel[]; districts: RoadLabel[] };
  /** How many roads each level has and how many this model carries (the rest are left out by a budget). */
  roadBudget?: RoadBudgetInfo;
  legend: LegendEntry[];
  /** District order and city width of this layout: the next map of the city starts from it (stable layout). */
  layout?: { order: string[]; width: number };
  counts: {
    districts: number;
    blocks: number;
    houses: number;
    highways: number;
    outskirts: number;
    roads: number;
    deniedRoads: number;
  };
}

/** A road as it crosses the API: without the keys of the aggregates behind it (they stay in main). */
export type WireEdge = Omit<MapEdge, 'roadKeys'>;

/** The map as it crosses the API (city.map, diff, what-if): no road keys, no layout memory. */
export interface WireMapModel extends Omit<MapModel, 'edges' | 'districtRoads' | 'layout'> {
  edges: WireEdge[];
  districtRoads?: WireEdge[];
}

/** The wire form of a map: what the UI may see of it. */
export function toWireMap(map: MapModel): WireMapModel {
  const strip = ({ roadKeys: _keys, ...e }: MapEdge): WireEdge => e;
  const { edges, districtRoads, layout: _layout, ...rest } = map;
  return { ...rest, edges: edges.map(strip), ...(districtRoads ? { districtRoads: districtRoads.map(strip) } : {}) };
}
