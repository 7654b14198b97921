/**
 * Path check: from a chosen pod to a pod, service, DNS name or IP on a protocol and port, run in
 * the source pod's network namespace through an ephemeral debug container. Reports connected /
 * refused / timeout / dns-failure / error with the latency (see probe-command.ts for the command).
 */
import { dnsId, ipId, parsePeerId, podId, serviceId } from '../model/ids.js';
import type { ProbeResult, Protocol } from '../model/types.js';
import { debugPermissions, DebugSession, plannedDebugContainers, type DebugOptions } from './debug-session.js';
import { newRunId } from './labels.js';
import { ProbePlan } from './plan.js';
import { validProbeHost } from './probe-command.js';
import type { ProbeCluster } from './probe-cluster.js';
import { runConfirmedPlan, type RunOptions } from './run.js';

export type PathTarget =
  | { type: 'pod'; namespace: string; name: string }
  | { type: 'service'; namespace: string; name: string }
  | { type: 'dns'; name: string }
  | { type: 'ip'; address: string };

/**
 * Reads a destination: a peer id (pod:ns/name, svc:ns/name, dns:name, ip:addr) or a bare IP or
 * host name. Throws a message naming the input and the accepted forms.
 */
export function parsePathTarget(text: string): PathTarget {
  const bad = () => new Error(`destination '${text}': expected pod:<ns>/<name>, svc:<ns>/<name>, dns:<name>, ip:<address>, an IP address or a DNS name`);
  const t = text.trim();
  if (!t) throw bad();
  if (/^(pod|svc|dns|ip):/.test(t)) {
    const p = parsePeerId(t);
    if ((p.type === 'pod' || p.type === 'service') && /^[a-z]+:[^/]+\/[^/]+$/.test(t) && p.namespace && p.name) return { type: p.type, namespace: p.namespace, name: p.name };
    if (p.type === 'dns' && validProbeHost(p.name)) return { type: 'dns', name: p.name };
    if (p.type === 'ip' && validProbeHost(p.name) && !p.name.includes('/')) return { type: 'ip', address: p.name };
    throw bad();
  }
  if (/^[0-9.]+$/.test(t) || (t.includes(':') && /^[0-9a-fA-F:.]+$/.test(t))) return { type: 'ip', address: t };
  if (validProbeHost(t)) return { type: 'dns', name: t };
  throw bad();
}

export function targetPeer(t: PathTarget): string {
  switch (t.type) {
    case 'pod':
      return podId(t.namespace, t.name);
    case 'service':
      return serviceId(t.namespace, t.name);
    case 'dns':
      return dnsId(t.name);
    case 'ip':
      return ipId(t.address);
  }
}

export interface PathRequest {
  source: { namespace: string; pod: string };
  target: PathTarget;
  protocol: Protocol;
  port: number;
}

export interface PathOptions extends DebugOptions {
  /** Default 3 minutes. */
  timeLimitMs?: number;
  now?: () => number;
}

export function planPath(context: string, req: PathRequest, opts: PathOptions = {}, runId = newRunId()): ProbePlan {
  const timeLimitMs = opts.timeLimitMs ?? 180_000;
  const now = (opts.now ?? Date.now)();
  const permissions = debugPermissions([req.source.namespace]);
  if (req.target.type === 'pod') {
    permissions.push({ verb: 'get', group: '', resource: 'pods', namespace: req.target.namespace, why: 'reading the destination pod\'s IP' });
  }
  return new ProbePlan({
    runId,
    kind: 'path',
    context,
    objects: [],
    ephemeralContainers: plannedDebugContainers(runId, [req.source], opts.image, timeLimitMs),
    permissions,
    timeLimitMs,
    expiresAt: new Date(now + timeLimitMs).toISOString(),
    estimate: { checks: 1, seconds: 15 + (opts.waitSeconds ?? 3) },
    notes: [
      `Checks ${req.protocol} ${targetPeer(req.target)}:${req.port} from ${req.source.namespace}/${req.source.pod}'s network namespace.`,
      ...(req.protocol === 'UDP' ? ['UDP has no handshake: "connected" needs the destination to answer; silence reads as a timeout.'] : []),
    ],
  });
}

/** The host nc dials for a target; a pod is dialled by its current IP. */
export async function resolveHost(cluster: ProbeCluster, t: PathTarget): Promise<string> {
  switch (t.type) {
    case 'pod': {
      const pod = await cluster.getPod(t.namespace, t.name);
      if (!pod) throw new Error(`destination pod ${t.namespace}/${t.name} not found; pick a running pod or check the namespace`);
      if (pod.ips.length === 0) throw new Error(`destination pod ${t.namespace}/${t.name} has no IP yet (phase ${pod.phase})`);
      return pod.ips[0];
    }
    case 'service':
      // Through cluster DNS, as applications dial it: a DNS failure is a finding in its own right.
      return `${t.name}.${t.namespace}.svc`;
    case 'dns':
      return t.name;
    case 'ip':
      return t.address;
  }
}

export async function runPath(cluster: ProbeCluster, plan: ProbePlan, req: PathRequest, opts: PathOptions & RunOptions = {}): Promise<ProbeResult> {
  if (plan.kind !== 'path') throw new Error(`runPath: plan ${plan.runId} is a '${plan.kind}' plan`);
  return runConfirmedPlan(
    cluster,
    plan,
    async (run) => {
      const host = await resolveHost(cluster, req.target);
      const session = new DebugSession(run, 'path', opts, opts.now);
      const dstTarget = req.target.type === 'pod' ? undefined : host;
      return session.check({ source: req.source, dst: targetPeer(req.target), host, dstTarget, protocol: req.protocol, port: req.port });
    },
    opts,
  );
}
