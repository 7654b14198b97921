/**
 * Probes, one implementation for the app (`probes.plan` / `probes.run`) and the CLI
 * (`netcity probe`): a plan first (objects, privileges, permissions checked against RBAC,
 * estimate, warnings), nothing created until consent for that exact plan; then leftovers of
 * earlier runs go, the plan is confirmed and run, and everything the run created is removed,
 * whatever happens. The shells only parse, say where results go, and print or return them.
 */
import { randomUUID } from 'node:crypto';
import {
  checkPlanPermissions,
  cleanupLeftovers,
  plannedPermissions,
  FlowCapture,
  planEnforcement,
  planFlows,
  planMatrix,
  planPath,
  runEnforcement,
  runMatrix,
  runPath,
  mergeProbeResults,
  type EnforcementReport,
  type FlowCaptureSummary,
  type Inventory,
  type LeftoverReport,
  type MatrixReport,
  type PathRequest,
  type ProbeCluster,
  type ProbePlan,
} from '../probes/index.js';
import { parsePathTarget, targetPeer } from '../probes/path-check.js';
import { parsePeerId } from '../model/ids.js';
import type { FlowRecord, Permission, ProbeResult, Protocol, Snapshot } from '../model/types.js';
import type { ArgsOf, ProbePlanView, ResultOf } from '../api/contract.js';
import { ValidationError } from '../api/validate.js';
import type { City } from '../city/city.js';
import { mergeFlows, seededAggregator } from '../flows/ingest.js';
import type { CityRegistry, EventSink, TaskRunner } from './ports.js';

/** Options every probe kind takes. */
export interface ProbeCommon {
  image?: string;
  timeLimitMs?: number;
}

/** What to probe: the kind and what that kind needs. */
export type ProbeSpec =
  | { kind: 'enforcement' }
  | { kind: 'path'; request: PathRequest; /** The target as the user wrote it (for the summary). */ targetText?: string }
  | { kind: 'matrix'; inventory: Pick<Snapshot, 'pods' | 'workloads'>; namespace?: string; selection?: string[]; concurrency?: number; protocols?: Protocol[] }
  | {
      kind: 'flows';
      /** The inventory that maps conntrack addresses to pods, read when the run starts. */
      inventory: () => Inventory | Promise<Inventory>;
      intervalSeconds?: number;
      filter?: (f: FlowRecord) => boolean;
      /** The capture stops after this (else when the run is cancelled or its time limit ends). */
      durationMs?: number;
    };

/** What a run gave, by kind. */
export type ProbeOutcome =
  | { kind: 'enforcement'; report: EnforcementReport }
  | { kind: 'path'; result: ProbeResult }
  | { kind: 'matrix'; report: MatrixReport }
  | { kind: 'flows'; summary: FlowCaptureSummary; capture: FlowCapture };

export interface RunOptions {
  signal: AbortSignal;
  onProgress?: (done: number, total?: number) => void;
  /** Flow probes: called every `tickMs` (default 2 s) while the capture runs. */
  onTick?: (capture: FlowCapture) => void;
  tickMs?: number;
}

export interface PlannedProbe {
  kind: ProbeSpec['kind'];
  plan: ProbePlan;
  /** One line saying what the run does. */
  summary: string;
  /** Checks the matrix would run (0: nothing to check); 1 for the other kinds. */
  checks: number;
  run(cluster: ProbeCluster, opts: RunOptions): Promise<ProbeOutcome>;
}

