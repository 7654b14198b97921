/** A snapshot with nothing in it yet: the start of an import or a capture without inventory. */
import type { RoadBuilder, Snapshot, SnapshotSource } from './types.js';

export function unknownRoadBuilder(evidence: string[] = [], flowSources: string[] = []): RoadBuilder {
  return { name: 'unknown', enforcesNetworkPolicy: 'unknown', policyKinds: [], flowSources, details: {}, evidence };
}

export function emptySnapshot(name: string, source: SnapshotSource, roadBuilder: RoadBuilder = unknownRoadBuilder(), now = Date.now()): Snapshot {
  return {
    model: 1,
    id: `${source}-${now.toString(36)}`,
    name,
    createdAt: now,
    cluster: { name, source },
    roadBuilder,
    window: {},
    namespaces: [],
    nodes: [],
    workloads: [],
    pods: [],
    services: [],
    policies: [],
    flows: [],
    roads: [],
    probes: [],
    findings: [],
    warnings: [],
    permissions: [],
    positions: {},
    notes: [],
  };
}
