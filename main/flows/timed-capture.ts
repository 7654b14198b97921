/**
 * Captures Hubble flows for a fixed time into a snapshot (`netcity snapshot --context C --flows 60s`);
 * `withCaptured` joins captured flows to a snapshot (Hubble and Goldmane alike) through
 * `mergeFlows` (flows/ingest.ts), the path imports and probes take too.
 * The connection is given (an address, or a port-forward opener), so this module needs no cluster code.
 */
import type { RelayConnection } from './hubble-client.js';
import { HubbleClient } from './hubble-client.js';
import { HubbleCapture } from './hubble-capture.js';
import { RoadAggregator } from './aggregate.js';
import type { Snapshot } from '../model/types.js';
import { resolverFromInventory } from './flow-inventory.js';
import { mergeFlows } from './ingest.js';

export interface TimedCaptureOptions {
  seconds: number;
  address?: string;
  connect?: () => Promise<RelayConnection>;
  label?: string;
  maxRawFlows?: number;
  signal?: AbortSignal;
  onProgress?: (flows: number) => void;
}

export interface TimedCaptureResult {
  snapshot: Snapshot;
  flows: number;
  error?: string;
}

export async function captureFlowsInto(base: Snapshot, opts: TimedCaptureOptions): Promise<TimedCaptureResult> {
  const client = new HubbleClient({ address: opts.address, connect: opts.connect, label: opts.label, connectTimeoutMs: 15_000 });
  const aggregator = new RoadAggregator({ maxRawFlows: opts.maxRawFlows ?? 100_000 });
  for (const r of base.roads) aggregator.addRoad(r);
  const capture = new HubbleCapture(client, { aggregator, mapping: { source: 'hubble', resolver: resolverFromInventory(base) }, reconnect: { maxAttempts: 3 } });
  let flows = 0;
  // A stop during reconnect backoff ends without an error: keep the last reason the stream gave.
  let problem: string | undefined;
  capture.onState((st) => {
    const reason = (st as { error?: string }).error;
    if (reason) problem = reason;
  });
  capture.onFlows((batch) => {
    flows += batch.length;
    opts.onProgress?.(flows);
  });
  const started = Date.now();
  const running = capture.start({ follow: true, since: started });
  const stop = () => void capture.stop();
  const timer = setTimeout(stop, opts.seconds * 1000);
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    await running;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', stop);
  }
  return {
    snapshot: withCaptured(base, aggregator, capture.warnings()),
    flows,
    error: capture.stats().error ?? (flows === 0 ? problem : undefined),
  };
}

/** The snapshot with what a capture aggregated: raw flows, roads, warnings, the time window (through `mergeFlows`, the one ingest path). */
export function withCaptured(base: Snapshot, aggregator: RoadAggregator, warnings: Snapshot['warnings'] = []): Snapshot {
  // The aggregator already bounds the raw flows it keeps.
  return mergeFlows(base, aggregator.rawFlows(), aggregator, warnings, Infinity);
}
