/**
 * JSON export: one document, schema described in ./json-schema.md (keep the two in step; bump
 * `version` on any breaking change).
 */
import type { MapEdge, MapModel, MapNode } from '../map/model.js';
import type { CaptureWarning, ClusterInfo, Finding, ProbeResult, RoadAggregate, RoadBuilder, Snapshot } from '../model/types.js';
import { resolveOverlays, type ExportOverlays, type ResolvedOverlays } from './encoding.js';

export const JSON_EXPORT_FORMAT = 'netcity-export';
export const JSON_EXPORT_VERSION = 1;

export interface ExportJson {
  format: typeof JSON_EXPORT_FORMAT;
  version: typeof JSON_EXPORT_VERSION;
  exportedAt: string;
  title: string;
  redacted: boolean;
  /** Node ids the export was cut to; null for the whole city. */
  selection: string[] | null;
  overlays: ResolvedOverlays;
  snapshot: { id: string; name: string; createdAt: string; window: { from: string | null; to: string | null } };
  cluster: ClusterInfo;
  roadBuilder: RoadBuilder;
  counts: MapModel['counts'];
  bounds: MapModel['bounds'];
  nodes: MapNode[];
  edges: MapEdge[];
  roads: RoadAggregate[];
  probes: ProbeResult[];
  policies: Array<{ kind: string; namespace: string | null; name: string }>;
  findings: Finding[];
  warnings: CaptureWarning[];
}

export interface JsonExportInput {
  snapshot: Snapshot;
  map: MapModel;
  roads: RoadAggregate[];
  probes: ProbeResult[];
  title: string;
  redacted: boolean;
  selection?: string[];
  overlays?: ExportOverlays;
  now?: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function buildExportJson(i: JsonExportInput): ExportJson {
  const s = i.snapshot;
  return {
    format: JSON_EXPORT_FORMAT,
    version: JSON_EXPORT_VERSION,
    exportedAt: new Date(i.now ?? Date.now()).toISOString(),
    title: i.title,
    redacted: i.redacted,
    selection: i.selection?.length ? i.selection : null,
    overlays: resolveOverlays(i.overlays),
    snapshot: { id: s.id, name: s.name, createdAt: new Date(s.createdAt).toISOString(), window: { from: iso(s.window.from), to: iso(s.window.to) } },
    cluster: s.cluster,
    roadBuilder: s.roadBuilder,
    counts: i.map.counts,
    bounds: i.map.bounds,
    nodes: i.map.nodes,
    edges: i.map.edges,
    roads: i.roads,
    probes: i.probes,
    policies: s.policies.map((p) => ({ kind: p.kind, namespace: p.namespace ?? null, name: p.name })),
    findings: s.findings,
    warnings: s.warnings,
  };
}

/** Streams the document a node/edge/road per line, so a 10,000-pod city is not one giant stringify. */
export function* jsonChunks(doc: ExportJson): Generator<string, void, undefined> {
  const big = new Set<keyof ExportJson>(['nodes', 'edges', 'roads', 'probes']);
  const keys = Object.keys(doc) as Array<keyof ExportJson>;
  yield '{\n';
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    const sep = k < keys.length - 1 ? ',\n' : '\n';
    const value = doc[key];
    if (big.has(key) && Array.isArray(value)) {
      yield `  ${JSON.stringify(key)}: [`;
      for (let j = 0; j < value.length; j++) yield `${j ? ',' : ''}\n    ${JSON.stringify(value[j])}`;
      yield `${value.length ? '\n  ' : ''}]${sep}`;
    } else {
      yield `  ${JSON.stringify(key)}: ${JSON.stringify(value)}${sep}`;
    }
  }
  yield '}\n';
}
