/**
 * Runs a confirmed plan: refuses without consent or permissions (before any create), creates only
 * what the plan lists, bounds the run in time, and removes everything it created in `finally`:
 * on success, cancel, failure and timeout alike.
 */
import { runSelector } from './labels.js';
import { assertPlanPermitted, type ProbePlan } from './plan.js';
import { ProbeClusterError, type KubeObject, type ObjectRef, type ProbeCluster } from './probe-cluster.js';

export interface ProbeRunContext {
  cluster: ProbeCluster;
  plan: ProbePlan;
  /** Aborted on cancel or at the plan's time limit. */
  signal: AbortSignal;
  /** Creates an object the plan lists (anything else is refused) and records it for cleanup. */
  create(obj: KubeObject): Promise<void>;
  /** Deletes an object created in this run early (e.g. one policy step replaces another). */
  remove(obj: KubeObject): Promise<void>;
  /** Adds the plan's ephemeral debug container to an existing pod. */
  addDebugContainer(namespace: string, pod: string): Promise<string>;
}

export interface CleanupReport {
  deleted: ObjectRef[];
  failed: { ref: ObjectRef; error: string }[];
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Time cleanup may take after the run (not bound by the run's own deadline). Default 60 s. */
  cleanupTimeoutMs?: number;
  onCleanup?: (report: CleanupReport) => void;
}

export class ProbeNotConfirmedError extends Error {
  override name = 'ProbeNotConfirmedError';
}

const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
const refText = (r: ObjectRef): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/**
 * A pod created right after its namespace can be refused (403 "error looking up service account")
 * until the controller manager has made the namespace's default ServiceAccount: retry that case
 * for a while instead of failing the run.
 */
export async function createWhenNamespaceReady(cluster: Pick<ProbeCluster, 'create'>, obj: Parameters<ProbeCluster['create']>[0], signal: AbortSignal, waitMs = 20_000): Promise<void> {
  const end = Date.now() + waitMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      await cluster.create(obj);
      return;
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      if (!/service ?account/i.test(text) || Date.now() + delay > end) throw err;
      signal.throwIfAborted();
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export async function runConfirmedPlan<T>(cluster: ProbeCluster, plan: ProbePlan, body: (ctx: ProbeRunContext) => Promise<T>, opts: RunOptions = {}): Promise<T> {
  if (!plan.confirmed) {
    throw new ProbeNotConfirmedError(`probe ${plan.kind} (run ${plan.runId}): not confirmed; show the plan and call confirm() (CLI: --yes) before running`);
  }
  opts.signal?.throwIfAborted();
  await assertPlanPermitted(cluster, plan);

  const signals = [AbortSignal.timeout(plan.timeLimitMs)];
  if (opts.signal) signals.push(opts.signal);
  const signal = AbortSignal.any(signals);
  const created: ObjectRef[] = [];

  const ctx: ProbeRunContext = {
    cluster,
    plan,
    signal,
    async create(obj) {
      signal.throwIfAborted();
      if (!plan.includes(obj)) throw new Error(`probe run ${plan.runId}: ${refText(refOf(obj))} is not in the confirmed plan; refusing to create it`);
      // Record before the call: a create that times out client-side may still have happened.
      created.push(refOf(obj));
      await createWhenNamespaceReady(cluster, obj, signal);
    },
    async remove(obj) {
      await cluster.delete(refOf(obj));
      const i = created.findIndex((r) => r.kind === obj.kind && r.name === obj.metadata.name && r.namespace === obj.metadata.namespace);
      if (i >= 0) created.splice(i, 1);
    },
    async addDebugContainer(namespace, pod) {
      signal.throwIfAborted();
      const planned = plan.ephemeralContainers.find((e) => e.namespace === namespace && e.pod === pod);
      if (!planned) throw new Error(`probe run ${plan.runId}: pod ${namespace}/${pod} is not in the confirmed plan; refusing to add a debug container`);
      await cluster.addEphemeralContainer(namespace, pod, planned.container);
      return planned.container.name;
    },
  };

  try {
    return await body(ctx);
  } catch (err) {
    if (signal.aborted && !opts.signal?.aborted) {
      throw new ProbeClusterError(`probe ${plan.kind} (run ${plan.runId}) hit its time limit of ${Math.round(plan.timeLimitMs / 1000)} s; everything it created is being removed`);
    }
    throw err;
  } finally {
    // Plans without objects (path, matrix) have nothing to sweep, and may lack the right to list namespaces.
    const report = await cleanupRun(cluster, plan.runId, created, opts.cleanupTimeoutMs ?? 60_000, plan.objects.length > 0);
    opts.onCleanup?.(report);
  }
}

/**
 * Deletes what a run created, namespaced objects first and namespaces last, then sweeps by the
 * run's label in case a create reported failure but happened. Never throws: failures are reported.
 */
export async function cleanupRun(cluster: ProbeCluster, runId: string, created: ObjectRef[], timeoutMs: number, sweep = true): Promise<CleanupReport> {
  const report: CleanupReport = { deleted: [], failed: [] };
  const deadline = Date.now() + timeoutMs;
  const ordered = [...created].reverse().sort((a, b) => Number(a.kind === 'Namespace') - Number(b.kind === 'Namespace'));
  const seen = new Set<string>();
  const del = async (ref: ObjectRef) => {
    const key = refText(ref);
    if (seen.has(key)) return;
    seen.add(key);
    if (Date.now() > deadline) {
      report.failed.push({ ref, error: 'cleanup time limit reached; it will be removed on the next connect' });
      return;
    }
    try {
      await cluster.delete(ref);
      report.deleted.push(ref);
    } catch (err) {
      report.failed.push({ ref, error: (err as Error).message });
    }
  };
  for (const ref of ordered) await del(ref);
  if (!sweep) return report;
  try {
    for (const ns of await cluster.list('v1', 'Namespace', runSelector(runId))) await del(ns);
  } catch (err) {
    report.failed.push({ ref: { apiVersion: 'v1', kind: 'Namespace', name: `(label ${runSelector(runId)})` }, error: (err as Error).message });
  }
  return report;
}
