/** The side panel's facts for a clicked node: a house, block, highway, district or outskirt. */
import { stringify } from 'yaml';
import type { NodeDetails } from '../api/contract.js';
import type { MapModel } from '../map/model.js';
import { parsePeerId, policyKey } from '../model/ids.js';
import type { PolicyObject, Snapshot } from '../model/types.js';
import type { EngineView } from './policy-adapter.js';

export const policyYaml = (p: PolicyObject) => stringify(p.manifest, { lineWidth: 100 });

export function nodeDetails(s: Snapshot, map: MapModel, engine: EngineView, id: string): NodeDetails {
  const node = map.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`${id}: not on this map (it may have been removed since; refresh the city)`);
  const facts: [string, string][] = Object.entries(node.meta).filter(([, v]) => v !== '');
  const roadsIn = map.edges.filter((e) => e.kind === 'road' && e.target === id).length;
  const roadsOut = map.edges.filter((e) => e.kind === 'road' && e.source === id).length;
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
    };
  }
  if (node.kind === 'block') {
    const house = map.nodes.find((n) => n.parent === id && n.kind === 'house');
    return {
      id,
      kind: node.meta.kind ?? 'workload',
      label: `${p.namespace}/${p.name}`,
      facts,
      fences: house ? engine.fences(house.id) : undefined,
      policies: house ? policiesOf(engine.policiesSelecting(house.id)) : [],
      roadsIn,
      roadsOut,
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
      roadsIn: map.districtRoads?.filter((e) => e.target === id).length ?? 0,
      roadsOut: map.districtRoads?.filter((e) => e.source === id).length ?? 0,
    };
  }
  return { id, kind: node.kind === 'highway' ? 'service' : node.meta.type ?? node.kind, label: node.label, facts, policies: [], roadsIn, roadsOut };
}