/** The plan of a probe and how to run it; creates nothing. */
export function planProbe(context: string, spec: ProbeSpec, common: ProbeCommon): PlannedProbe {
  if (spec.kind === 'enforcement') {
    const plan = planEnforcement(context, common);
    return {
      kind: spec.kind,
      plan,
      checks: 1,
      summary: 'Enforcement check: does the road builder enforce ingress/egress isolation, namespace selectors, named ports and UDP?',
      run: async (cluster, o) => ({ kind: 'enforcement', report: await runEnforcement(cluster, plan, { ...common, signal: o.signal }) }),
    };
  }
  if (spec.kind === 'path') {
    const req = spec.request;
    const plan = planPath(context, req, common);
    const to = spec.targetText ?? targetPeer(req.target);
    return {
      kind: spec.kind,
      plan,
      checks: 1,
      summary: `Path check from ${req.source.namespace}/${req.source.pod} to ${to} ${req.protocol}/${req.port} through an ephemeral debug container`,
      run: async (cluster, o) => ({ kind: 'path', result: await runPath(cluster, plan, req, { ...common, signal: o.signal }) }),
    };
  }
  if (spec.kind === 'matrix') {
    const opts = { ...common, ...(spec.concurrency ? { concurrency: spec.concurrency } : {}), ...(spec.protocols?.length ? { protocols: spec.protocols } : {}) };
    const planned = planMatrix(context, spec.inventory, { ...(spec.namespace ? { namespace: spec.namespace } : {}), ...(spec.selection ? { selection: spec.selection } : {}) }, opts);
    return {
      kind: spec.kind,
      plan: planned.plan,
      checks: planned.checks.length,
      summary: `Matrix of ${spec.namespace ?? spec.selection?.join(', ')}: ${planned.checks.length} checks between one pod per workload`,
      run: async (cluster, o) => ({
        kind: 'matrix',
        report: await runMatrix(cluster, planned, { ...opts, signal: o.signal, onProgress: (p) => o.onProgress?.(p.done, p.total) }),
      }),
    };
  }
  const flowOpts = { ...common, ...(spec.intervalSeconds ? { intervalSeconds: spec.intervalSeconds } : {}) };
  const plan = planFlows(context, flowOpts);
  return {
    kind: spec.kind,
    plan,
    checks: 1,
    summary: 'Flow probes: a DaemonSet samples conntrack on every node; observed traffic on any road builder',
    run: async (cluster, o) => {
      const capture = new FlowCapture(cluster, plan, await spec.inventory(), { ...flowOpts, ...(spec.filter ? { filter: spec.filter } : {}) });
      const done = capture.start();
      const stop = () => void capture.stop();
      const timer = spec.durationMs !== undefined ? setTimeout(stop, spec.durationMs) : undefined;
      const ticker = o.onTick ? setInterval(() => o.onTick!(capture), o.tickMs ?? 2000) : undefined;
      o.signal.addEventListener('abort', stop, { once: true });
      try {
        return { kind: 'flows', summary: await done, capture };
      } finally {
        clearTimeout(timer);
        clearInterval(ticker);
        o.signal.removeEventListener('abort', stop);
      }
    },
  };
}

/** "create networkpolicies.networking.k8s.io in ns, ...": the permissions a plan lacks. */
export function describeMissing(missing: Omit<Permission, 'allowed'>[]): string {
  return missing.map((p) => `${p.verb} ${p.resource}${p.namespace ? ` in ${p.namespace}` : ''}`).join(', ');
}

/** The plan's permissions as RBAC answers them, and the refusal when any is missing. */
export async function probePermissions(cluster: ProbeCluster, plan: ProbePlan): Promise<{ permissions: Permission[]; missing: Permission[]; refused?: string }> {
  const permissions = await checkPlanPermissions(cluster, plan);
  const missing = permissions.filter((p) => !p.allowed);
  const refused = missing.length ? `You may not run this probe with context '${plan.context}': missing ${describeMissing(missing)}. Nothing was created.` : undefined;
  return { permissions, missing, ...(refused ? { refused } : {}) };
}

/** Runs a plan the user consented to: leftovers of earlier runs (after a crash) go first. */
export async function runConsented(cluster: ProbeCluster, planned: PlannedProbe, opts: RunOptions & { onLeftovers?: (r: LeftoverReport) => void }): Promise<ProbeOutcome> {
  const leftovers = await cleanupLeftovers(cluster).catch(() => undefined);
  if (leftovers) opts.onLeftovers?.(leftovers);
  planned.plan.confirm();
  return planned.run(cluster, opts);
}

