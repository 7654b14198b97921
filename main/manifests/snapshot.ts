/** A Snapshot made from manifests, for `netcity snapshot --manifests` and the offline app. */
import type { RoadBuilder, Snapshot } from '../model/types.js';
import { detectDeclaredRoadBuilder } from '../cluster/cni-detect.js';
import type { ManifestSet } from './convert.js';
import { formatManifestError } from './parse.js';

/**
 * The road builder is the one the folder declares (its CNI DaemonSets, operator or Helm
 * resources), unless the caller names one (`--road-builder`); 'unknown' when neither.
 */
export function manifestsToSnapshot(set: ManifestSet, name: string, now: number = Date.now(), roadBuilder: RoadBuilder = detectDeclaredRoadBuilder(set.cniObjects)): Snapshot {
  return {
    model: 1,
    id: `manifests-${now.toString(36)}`,
    name,
    createdAt: now,
    cluster: { name, source: 'manifests' },
    roadBuilder,
    window: {},
    namespaces: set.namespaces,
    nodes: set.nodes,
    workloads: set.workloads,
    pods: set.pods,
    services: set.services,
    policies: set.policies,
    flows: [],
    roads: [],
    probes: [],
    findings: [],
    warnings: [...set.errors, ...set.warnings].map((e) => ({ time: now, kind: 'stream-error' as const, message: formatManifestError(e), subject: e.file })),
    permissions: [],
    positions: {},
    notes: [],
  };
}
