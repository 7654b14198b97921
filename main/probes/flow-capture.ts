/**
 * Flow probes: observed traffic on any road builder. A DaemonSet (one probe per node, host
 * network, NET_ADMIN) prints its node's conntrack table between sample markers every N seconds;
 * the app follows each probe's log, parses the entries into flows (source "probe") and aggregates
 * them into roads, like a Hubble capture: start, stop, a time window, a filter, bounded memory.
 *
 * Logs, not exec, carry the samples: one follow stream per node, authorised by `get pods/log`
 * (read-only) instead of `create pods/exec` (which lets the holder run anything in the pod); a
 * dropped stream resumes with sinceSeconds, and the kubelet's log rotation bounds what the node
 * keeps. The cost: each sample passes through the node's container log.
 */
import { RoadAggregator } from '../flows/aggregate.js';
import type { CaptureWarning, FlowRecord, RoadAggregate } from '../model/types.js';
import { ConntrackFlowMapper } from './conntrack-flows.js';
import type { Inventory } from './address-index.js';
import { newRunId, probeNamespace, ROLE, runSelector } from './labels.js';
import { DEFAULT_PROBE_IMAGE, FLOW_CONTAINER, flowProbeDaemonSet, probeNamespaceObject, type RunObjectContext } from './manifests.js';
import { ProbePlan, ProbeRefusedError, type PlannedPermission } from './plan.js';
import { sleep, type ProbeCluster } from './probe-cluster.js';
import { ProbeNotConfirmedError, runConfirmedPlan, type CleanupReport } from './run.js';
import { SampleReader, type SampleReaderOptions, type SampleReaderStats } from './sample-reader.js';

export interface FlowCaptureOptions extends SampleReaderOptions {
  image?: string;
  /** Seconds between samples on each node. Default 5. */
  intervalSeconds?: number;
  /** The capture stops by itself after this. Default 30 minutes. */
  timeLimitMs?: number;
  /** Raw flows kept in memory (roads are always complete). Default 10,000. */
  maxRawFlows?: number;
  /** Keep only flows in this window (ms since epoch); the capture ends at `to`. */
  window?: { from?: number; to?: number };
  filter?: (flow: FlowRecord) => boolean;
  /** How often the probe pods are listed (new nodes, restarted pods). Default 10 s. */
  podPollMs?: number;
  /** Before a node without a running probe is reported. Default 120 s. */
  podReadyTimeoutMs?: number;
  /** Remembered connections per node for dedupe. Default 262,144. */
  maxTrackedPerNode?: number;
  now?: () => number;
}

export function planFlows(context: string, opts: FlowCaptureOptions = {}, runId = newRunId()): ProbePlan {
  const timeLimitMs = opts.timeLimitMs ?? 30 * 60_000;
  const now = (opts.now ?? Date.now)();
  const ns = probeNamespace(runId);
  const ctx: RunObjectContext = { runId, kind: 'flows', expiresAt: new Date(now + timeLimitMs + 120_000).toISOString(), image: opts.image ?? DEFAULT_PROBE_IMAGE };
  const permissions: PlannedPermission[] = [
    { verb: 'create', group: '', resource: 'namespaces', why: 'a temporary namespace holds the probe DaemonSet' },
    { verb: 'delete', group: '', resource: 'namespaces', why: 'removing it removes the probes' },
    { verb: 'list', group: '', resource: 'namespaces', why: 'finding leftovers of this run to remove' },
    { verb: 'create', group: 'apps', resource: 'daemonsets', namespace: ns, why: 'one probe pod per node' },
    { verb: 'list', group: '', resource: 'pods', namespace: ns, why: 'finding the probe pods' },
    { verb: 'get', group: '', resource: 'pods', subresource: 'log', namespace: ns, why: 'reading the samples the probes print' },
  ];
  return new ProbePlan({
    runId,
    kind: 'flows',
    context,
    objects: [
      {
        object: probeNamespaceObject(ctx, ns, 'privileged'),
        purpose: 'holds the flow probes',
        privileges: ['Pod Security "privileged" in this namespace only: host network and NET_ADMIN are not allowed under "baseline"'],
      },
      {
        object: flowProbeDaemonSet(ctx, { namespace: ns, intervalSeconds: opts.intervalSeconds ?? 5, maxRunSeconds: timeLimitMs / 1000 + 60 }),
        purpose: `one pod per node printing the node's conntrack table every ${opts.intervalSeconds ?? 5} s`,
        privileges: [
          "hostNetwork: the node's connection-tracking table lives in the host network namespace",
          'CAP_NET_ADMIN only (conntrack reads the table over netlink); all other capabilities dropped',
          'runs as root: Kubernetes gives added capabilities only to root',
          'read-only root filesystem, no service account token, tolerates all taints',
        ],
      },
    ],
    permissions,
    timeLimitMs,
    expiresAt: ctx.expiresAt,
    notes: ['Each sample passes through the probe pod\'s container log on the node (rotated by the kubelet).'],
  });
}

