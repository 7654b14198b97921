/**
 * Captures Calico Goldmane flows for a fixed time into a snapshot (`netcity snapshot --context C
 * --flows 30s` on a Calico >= 3.30 cluster): the stream's flows go through the same RoadAggregator
 * and `withCaptured` as Hubble's, with their verdict and Calico's policy trace.
 */
import type { FlowRecord, Snapshot } from '../model/types.js';
import type { RelayConnection } from './hubble-client.js';
import { RoadAggregator } from './aggregate.js';
import { GoldmaneClient, GoldmaneError, type GoldmaneTls } from './goldmane-client.js';
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

/** The states a live capture goes through (the same shapes as Hubble's StreamState). */
export type GoldmaneState =
  | { state: 'connecting'; target: string; attempt: number }
  | { state: 'streaming'; target: string }
  | { state: 'reconnecting'; target: string; attempt: number; delayMs: number; error: string }
  | { state: 'ended'; reason: 'complete' | 'cancelled' }
  | { state: 'failed'; error: string };

export interface GoldmaneLiveOptions {
  aggregator?: RoadAggregator;
  /** Inventory to name workloads from Goldmane's aggregated names. */
  inventory: Pick<Snapshot, 'pods' | 'nodes'>;
  /** Attempts after a failure before giving up (default: unlimited until stopped). */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A live Goldmane capture for the app: streams until stopped, reconnecting with backoff, flows
 * into the aggregator (the same as Hubble's capture: onFlows, onState, stats(), stop()).
 */
export class GoldmaneCapture {
  private readonly aggregator: RoadAggregator;
  private readonly flowListeners: ((f: FlowRecord[]) => void)[] = [];
  private readonly stateListeners: ((s: GoldmaneState) => void)[] = [];
  private stopper?: AbortController;
  private running?: Promise<void>;
  private error?: string;
  private flows = 0;

  constructor(
    private readonly client: GoldmaneClient,
    private readonly opts: GoldmaneLiveOptions,
  ) {
    this.aggregator = opts.aggregator ?? new RoadAggregator({ maxRawFlows: 0 });
  }

  get target(): string {
    return this.client.target;
  }

  onFlows(l: (f: FlowRecord[]) => void): void {
    this.flowListeners.push(l);
  }

  onState(l: (s: GoldmaneState) => void): void {
    this.stateListeners.push(l);
  }

  private state(s: GoldmaneState): void {
    for (const l of this.stateListeners) l(s);
  }

  /** Streams from `sinceMs` (epoch ms; default now) until stop(); resolves when it ends. */
  start(sinceMs?: number): Promise<void> {
    if (this.running) throw new Error('Goldmane capture already running');
    const stop = (this.stopper = new AbortController());
    const map = goldmaneMapping(this.opts.inventory);
    const target = this.client.target;
    this.running = (async () => {
      let attempt = 0;
      let delay = this.opts.initialDelayMs ?? 1000;
      let since = sinceMs !== undefined ? Math.floor(sinceMs / 1000) : 0;
      while (!stop.signal.aborted) {
        attempt++;
        this.state({ state: 'connecting', target, attempt });
        try {
          let streaming = false;
          await this.client.stream(
            map,
            (f) => {
              if (!streaming) {
                streaming = true;
                this.error = undefined;
              }
              this.aggregator.add(f);
              this.flows++;
              since = Math.max(since, Math.floor(f.time / 1000) + 1);
              for (const l of this.flowListeners) l([f]);
            },
            { signal: stop.signal, startTimeGte: since, onOpen: () => this.state({ state: 'streaming', target }) },
          );
          if (stop.signal.aborted) break;
          throw new GoldmaneError(`${target}: the stream ended`);
        } catch (e) {
          if (stop.signal.aborted) break;
          this.error = (e as Error).message;
          if (this.opts.maxAttempts !== undefined && attempt > this.opts.maxAttempts) {
            this.state({ state: 'failed', error: this.error });
            return;
          }
          this.state({ state: 'reconnecting', target, attempt, delayMs: delay, error: this.error });
          await new Promise<void>((r) => {
            const t = setTimeout(r, delay);
            stop.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
          });
          delay = Math.min(delay * 2, this.opts.maxDelayMs ?? 30_000);
        }
      }
      this.state({ state: 'ended', reason: 'cancelled' });
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopper?.abort();
    await this.running;
  }

  stats(): { flows: number; roads: number; error?: string } {
    return { flows: this.flows, roads: this.aggregator.roadCount, ...(this.error ? { error: this.error } : {}) };
  }
}
