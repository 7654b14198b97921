/**
 * Probes from the app: a plan first (objects, privileges, permissions checked against RBAC,
 * estimate, warnings), then nothing happens until the UI sends the user's consent for that exact
 * plan. Runs are tasks with progress and cancel; results land in the city (roads, mismatch
 * findings) and everything the run created is removed, whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { resolveContext } from '../../cluster/kubeconfig.js';
import {
  KubeProbeCluster,
  checkPlanPermissions,
  cleanupLeftovers,
  plannedPermissions,
  FlowCapture,
  parsePathTarget,
  planEnforcement,
  planFlows,
  planMatrix,
  planPath,
  runEnforcement,
  runMatrix,
  runPath,
  withProbeResults,
  type ProbeCluster,
  type ProbePlan,
} from '../../probes/index.js';
import { parsePeerId } from '../../model/ids.js';
import type { Backend } from '../backend.js';
import type { ArgsOf, ProbePlanView, ResultOf } from '../contract.js';
import type { City } from '../../city/city.js';
import { mergeFlows, seededAggregator } from './flow-merge.js';

interface PendingPlan {
  cityId: string;
  plan: ProbePlan;
  cluster: ProbeCluster;
  refused?: string;
  run: (taskSignal: AbortSignal, progress: (done: number, total?: number) => void) => Promise<string>;
}

const PLAN_TTL_MS = 10 * 60_000;

export function probesArea(b: Backend, kubeconfigOf: (cityId: string) => { context: string; kubeconfigPath?: string } | undefined) {
  const pending = new Map<string, PendingPlan & { at: number }>();

  /** The live cluster behind a city; undefined for a snapshot, the demo or manifests (the plan is still shown). */
  const clusterFor = async (city: City) => {
    const target = kubeconfigOf(city.id);
    if (!target) return undefined;
    const { kubeConfig } = await resolveContext(target.context, b.kubeconfigSource(target.kubeconfigPath));
    return { cluster: new KubeProbeCluster(kubeConfig, target.context) as ProbeCluster, context: target.context };
  };

  const addResults = (city: City, results: Parameters<typeof withProbeResults>[1]) => {
    city.update(withProbeResults(city.snapshot, results, (src, dst, proto, port) => ({ verdict: city.engine.verdict(src, dst, proto, port) })), { policiesChanged: false });
    b.cityChanged(city.id, 'probes', { added: results.length });
  };

  return {
    async plan(a: ArgsOf<'probes.plan'>): Promise<ProbePlanView> {
      const city = b.city(a.cityId);
      const live = await clusterFor(city);
      const context = live?.context ?? 'the cluster you connect to';
      const cluster = live?.cluster as ProbeCluster;
      const common = a.image ? { image: a.image } : { image: b.settings.probeImage };
      let plan: ProbePlan;
      let run: PendingPlan['run'];
      let summary: string;
      if (a.kind === 'enforcement') {
        plan = planEnforcement(context, common);
        summary = 'Enforcement check: does the road builder enforce ingress/egress isolation, namespace selectors, named ports and UDP?';
        run = async (signal) => {
          const report = await runEnforcement(cluster, plan, { ...common, signal });
          addResults(city, report.probes);
          const answer = report.enforces === true ? 'enforces NetworkPolicy' : report.enforces === false ? 'does NOT enforce NetworkPolicy' : 'inconclusive';
          return `${answer}: ${report.capabilities.map((c) => `${c.capability} ${c.answer}`).join(', ')}`;
        };
      } else if (a.kind === 'path') {
        if (!a.source || !a.target || !a.port) throw new Error('path check: choose a source pod, a target (pod, service, DNS name or IP) and a port');
        const src = parsePeerId(a.source.startsWith('pod:') ? a.source : `pod:${a.source}`);
        if (src.type !== 'pod' || !src.namespace) throw new Error(`path check: the source must be a pod (pod:NAMESPACE/NAME), got ${a.source}`);
        const target = parsePathTarget(a.target);
        const req = { source: { namespace: src.namespace, pod: src.name }, target, protocol: a.protocol ?? 'TCP', port: a.port } as const;
        plan = planPath(context, req, common);
        summary = `Path check from ${src.namespace}/${src.name} to ${a.target} ${req.protocol}/${a.port} through an ephemeral debug container`;
        run = async (signal) => {
          const r = await runPath(cluster, plan, req, { ...common, signal });
          addResults(city, [r]);
          return `${r.outcome}${r.latencyMs !== undefined ? ` in ${r.latencyMs} ms` : ''}`;
        };
      } else if (a.kind === 'matrix') {
        if (!a.namespace) throw new Error('matrix: choose a namespace');
        const planned = planMatrix(context, city.snapshot, { namespace: a.namespace }, common);
        if (planned.checks.length === 0) throw new Error(`matrix: nothing to check in ${a.namespace} (no running pods with declared ports)`);
        plan = planned.plan;
        summary = `Matrix of ${a.namespace}: ${planned.checks.length} checks between one pod per workload`;
        run = async (signal, progress) => {
          const report = await runMatrix(cluster, planned, { ...common, signal, onProgress: (p) => progress(p.done, p.total) });
          addResults(city, report.results);
          return `${report.results.length} of ${report.total} checks${report.stopped ? ` (stopped: ${report.stopped})` : ''}`;
        };
      } else {
        plan = planFlows(context, common);
        summary = 'Flow probes: a DaemonSet samples conntrack on every node; observed traffic on any road builder';
        run = async (signal, progress) => {
          const capture = new FlowCapture(cluster, plan, city.snapshot, common);
          const base = city.snapshot;
          // Roads are recomputed from the city as it was plus everything captured so far.
          const publish = () => {
            const agg = seededAggregator(base);
            for (const r of capture.roads()) agg.addRoad(r);
            city.update({ ...city.snapshot, roads: agg.roads() }, { policiesChanged: false });
            b.cityChanged(city.id, 'probe-flows');
            progress(capture.roads().reduce((n, r) => n + r.count, 0));
          };
          const done = capture.start();
          const timer = setInterval(publish, 2000);
          signal.addEventListener('abort', () => void capture.stop(), { once: true });
          try {
            const summary = await done;
            const agg = seededAggregator(base);
            for (const r of capture.roads()) agg.addRoad(r);
            city.update(mergeFlows({ ...city.snapshot, roads: [] }, capture.flows(), agg, summary.warnings, b.settings.maxRawFlows), { policiesChanged: false });
            b.cityChanged(city.id, 'probe-flows');
            return `${summary.flows} flows on ${summary.roads} roads (${summary.ended})`;
          } finally {
            clearInterval(timer);
          }
        };
      }
      const planId = randomUUID();
      let perms: { verb: string; resource: string; namespace?: string; allowed?: boolean }[];
      let refused: string | undefined;
      if (live) {
        perms = await checkPlanPermissions(cluster, plan);
        const missing = perms.filter((p) => !p.allowed);
        refused = missing.length
          ? `You may not run this probe with context '${context}': missing ${missing.map((p) => `${p.verb} ${p.resource}${p.namespace ? ` in ${p.namespace}` : ''}`).join(', ')}. Nothing was created.`
          : undefined;
        pending.set(planId, { cityId: city.id, plan, cluster, refused, run, at: Date.now() });
      } else {
        // No cluster: the plan is what would run, the permissions what RBAC must grant (checked once connected).
        perms = plannedPermissions(plan);
        refused = `${city.snapshot.name} is not a live cluster: probes run in a cluster you are connected to. Connect to a context, then show the plan again; its permissions are checked against RBAC then. Nothing was created.`;
      }
      for (const [id, p] of pending) if (Date.now() - p.at > PLAN_TTL_MS) pending.delete(id);
      return {
        planId,
        kind: a.kind,
        summary,
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
      const { taskId } = b.tasks.start(`Probe: ${p.plan.kind}`, async (task) => {
        // The next connect after a crash: expired leftovers of earlier runs go first.
        await cleanupLeftovers(p.cluster).catch(() => undefined);
        p.plan.confirm();
        const outcome = await p.run(task.signal, (done, total) => task.progress(done, total));
        task.progress(1, 1, outcome);
        b.emit('notice', { level: 'info', message: `Probe ${p.plan.kind}: ${outcome}` });
      });
      return { taskId };
    },
  };
}
