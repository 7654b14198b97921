/**
 * Captures Calico Goldmane flows for a fixed time into a snapshot (`netcity snapshot --context C
 * --flows 30s` on a Calico >= 3.30 cluster): the stream's flows go through the same RoadAggregator
 * and `withCaptured` as Hubble's, with their verdict and Calico's policy trace.
 */
import type { Snapshot } from '../model/types.js';
import type { RelayConnection } from './hubble-client.js';
import { RoadAggregator } from './aggregate.js';
import { GoldmaneClient, type GoldmaneTls } from './goldmane-client.js';
import { goldmaneMapping } from './goldmane-flow.js';
import { withCaptured, type TimedCaptureResult } from './timed-capture.js';

export interface GoldmaneCaptureOptions {
  seconds: number;
  address?: string;
  connect?: () => Promise<RelayConnection>;
  label?: string;
  tls?: GoldmaneTls;
  maxRawFlows?: number;
  signal?: AbortSignal;
  onProgress?: (flows: number) => void;
}

export async function captureGoldmaneFlowsInto(base: Snapshot, opts: GoldmaneCaptureOptions): Promise<TimedCaptureResult> {
  const client = new GoldmaneClient({ address: opts.address, connect: opts.connect, label: opts.label, tls: opts.tls, connectTimeoutMs: 15_000 });
  const aggregator = new RoadAggregator({ maxRawFlows: opts.maxRawFlows ?? 100_000 });
  for (const r of base.roads) aggregator.addRoad(r);
  const map = goldmaneMapping(base);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), opts.seconds * 1000);
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let flows = 0;
  let error: string | undefined;
  try {
    await client.stream(
      map,
      (f) => {
        aggregator.add(f);
        flows++;
        opts.onProgress?.(flows);
      },
      { signal: stop.signal, startTimeGte: 0 },
    );
  } catch (e) {
    error = (e as Error).message;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { snapshot: withCaptured(base, aggregator), flows, ...(error ? { error } : {}) };
}
