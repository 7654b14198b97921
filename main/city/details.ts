/** The side panel's facts for a clicked node: a house, block, highway, district or outskirt. */
import { stringify } from 'yaml';
import type { NodeDetails, PeerRow } from '../api/contract.js';
import type { MapEdge, MapModel, MapNode } from '../map/model.js';
import { parsePeerId, policyKey } from '../model/ids.js';
import type { PolicyObject, Snapshot } from '../model/types.js';
import type { EngineView } from './policy-adapter.js';

export const policyYaml = (p: PolicyObject) => stringify(p.manifest, { lineWidth: 100 });

/** Lookups over a map's nodes, built once per map (a 10,000-pod map has 16,000 nodes; a click asks for one). */
const indexes = new WeakMap<MapModel, { byId: Map<string, MapNode>; firstHouse: Map<string, MapNode> }>();
function indexOf(map: MapModel) {
  let ix = indexes.get(map);
  if (!ix) {
    const byId = new Map(map.nodes.map((n) => [n.id, n]));
    const firstHouse = new Map<string, MapNode>();
    for (const n of map.nodes) if (n.kind === 'house' && n.parent && !firstHouse.has(n.parent)) firstHouse.set(n.parent, n);
    indexes.set(map, (ix = { byId, firstHouse }));
  }
  return ix;
}

const RANK = (r: PeerRow) => (r.flags.includes('mismatch') ? 0 : r.observed === 'denied' || r.predicted === 'denied' ? 1 : r.observed ? 2 : 3);

/**
 * The roads of a place as rows: a house has its block's roads (roads run between blocks), a block
 * its own, a service those of the workloads behind it, a district the district roads. The counts
 * in the panel are these rows, so they match what the map draws.
 */
function peersOf(map: MapModel, roads: MapEdge[], ends: Set<string>): PeerRow[] {
  const { byId } = indexOf(map);
  const pretty = (peer: string) => {
    const p = byId.get(peer)?.parent;
    const l = byId.get(peer)?.label ?? peer;
    return p && p.startsWith('ns:') ? `${p.slice(3)}/${l}` : l;
  };
  const rows: PeerRow[] = [];
  for (const e of roads) {
    if (e.kind !== 'road') continue;
    const out = ends.has(e.source);
    const inn = ends.has(e.target);
    if (!out && !inn) continue;
    const peer = out ? e.target : e.source;
    rows.push({
      direction: out ? 'out' : 'in',
      peer,
      peerLabel: pretty(peer),
      edgeId: e.id,
      ports: e.label,
      ...(e.predicted ? { predicted: e.predicted } : {}),
      ...(e.observed ? { observed: e.observed } : {}),
      ...(e.probed ? { probed: e.probed } : {}),
      flows: e.volume,
      dropped: e.dropped,
      flags: e.flags.filter((f) => f !== 'finding'),
    });
  }
  return rows.sort((a, b) => RANK(a) - RANK(b) || b.flows - a.flows || a.peerLabel.localeCompare(b.peerLabel));
}

export function nodeDetails(s: Snapshot, map: MapModel, engine: EngineView, id: string): NodeDetails {
  const node = indexOf(map).byId.get(id);
  if (!node) throw new Error(`${id}: not on this map (it may have been removed since; refresh the city)`);
  const facts: [string, string][] = Object.entries(node.meta).filter(([, v]) => v !== '');
  // Where this place's roads start and end: itself, and for a house its block, for a service the blocks its highway links reach.
  const ends = new Set<string>([id]);
  if (node.kind === 'house' && node.parent) ends.add(node.parent);
  if (node.kind === 'highway') for (const e of map.edges) if (e.kind === 'highway-link' && e.source === id) ends.add(e.target);
  const peers = peersOf(map, node.kind === 'district' ? (map.districtRoads ?? []) : map.edges, ends);
  const roadsIn = peers.filter((r) => r.direction === 'in').length;
  const roadsOut = peers.filter((r) => r.direction === 'out').length;
  const byKey = new Map(s.policies.map((p) => [policyKey(p.kind, p.name, p.namespace), p]));
  const policiesOf = (keys: string[]) =>
    keys.map((k) => byKey.get(k)).filter((p): p is PolicyObject => !!p).map((p) => ({ key: policyKey(p.kind, p.name, p.namespace), kind: p.kind, yaml: policyYaml(p) }));

  const p = parsePeerId(id);
  if (node.kind === 'house') {
    return {
      id,
      kind: 'pod',
      label: `${p.namespace}/${p.name}`,
      facts,
      fences: engine.fences(id),
      policies: policiesOf(engine.policiesSelecting(id)),
      roadsIn,
      roadsOut,
      peers,
    };
  }
  if (node.kind === 'block') {
    const house = indexOf(map).firstHouse.get(id);
    return {
      id,
      kind: node.meta.kind ?? 'workload',
      label: `${p.namespace}/${p.name}`,
      facts,
      fences: house ? engine.fences(house.id) : undefined,
      policies: house ? policiesOf(engine.policiesSelecting(house.id)) : [],
      roadsIn,
      roadsOut,
      peers,
    };
  }
  if (node.kind === 'district') {
    const inNs = s.policies.filter((x) => x.namespace === node.label);
    return {
      id,
      kind: 'namespace',
      label: node.label,
      facts,
      policies: inNs.map((x) => ({ key: policyKey(x.kind, x.name, x.namespace), kind: x.kind, yaml: policyYaml(x) })),
      roadsIn,
      roadsOut,
      peers,
    };
  }
  return { id, kind: node.kind === 'highway' ? 'service' : node.meta.type ?? node.kind, label: node.label, facts, policies: [], roadsIn, roadsOut, peers };
}
