/**
 * Checks run from existing pods through the run's ephemeral debug container: added once per
 * source pod (lazily, shared by concurrent checks), waited for, then exec'd into for each check.
 */
import { podId } from '../model/ids.js';
import type { ProbeKind, ProbeResult, Protocol } from '../model/types.js';
import { execCheck } from './check.js';
import { ephemeralName } from './labels.js';
import { debugContainer, DEFAULT_PROBE_IMAGE } from './manifests.js';
import type { PlannedEphemeralContainer, PlannedPermission } from './plan.js';
import { pollUntil } from './probe-cluster.js';
import type { ProbeRunContext } from './run.js';

export interface DebugOptions {
  image?: string;
  /** nc wait per check. Default 3 s. */
  waitSeconds?: number;
  /** Time for the debug container to start (image pull included). Default 90 s. */
  containerReadyTimeoutMs?: number;
  pollMs?: number;
}

export function plannedDebugContainers(runId: string, sources: { namespace: string; pod: string }[], image: string | undefined, timeLimitMs: number): PlannedEphemeralContainer[] {
  const seen = new Set<string>();
  const out: PlannedEphemeralContainer[] = [];
  for (const s of sources) {
    const key = `${s.namespace}/${s.pod}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ namespace: s.namespace, pod: s.pod, container: debugContainer(runId, image ?? DEFAULT_PROBE_IMAGE, timeLimitMs / 1000 + 30) });
  }
  return out;
}

/** Rights needed to add a debug container and exec into it, per source namespace. */
export function debugPermissions(namespaces: Iterable<string>): PlannedPermission[] {
  const out: PlannedPermission[] = [];
  for (const ns of new Set(namespaces)) {
    out.push(
      { verb: 'get', group: '', resource: 'pods', namespace: ns, why: 'reading the source pod and its debug container status' },
      { verb: 'patch', group: '', resource: 'pods', subresource: 'ephemeralcontainers', namespace: ns, why: 'adding the debug container to the source pod' },
      { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: ns, why: 'running nc in the debug container' },
      { verb: 'get', group: '', resource: 'pods', subresource: 'exec', namespace: ns, why: 'exec over WebSocket is authorised as get on older API servers' },
    );
  }
  return out;
}

export interface CheckRequest {
  source: { namespace: string; pod: string };
  /** Peer id recorded as the destination. */
  dst: string;
  /** What nc dials: an address or a name. */
  host: string;
  dstTarget?: string;
  protocol: Protocol;
  port: number;
}

export class DebugSession {
  private readonly ready = new Map<string, Promise<string>>();
  private seq = 0;

  constructor(
    private readonly run: ProbeRunContext,
    private readonly kind: ProbeKind,
    private readonly opts: DebugOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds (once) and waits for the debug container in a source pod; returns its name. */
  container(namespace: string, pod: string): Promise<string> {
    const key = `${namespace}/${pod}`;
    let p = this.ready.get(key);
    if (!p) {
      p = (async () => {
        const name = await this.run.addDebugContainer(namespace, pod);
        await pollUntil(
          `debug container ${name} in pod ${key} to run (image pull?)`,
          async () => ((await this.run.cluster.getPod(namespace, pod))?.runningContainers.includes(name) ? name : undefined),
          { timeoutMs: this.opts.containerReadyTimeoutMs ?? 90_000, intervalMs: this.opts.pollMs ?? 1000, signal: this.run.signal },
        );
        return name;
      })();
      // A failed start is remembered: every check from that pod reports it, none retries the patch.
      this.ready.set(key, p);
    }
    return p;
  }

  async check(req: CheckRequest): Promise<ProbeResult> {
    const base = {
      id: `${this.run.plan.runId}-${++this.seq}`,
      runId: this.run.plan.runId,
      kind: this.kind,
      src: podId(req.source.namespace, req.source.pod),
      dst: req.dst,
      ...(req.dstTarget ? { dstTarget: req.dstTarget } : {}),
      protocol: req.protocol,
      port: req.port,
    };
    let container: string;
    try {
      container = await this.container(req.source.namespace, req.source.pod);
    } catch (err) {
      this.run.signal.throwIfAborted();
      return { ...base, time: this.now(), outcome: 'error', detail: `debug container ${ephemeralName(this.run.plan.runId)}: ${(err as Error).message}` };
    }
    const r = await execCheck(
      this.run.cluster,
      { namespace: req.source.namespace, pod: req.source.pod, container },
      { protocol: req.protocol, host: req.host, port: req.port },
      { waitSeconds: this.opts.waitSeconds ?? 3, signal: this.run.signal },
    );
    return { ...base, time: this.now(), outcome: r.outcome, ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}), detail: r.detail };
  }
}
