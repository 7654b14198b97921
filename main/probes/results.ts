/**
 * Probe results into a snapshot: results of a run are added to `snapshot.probes` (same id
 * replaced, bounded), and the mismatch findings are recomputed from the merged evidence.
 */
import type { ProbeResult, Snapshot } from '../model/types.js';
import { mismatchFindings, type Predict } from './mismatch.js';

export const MAX_PROBE_RESULTS = 50_000;

/** The snapshot with the results added (same id replaced, oldest dropped over `max`); findings untouched. */
export function mergeProbeResults(snapshot: Snapshot, results: ProbeResult[], max = MAX_PROBE_RESULTS): Snapshot {
  const byId = new Map(snapshot.probes.map((p) => [p.id, p]));
  for (const r of results) {
    byId.delete(r.id);
    byId.set(r.id, r);
  }
  // Oldest results go first when over the bound.
  const probes = [...byId.values()].sort((a, b) => a.time - b.time).slice(-max);
  return { ...snapshot, probes };
}

/** mergeProbeResults, and the mismatch findings recomputed from the merged evidence (for a snapshot outside a city; a city derives them itself). */
export function withProbeResults(snapshot: Snapshot, results: ProbeResult[], predict?: Predict, max = MAX_PROBE_RESULTS): Snapshot {
  const merged = mergeProbeResults(snapshot, results, max);
  const findings = [...snapshot.findings.filter((f) => f.kind !== 'mismatch'), ...mismatchFindings({ snapshot: merged, ...(predict ? { predict } : {}) })];
  return { ...merged, findings };
}