export interface FlowCaptureSummary {
  runId: string;
  flows: number;
  roads: number;
  stats: SampleReaderStats;
  warnings: CaptureWarning[];
  cleanup?: CleanupReport;
  /** Why it ended. */
  ended: 'stopped' | 'time-limit' | 'window' | 'error';
  error?: string;
}

const MAX_WARNINGS = 200;

export class FlowCapture {
  private readonly mapper: ConntrackFlowMapper;
  private readonly aggregator: RoadAggregator;
  private readonly warnings: CaptureWarning[] = [];
  private readonly stats: SampleReaderStats = { samples: 0, incomplete: 0, entries: 0, flows: 0, badLines: 0, lost: 0 };
  private readonly readers: SampleReader[] = [];
  private readonly stopController = new AbortController();
  private running?: Promise<FlowCaptureSummary>;
  private ended: FlowCaptureSummary['ended'] = 'stopped';
  private cleanup?: CleanupReport;
  private readonly now: () => number;

  constructor(
    private readonly cluster: ProbeCluster,
    private readonly plan: ProbePlan,
    inventory: Inventory,
    private readonly opts: FlowCaptureOptions & { onFlow?: (f: FlowRecord) => void; onWarning?: (w: CaptureWarning) => void } = {},
  ) {
    if (plan.kind !== 'flows') throw new Error(`FlowCapture: plan ${plan.runId} is a '${plan.kind}' plan`);
    this.mapper = new ConntrackFlowMapper(inventory, { maxTrackedPerNode: opts.maxTrackedPerNode });
    this.aggregator = new RoadAggregator({ maxRawFlows: opts.maxRawFlows ?? 10_000 });
    this.now = opts.now ?? Date.now;
  }

  /** Pods came and went: later samples resolve against the new inventory. */
  setInventory(inventory: Inventory): void {
    this.mapper.setInventory(inventory);
  }

  roads(): RoadAggregate[] {
    return this.aggregator.roads();
  }

  flows(): FlowRecord[] {
    return this.aggregator.rawFlows();
  }

  get trackedConnections(): number {
    return this.mapper.trackedCount;
  }

  private warn(w: CaptureWarning): void {
    const same = this.warnings.find((x) => x.kind === w.kind && x.subject === w.subject && x.message === w.message);
    if (same) {
      same.count = (same.count ?? 1) + (w.count ?? 1);
      same.time = w.time;
    } else {
      if (this.warnings.length >= MAX_WARNINGS) this.warnings.shift();
      this.warnings.push({ ...w });
    }
    this.opts.onWarning?.(w);
  }

  private onFlow(f: FlowRecord): void {
    const w = this.opts.window;
    if (w?.from !== undefined && f.time < w.from) return;
    if (w?.to !== undefined && f.time > w.to) {
      this.ended = 'window';
      this.stopController.abort();
      return;
    }
    if (this.opts.filter && !this.opts.filter(f)) return;
    this.aggregator.add(f);
    this.opts.onFlow?.(f);
  }

  /**
   * Starts the capture: permission check, probes created, logs followed. The promise settles when
   * the capture ends (stop, time limit, window end) with its summary, after the probes are removed;
   * it rejects only for a refusal before anything was created (no consent, missing permissions).
   */
  start(): Promise<FlowCaptureSummary> {
    if (this.running) return this.running;
    this.running = this.run();
    return this.running;
  }

