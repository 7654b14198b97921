/** A Snapshot made from manifests, for `netcity snapshot --manifests` and the offline app. */
import { POLICY_KINDS, type Snapshot } from '../model/types.js';
import type { ManifestSet } from './convert.js';
import { formatManifestError } from './parse.js';

export function manifestsToSnapshot(set: ManifestSet, name: string, now: number = Date.now()): Snapshot {
  return {
    model: 1,
    id: `manifests-${now.toString(36)}`,
    name,
    createdAt: now,
    cluster: { name, source: 'manifests' },
    roadBuilder: {
      name: 'unknown',
      enforcesNetworkPolicy: 'unknown',
      policyKinds: [...POLICY_KINDS],
      flowSources: [],
      details: {},
      evidence: ['read from manifests: no cluster to detect the CNI from'],
    },
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