/**
 * A probe outcome as evidence of a city: probe results, or the flows the probes observed (roads
 * summed into the city's). Mismatch findings are not evidence: the city derives them.
 */
export function withProbeOutcome(base: Snapshot, current: Snapshot, outcome: ProbeOutcome, maxRawFlows: number): Snapshot {
  if (outcome.kind === 'flows') {
    const agg = seededAggregator(base);
    for (const r of outcome.capture.roads()) agg.addRoad(r);
    return mergeFlows({ ...current, roads: [] }, outcome.capture.flows(), agg, outcome.summary.warnings, maxRawFlows);
  }
  const results = outcome.kind === 'enforcement' ? outcome.report.probes : outcome.kind === 'path' ? [outcome.result] : outcome.report.results;
  return mergeProbeResults(current, results);
}

/** One line for the notice when a run from the app ends. */
export function outcomeText(outcome: ProbeOutcome): string {
  switch (outcome.kind) {
    case 'enforcement': {
      const r = outcome.report;
      const answer = r.enforces === true ? 'enforces NetworkPolicy' : r.enforces === false ? 'does NOT enforce NetworkPolicy' : 'inconclusive';
      return `${answer}: ${r.capabilities.map((c) => `${c.capability} ${c.answer}`).join(', ')}`;
    }
    case 'path': {
      const r = outcome.result;
      return `${r.outcome}${r.latencyMs !== undefined ? ` in ${r.latencyMs} ms` : ''}`;
    }
    case 'matrix': {
      const r = outcome.report;
      return `${r.results.length} of ${r.total} checks${r.stopped ? ` (stopped: ${r.stopped})` : ''}`;
    }
    case 'flows': {
      const s = outcome.summary;
      return `${s.flows} flows on ${s.roads} roads (${s.ended})`;
    }
  }
}

interface PendingPlan {
  cityId: string;
  planned: PlannedProbe;
  cluster: ProbeCluster;
  refused?: string;
  at: number;
}

const PLAN_TTL_MS = 10 * 60_000;

export interface ProbePorts {
  cities: CityRegistry;
  tasks: TaskRunner;
  events: EventSink;
  settings: () => { probeImage: string; maxRawFlows: number };
  /** The live cluster behind a city; undefined for a snapshot, the demo or manifests (the plan is still shown). */
  clusterOf: (cityId: string) => Promise<{ cluster: ProbeCluster; context: string } | undefined>;
}

