/** One connectivity check executed in a pod's container: the probe command, timed and read. */
import { probeCommand, readProbeOutput, type ProbeReading, type ProbeTarget } from './probe-command.js';
import type { ProbeCluster } from './probe-cluster.js';

export interface CheckOptions {
  /** nc's own connect/reply wait. */
  waitSeconds: number;
  signal?: AbortSignal;
}

export async function execCheck(
  cluster: ProbeCluster,
  where: { namespace: string; pod: string; container: string },
  target: ProbeTarget,
  opts: CheckOptions,
): Promise<ProbeReading> {
  const command = probeCommand(target, opts.waitSeconds);
  // The exec itself gets room for nc's wait, `timeout`'s margin and the round trip.
  const timeoutMs = (opts.waitSeconds + 8) * 1000;
  const t0 = performance.now();
  try {
    const result = await cluster.exec(where.namespace, where.pod, where.container, command, { timeoutMs, signal: opts.signal });
    return readProbeOutput(target.protocol, result, performance.now() - t0);
  } catch (err) {
    opts.signal?.throwIfAborted();
    return { outcome: 'error', detail: `exec in ${where.namespace}/${where.pod} (${where.container}) failed: ${(err as Error).message}` };
  }
}
