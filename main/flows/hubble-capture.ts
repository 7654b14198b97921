/**
 * A live capture: a HubbleClient flow stream feeding a RoadAggregator, with batched events for
 * the UI (flows, warnings, status, connection state) and bounded memory: roads are complete,
 * raw flows live in the aggregator's ring, warnings are capped (lost-event counts still add up).
 */
import type { CaptureWarning, FlowRecord, RoadAggregate } from '../model/types.js';
import { RoadAggregator } from './aggregate.js';
import type { FlowQuery } from './flow-query.js';
import type { FlowMappingOptions } from './hubble-flow.js';
import { ByteRing } from './byte-ring.js';
import { decodeGetFlowsResponse } from './flow-decoder.js';
import { flowRecordOf } from './hubble-flow.js';
import { HubbleClient, type ReconnectOptions, type ServerStatus, type StreamResult, type StreamState } from './hubble-client.js';

export interface HubbleCaptureOptions {
  /** Raw flows kept (as their wire bytes, decoded on demand). Default 10,000. */
  maxRawFlows?: number;
  /** Bytes for those raw flows. Default 16 MiB. */
  maxRawBytes?: number;
  /** Flow batches are delivered at most this often. Default 250 ms. */
  batchMs?: number;
  /** A batch is delivered early when it reaches this size. Default 5000. */
  maxBatch?: number;
  /** ServerStatus is polled this often while capturing (0: never). Default 5000 ms. */
  statusEveryMs?: number;
  maxWarnings?: number;
  mapping?: FlowMappingOptions;
  reconnect?: ReconnectOptions;
  aggregator?: RoadAggregator;
}

export interface CaptureStats {
  flows: number;
  roads: number;
  rawFlowsKept: number;
  lostEvents: number;
  reconnects: number;
  warnings: number;
  running: boolean;
  state?: StreamState;
  status?: ServerStatus;
  error?: string;
}

type Listener<T> = (v: T) => void;

export class HubbleCapture {
  readonly aggregator: RoadAggregator;
  // Raw flows as bytes: one copy into an arena, no objects for the GC to trace at 50,000 flows/s.
  private readonly raw: ByteRing;
  private readonly listeners = {
    flows: new Set<Listener<FlowRecord[]>>(),
    warning: new Set<Listener<CaptureWarning>>(),
    status: new Set<Listener<ServerStatus>>(),
    state: new Set<Listener<StreamState>>(),
  };
  private batch: FlowRecord[] = [];
  private batchTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private abort?: AbortController;
  private running?: Promise<StreamResult | undefined>;
  private readonly warningList: CaptureWarning[] = [];
  private lost = 0;
  private reconnects = 0;
  private lastState?: StreamState;
  private lastStatus?: ServerStatus;
  private error?: string;

  constructor(
    readonly client: HubbleClient,
    readonly opts: HubbleCaptureOptions = {},
  ) {
    this.aggregator = opts.aggregator ?? new RoadAggregator({ maxRawFlows: 0 });
    this.raw = new ByteRing(opts.maxRawFlows ?? 10_000, opts.maxRawBytes ?? 16 * 1024 * 1024);
  }

  onFlows(l: Listener<FlowRecord[]>): () => void {
    return this.add(this.listeners.flows, l);
  }
  onWarning(l: Listener<CaptureWarning>): () => void {
    return this.add(this.listeners.warning, l);
  }
  onStatus(l: Listener<ServerStatus>): () => void {
    return this.add(this.listeners.status, l);
  }
  onState(l: Listener<StreamState>): () => void {
    return this.add(this.listeners.state, l);
  }

  private add<T>(set: Set<Listener<T>>, l: Listener<T>): () => void {
    set.add(l);
    return () => set.delete(l);
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts streaming; resolves when the stream ends (query complete, stop(), or failure: then the
   * error is in stats().error and a 'stream-error' warning, never thrown at the caller).
   */
  start(query: FlowQuery): Promise<StreamResult | undefined> {
    if (this.running) throw new Error('Hubble capture is already running; stop it first');
    this.abort = new AbortController();
    this.error = undefined;
    const statusEvery = this.opts.statusEveryMs ?? 5000;
    if (statusEvery > 0) {
      const poll = () =>
        this.client.serverStatus().then(
          (s) => {
            this.lastStatus = s;
            for (const l of this.listeners.status) l(s);
          },
          () => undefined, // the stream reports connection trouble; status is best effort
        );
      void poll();
      this.statusTimer = setInterval(poll, statusEvery);
    }
    this.running = this.client
      .streamFlows(
        query,
        {
          onFlow: (f, raw) => this.onFlow(f, raw),
          onWarning: (w) => this.onWarn(w),
          onState: (s) => {
            this.lastState = s;
            if (s.state === 'reconnecting') this.reconnects++;
            for (const l of this.listeners.state) l(s);
          },
        },
        { signal: this.abort.signal, reconnect: this.opts.reconnect, mapping: this.opts.mapping },
      )
      .then(
        (r) => r,
        (e: Error) => {
          this.error = e.message;
          this.onWarn({ time: Date.now(), kind: 'stream-error', message: e.message });
          return undefined;
        },
      )
      .finally(() => {
        this.flush();
        if (this.statusTimer) clearInterval(this.statusTimer);
        this.statusTimer = undefined;
        this.running = undefined;
        // Releases the status channel (with a port-forward, its tunnel) now rather than when idle.
        void this.client.close?.();
      });
    return this.running;
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.running;
  }

  private onFlow(f: FlowRecord, raw?: Buffer): void {
    this.aggregator.add(f);
    if (raw) this.raw.push(raw);
    if (this.listeners.flows.size === 0) return;
    this.batch.push(f);
    if (this.batch.length >= (this.opts.maxBatch ?? 5000)) this.flush();
    else if (!this.batchTimer) this.batchTimer = setTimeout(() => this.flush(), this.opts.batchMs ?? 250);
  }

  private flush(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (!this.batch.length) return;
    const b = this.batch;
    this.batch = [];
    for (const l of this.listeners.flows) l(b);
  }

  private onWarn(w: CaptureWarning): void {
    if (w.kind === 'lost-events') this.lost += w.count ?? 0;
    const max = this.opts.maxWarnings ?? 500;
    if (this.warningList.length >= max) this.warningList.shift();
    this.warningList.push(w);
    for (const l of this.listeners.warning) l(w);
  }

  warnings(): CaptureWarning[] {
    return [...this.warningList];
  }

  roads(): RoadAggregate[] {
    return this.aggregator.roads();
  }

  /** The raw flows still held, oldest first (decoded now; cheap enough for a UI refresh). */
  rawFlows(): FlowRecord[] {
    const mapping = { source: 'hubble' as const, ...this.opts.mapping };
    const out: FlowRecord[] = [];
    for (const b of this.raw.entries()) {
      const r = decodeGetFlowsResponse(b);
      const f = r.flow && flowRecordOf(r.flow, mapping);
      if (f && typeof f !== 'string') out.push(f);
    }
    return out;
  }

  stats(): CaptureStats {
    return {
      flows: this.aggregator.flowCount,
      roads: this.aggregator.roadCount,
      rawFlowsKept: this.raw.size,
      lostEvents: this.lost,
      reconnects: this.reconnects,
      warnings: this.warningList.length,
      running: this.isRunning,
      state: this.lastState,
      status: this.lastStatus,
      error: this.error,
    };
  }
}
