/**
 * Leftovers after a crash: every probe object lives in a namespace labelled managed-by=netcity
 * with an expiry annotation (the run's time limit plus a margin). On the next connect, namespaces
 * past their expiry are deleted; a run still going (another NetCity, another user) is left alone.
 */
import { EXPIRES_AT, MANAGED_SELECTOR, RUN_ID } from './labels.js';
import type { ListedObject, ObjectRef, ProbeCluster } from './probe-cluster.js';

export interface LeftoverReport {
  deleted: ObjectRef[];
  /** Still within their run's time limit: belong to a run that may be alive. */
  kept: ObjectRef[];
  failed: { ref: ObjectRef; error: string }[];
}

export interface CleanupLeftoversOptions {
  now?: number;
  /** Delete even objects of runs that may still be alive. */
  force?: boolean;
  /** Runs of this process that are alive: never touched. */
  activeRunIds?: Iterable<string>;
}

const expired = (o: ListedObject, now: number): boolean => {
  const at = Date.parse(o.annotations[EXPIRES_AT] ?? '');
  // Without a readable expiry the object cannot belong to a bounded run: treat it as left over.
  return Number.isNaN(at) || at <= now;
};

export async function cleanupLeftovers(cluster: ProbeCluster, opts: CleanupLeftoversOptions = {}): Promise<LeftoverReport> {
  const now = opts.now ?? Date.now();
  const active = new Set(opts.activeRunIds ?? []);
  const report: LeftoverReport = { deleted: [], kept: [], failed: [] };
  const namespaces = await cluster.list('v1', 'Namespace', MANAGED_SELECTOR);
  for (const ns of namespaces) {
    const ref: ObjectRef = { apiVersion: ns.apiVersion, kind: ns.kind, name: ns.name };
    if (active.has(ns.labels[RUN_ID] ?? '') || (!opts.force && !expired(ns, now))) {
      report.kept.push(ref);
      continue;
    }
    try {
      await cluster.delete(ref);
      report.deleted.push(ref);
    } catch (err) {
      report.failed.push({ ref, error: (err as Error).message });
    }
  }
  return report;
}