  /** Stops sampling, removes the probes, and returns the summary. */
  async stop(): Promise<FlowCaptureSummary> {
    this.stopController.abort();
    return this.running ?? this.summary();
  }

  /** Live figures while running (what the UI's capture panel shows). */
  status(): FlowCaptureSummary {
    return this.summary();
  }

  private summary(error?: string): FlowCaptureSummary {
    const stats = { ...this.stats };
    for (const r of this.readers) for (const k of Object.keys(stats) as (keyof SampleReaderStats)[]) stats[k] += r.stats[k];
    return {
      runId: this.plan.runId,
      flows: this.aggregator.flowCount,
      roads: this.aggregator.roadCount,
      stats,
      warnings: [...this.warnings],
      cleanup: this.cleanup,
      ended: error ? 'error' : this.ended,
      ...(error ? { error } : {}),
    };
  }

  private async run(): Promise<FlowCaptureSummary> {
    const ns = probeNamespace(this.plan.runId);
    const streams = new Map<string, Promise<void>>();
    try {
      await runConfirmedPlan(
        this.cluster,
        this.plan,
        async (run) => {
          for (const o of this.plan.objects) await run.create(o.object);
          const signal = AbortSignal.any([run.signal, this.stopController.signal]);
          const started = this.now();
          const selector = `${runSelector(this.plan.runId)},${ROLE}=flow-probe`;
          const reported = new Set<string>();
          while (!signal.aborted) {
            let pods: Awaited<ReturnType<ProbeCluster['listPods']>> = [];
            try {
              pods = await this.cluster.listPods(ns, selector);
            } catch (err) {
              this.warn({ time: this.now(), kind: 'stream-error', subject: ns, message: `listing probe pods in ${ns}: ${(err as Error).message}` });
            }
            for (const pod of pods) {
              if (streams.has(pod.name) || !pod.runningContainers.includes(FLOW_CONTAINER)) continue;
              streams.set(pod.name, this.follow(ns, pod.name, pod.node ?? pod.name, signal));
            }
            if (this.now() - started > (this.opts.podReadyTimeoutMs ?? 120_000)) {
              for (const pod of pods) {
                if (streams.has(pod.name) || reported.has(pod.name)) continue;
                reported.add(pod.name);
                this.warn({ time: this.now(), kind: 'node-unavailable', subject: pod.node ?? pod.name, message: `node ${pod.node ?? '?'}: probe pod ${pod.name} is not running (${pod.phase}); no flows from this node` });
              }
            }
            await sleep(this.opts.podPollMs ?? 10_000, signal).catch(() => undefined);
          }
          if (run.signal.aborted && !this.stopController.signal.aborted) this.ended = 'time-limit';
          await Promise.allSettled(streams.values());
        },
        { onCleanup: (r) => (this.cleanup = r) },
      );
      return this.summary();
    } catch (err) {
      if (err instanceof ProbeRefusedError || err instanceof ProbeNotConfirmedError) throw err;
      return this.summary((err as Error).message);
    }
  }

  /** Follows one probe's log until the capture ends, resuming after drops with a backoff. */
  private async follow(ns: string, pod: string, node: string, signal: AbortSignal): Promise<void> {
    const reader = new SampleReader(this.mapper, node, (f) => this.onFlow(f), (w) => this.warn(w), this.opts, this.now);
    this.readers.push(reader);
    let backoff = 1000;
    let first = true;
    while (!signal.aborted) {
      try {
        await this.cluster.streamLogs(
          ns,
          pod,
          FLOW_CONTAINER,
          // On resume, only what was printed since roughly the last sample: dedupe absorbs overlap.
          { signal, ...(first ? {} : { sinceSeconds: (this.opts.intervalSeconds ?? 5) * 2 }) },
          (chunk) => reader.push(chunk),
        );
        backoff = 1000;
      } catch (err) {
        if (signal.aborted) break;
        this.warn({ time: this.now(), kind: 'stream-error', subject: node, message: `node ${node}: log stream of ${pod}: ${(err as Error).message}` });
      }
      reader.end();
      first = false;
      if (signal.aborted) break;
      await sleep(backoff, signal).catch(() => undefined);
      backoff = Math.min(backoff * 2, 30_000);
    }
    reader.end();
  }
}