/** The app's probe use cases: plans kept until consent (for 10 minutes), runs as tasks whose results land in the city. */
export function probeUseCases(ports: ProbePorts) {
  const pending = new Map<string, PendingPlan>();

  /** The contract's variant as the probe it plans: its fields were checked at the boundary; a source pod id is still read here. */
  const specOf = (a: ArgsOf<'probes.plan'>, city: City): ProbeSpec => {
    switch (a.kind) {
      case 'enforcement':
        return { kind: 'enforcement' };
      case 'path': {
        const src = parsePeerId(a.source.startsWith('pod:') ? a.source : `pod:${a.source}`);
        if (src.type !== 'pod' || !src.namespace) throw new ValidationError(`probes.plan.source: the source of a path check must be a pod (pod:NAMESPACE/NAME), got ${a.source}; pick a pod on the map or type its id`, 'probes.plan.source');
        let target;
        try {
          target = parsePathTarget(a.target);
        } catch (err) {
          throw new ValidationError(`probes.plan.target: ${(err as Error).message}`, 'probes.plan.target');
        }
        const request = { source: { namespace: src.namespace, pod: src.name }, target, protocol: a.protocol ?? 'TCP', port: a.port } as const;
        return { kind: 'path', request, targetText: a.target };
      }
      case 'matrix':
        return { kind: 'matrix', inventory: city.snapshot, namespace: a.namespace };
      case 'flows':
        return { kind: 'flows', inventory: () => city.snapshot };
    }
  };

  return {
    async plan(a: ArgsOf<'probes.plan'>): Promise<ProbePlanView> {
      const city = ports.cities.city(a.cityId);
      const live = await ports.clusterOf(city.id);
      const context = live?.context ?? 'the cluster you connect to';
      const planned = planProbe(context, specOf(a, city), { image: a.image ?? ports.settings().probeImage });
      if (planned.checks === 0 && a.kind === 'matrix') throw new Error(`matrix: nothing to check in ${a.namespace} (no running pods with declared ports): pick a namespace with running pods that declare their ports`);
      const { plan } = planned;
      const planId = randomUUID();
      let perms: { verb: string; resource: string; namespace?: string; allowed?: boolean }[];
      let refused: string | undefined;
      if (live) {
        const checked = await probePermissions(live.cluster, plan);
        perms = checked.permissions;
        refused = checked.refused;
        pending.set(planId, { cityId: city.id, planned, cluster: live.cluster, refused, at: Date.now() });
      } else {
        // No cluster: the plan is what would run, the permissions what RBAC must grant (checked once connected).
        perms = plannedPermissions(plan);
        refused = `${city.snapshot.name} is not a live cluster: probes run in a cluster you are connected to. Connect to a context, then show the plan again; its permissions are checked against RBAC then. Nothing was created.`;
      }
      for (const [id, p] of pending) if (Date.now() - p.at > PLAN_TTL_MS) pending.delete(id);
      return {
        planId,
        kind: a.kind,
        summary: planned.summary,
        objects: plan.objects.map((o) => ({ kind: o.object.kind, namespace: o.object.metadata.namespace, name: o.object.metadata.name, privileges: o.privileges.join(', ') || 'none' })).concat(
          plan.ephemeralContainers.map((e) => ({ kind: 'EphemeralContainer', namespace: e.namespace, name: `${e.pod}/${e.container.name}`, privileges: 'none (cannot be removed after it ran)' })),
        ),
        permissions: perms.map((p) => ({ verb: p.verb, resource: p.resource, namespace: p.namespace, allowed: p.allowed })),
        checks: plan.estimate?.checks ?? 1,
        estimatedSeconds: plan.estimate?.seconds ?? Math.round(plan.timeLimitMs / 1000),
        warnings: [...plan.notes],
        refused,
        ...(live ? {} : { needsConnect: true as const }),
      };
    },

    async run(a: ArgsOf<'probes.run'>): Promise<ResultOf<'probes.run'>> {
      const p = pending.get(a.planId);
      if (!p || p.cityId !== a.cityId) throw new Error('that probe plan is unknown or expired: show the plan again');
      if (!a.consent) throw new Error('nothing was created: the plan needs your consent');
      if (p.refused) throw new Error(p.refused);
      pending.delete(a.planId);
      const city = ports.cities.city(p.cityId);
      const { taskId } = ports.tasks.start(`Probe: ${p.planned.plan.kind}`, async (task) => {
        const base = city.evidence;
        // Flow probes: roads are recomputed from the city as it was plus everything captured so far.
        const onTick = (capture: FlowCapture) => {
          const agg = seededAggregator(base);
          for (const r of capture.roads()) agg.addRoad(r);
          city.update({ ...city.evidence, roads: agg.roads() }, { policiesChanged: false });
          ports.cities.cityChanged(city.id, 'probe-flows');
          task.progress(capture.roads().reduce((n, r) => n + r.count, 0));
        };
        const outcome = await runConsented(p.cluster, p.planned, { signal: task.signal, onProgress: (done, total) => task.progress(done, total), onTick });
        city.update(withProbeOutcome(base, city.evidence, outcome, ports.settings().maxRawFlows), { policiesChanged: false });
        if (outcome.kind === 'flows') ports.cities.cityChanged(city.id, 'probe-flows');
        else ports.cities.cityChanged(city.id, 'probes', { added: outcome.kind === 'enforcement' ? outcome.report.probes.length : outcome.kind === 'path' ? 1 : outcome.report.results.length });
        const text = outcomeText(outcome);
        task.progress(1, 1, text);
        ports.events.emit('notice', { level: 'info', message: `Probe ${p.planned.plan.kind}: ${text}` });
      });
      return { taskId };
    },
  };
}
