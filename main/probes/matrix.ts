/**
 * Connectivity matrix: one representative pod per workload (in a namespace or a selection), every
 * ordered pair on the destination's declared ports. The number of checks and a worst-case time are
 * known before running; checks run with bounded concurrency, report progress, and stop on cancel
 * (partial results are kept and marked).
 */
import { podId, workloadId, workloadOfPod as workloadOf } from '../model/ids.js';
import type { PodInfo, ProbeResult, Protocol, Snapshot, WorkloadInfo } from '../model/types.js';
import { debugPermissions, DebugSession, plannedDebugContainers, type CheckRequest, type DebugOptions } from './debug-session.js';
import { newRunId } from './labels.js';
import { ProbePlan } from './plan.js';
import type { ProbeCluster } from './probe-cluster.js';
import { runConfirmedPlan, type RunOptions } from './run.js';

export interface MatrixScope {
  /** All workloads of this namespace... */
  namespace?: string;
  /** ...or these workload / pod peer ids. */
  selection?: string[];
}

export interface Representative {
  workload: string;
  pod: PodInfo;
}

export interface PlannedCheck {
  src: Representative;
  dst: Representative;
  protocol: Protocol;
  port: number;
}


/**
 * One running pod per workload in scope, chosen deterministically (first by name). Pods on the
 * host network are left out: a debug container there would probe from the node, not the workload.
 */
export function representatives(inv: Pick<Snapshot, 'pods' | 'workloads'>, scope: MatrixScope): Representative[] {
  const wanted = scope.selection ? new Set(scope.selection) : undefined;
  const byWorkload = new Map<string, PodInfo>();
  const pods = [...inv.pods].sort((a, b) => (a.namespace + '/' + a.name).localeCompare(b.namespace + '/' + b.name));
  for (const p of pods) {
    if (p.phase !== 'Running' || p.hostNetwork || p.ips.length === 0 || p.representative) continue;
    const wl = workloadOf(p);
    if (scope.namespace !== undefined && p.namespace !== scope.namespace) continue;
    if (wanted && !wanted.has(wl) && !wanted.has(podId(p.namespace, p.name))) continue;
    if (!byWorkload.has(wl)) byWorkload.set(wl, p);
  }
  return [...byWorkload.entries()].map(([workload, pod]) => ({ workload, pod }));
}

/** Every ordered pair of distinct representatives, on each port the destination declares. */
export function matrixChecks(reps: Representative[], protocols: Protocol[] = ['TCP', 'UDP']): PlannedCheck[] {
  const checks: PlannedCheck[] = [];
  for (const src of reps) {
    for (const dst of reps) {
      if (src === dst) continue;
      const seen = new Set<string>();
      for (const p of dst.pod.ports) {
        if (!protocols.includes(p.protocol)) continue;
        const key = `${p.protocol}/${p.containerPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        checks.push({ src, dst, protocol: p.protocol, port: p.containerPort });
      }
    }
  }
  return checks;
}

export interface MatrixOptions extends DebugOptions {
  /** Checks in flight at once. Default 4. */
  concurrency?: number;
  /** Default: the worst-case estimate plus two minutes, at most 30 minutes. */
  timeLimitMs?: number;
  protocols?: Protocol[];
  now?: () => number;
}

/** Worst case: every check times out; debug containers start a few at a time. */
export function estimateMatrix(checks: number, sources: number, opts: MatrixOptions = {}): { checks: number; seconds: number } {
  const c = Math.max(1, opts.concurrency ?? 4);
  const perCheck = (opts.waitSeconds ?? 3) + 1;
  const containerStart = 10;
  return { checks, seconds: Math.ceil(sources / c) * containerStart + Math.ceil(checks / c) * perCheck };
}

export interface MatrixPlanned {
  plan: ProbePlan;
  checks: PlannedCheck[];
}

export function planMatrix(context: string, inv: Pick<Snapshot, 'pods' | 'workloads'>, scope: MatrixScope, opts: MatrixOptions = {}, runId = newRunId()): MatrixPlanned {
  const reps = representatives(inv, scope);
  const checks = matrixChecks(reps, opts.protocols);
  const sources = [...new Set(checks.map((c) => c.src))];
  const estimate = estimateMatrix(checks.length, sources.length, opts);
  const timeLimitMs = opts.timeLimitMs ?? Math.min(30 * 60_000, (estimate.seconds + 120) * 1000);
  const now = (opts.now ?? Date.now)();
  const notes = [`${reps.length} workload(s), ${checks.length} check(s), concurrency ${opts.concurrency ?? 4}; estimate is the worst case (every check timing out).`];
  const skipped = (inv.workloads as WorkloadInfo[]).filter(
    (w) => (scope.namespace === undefined || w.namespace === scope.namespace) && !reps.some((r) => r.workload === workloadId(w.namespace, w.kind, w.name)),
  );
  if (skipped.length > 0) notes.push(`Skipped (no running pod off the host network): ${skipped.map((w) => `${w.namespace}/${w.name}`).join(', ')}.`);
  return {
    checks,
    plan: new ProbePlan({
      runId,
      kind: 'matrix',
      context,
      objects: [],
      ephemeralContainers: plannedDebugContainers(runId, sources.map((s) => ({ namespace: s.pod.namespace, pod: s.pod.name })), opts.image, timeLimitMs),
      permissions: debugPermissions(sources.map((s) => s.pod.namespace)),
      timeLimitMs,
      expiresAt: new Date(now + timeLimitMs).toISOString(),
      estimate,
      notes,
    }),
  };
}

export interface MatrixProgress {
  done: number;
  total: number;
  last?: ProbeResult;
}

export interface MatrixReport {
  runId: string;
  results: ProbeResult[];
  total: number;
  /** Stopped by cancel or the time limit before every check ran. */
  stopped?: 'cancelled' | 'time-limit';
}

export async function runMatrix(
  cluster: ProbeCluster,
  planned: MatrixPlanned,
  opts: MatrixOptions & RunOptions & { onProgress?: (p: MatrixProgress) => void } = {},
): Promise<MatrixReport> {
  const { plan, checks } = planned;
  if (plan.kind !== 'matrix') throw new Error(`runMatrix: plan ${plan.runId} is a '${plan.kind}' plan`);
  const results: ProbeResult[] = [];
  let stopped: MatrixReport['stopped'];
  await runConfirmedPlan(
    cluster,
    plan,
    async (run) => {
      const session = new DebugSession(run, 'matrix', opts, opts.now);
      let next = 0;
      const worker = async () => {
        while (next < checks.length && !run.signal.aborted) {
          const c = checks[next++];
          const req: CheckRequest = {
            source: { namespace: c.src.pod.namespace, pod: c.src.pod.name },
            dst: podId(c.dst.pod.namespace, c.dst.pod.name),
            host: c.dst.pod.ips[0],
            protocol: c.protocol,
            port: c.port,
          };
          try {
            const r = await session.check(req);
            results.push(r);
            opts.onProgress?.({ done: results.length, total: checks.length, last: r });
          } catch (err) {
            if (!run.signal.aborted) throw err;
          }
        }
      };
      const n = Math.max(1, Math.min(opts.concurrency ?? 4, checks.length));
      await Promise.all(Array.from({ length: n }, worker));
      if (run.signal.aborted) stopped = opts.signal?.aborted ? 'cancelled' : 'time-limit';
    },
    opts,
  );
  return { runId: plan.runId, results, total: checks.length, ...(stopped ? { stopped } : {}) };
}
