/**
 * Calico Goldmane (Calico >= 3.30, the flow aggregator behind the Whisker UI): its `Flows.Stream`
 * and `Flows.List` over gRPC (grpc-js, NetCity's proto subset in resources/proto/goldmane), reached
 * at an address or through a port-forward to the `goldmane` Service in calico-system, found like
 * Hubble Relay (relay-locator.ts). Flows become FlowRecords (goldmane-flow.ts).
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { FlowRecord } from '../model/types.js';
import type { RelayConnection } from './hubble-client.js';
import { goldmaneFlowToRecord, type GoldmaneMapping } from './goldmane-flow.js';
import { LOADER_OPTIONS, protoDir } from './proto.js';
import { relayConnector, type LocateOptions, type PortForward, type RelayClusterLister } from './relay-locator.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

let cached: { def: protoLoader.PackageDefinition; Flows: grpc.ServiceClientConstructor } | undefined;

/** The Goldmane proto subset, loaded once (also used by the fake server in tests). */
export function loadGoldmaneProto(): { def: protoLoader.PackageDefinition; Flows: grpc.ServiceClientConstructor } {
  if (!cached) {
    const def = protoLoader.loadSync(join(protoDir(), 'goldmane', 'api.proto'), LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def).goldmane as grpc.GrpcObject;
    cached = { def, Flows: pkg.Flows as grpc.ServiceClientConstructor };
  }
  return cached;
}

export const GOLDMANE_NAMESPACES = ['calico-system'];
export const GOLDMANE_SERVICE = 'goldmane';

/** Where Goldmane is: the `goldmane` Service in calico-system (the operator's install). */
export const GOLDMANE_LOCATE: LocateOptions = {
  namespaces: GOLDMANE_NAMESPACES,
  serviceName: GOLDMANE_SERVICE,
  label: 'Goldmane',
  hint: 'Goldmane comes with Calico 3.30 and later (operator installs: the Goldmane and Whisker custom resources), or give its address yourself',
};

/** A port-forward opener to Goldmane, located again on each attempt. */
export function goldmaneConnector(lister: RelayClusterLister, portForward: PortForward): () => Promise<RelayConnection> {
  return relayConnector(lister, portForward, GOLDMANE_LOCATE);
}

export interface GoldmaneTls {
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Name expected in Goldmane's certificate (its Service DNS name: goldmane.calico-system.svc). */
  serverName?: string;
}

export interface GoldmaneClientOptions {
  address?: string;
  connect?: () => Promise<RelayConnection>;
  label?: string;
  tls?: GoldmaneTls;
  connectTimeoutMs?: number;
}

export class GoldmaneError extends Error {
  override name = 'GoldmaneError';
}

export interface GoldmaneStreamOptions {
  /** Seconds since the epoch (> 0), before now (< 0), or 0: from now. */
  startTimeGte?: number;
  signal?: AbortSignal;
  /** Called once the connection is up and the stream requested. */
  onOpen?: () => void;
}

const buf = (v: Buffer | string | undefined) => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

export class GoldmaneClient {
  constructor(private readonly opts: GoldmaneClientOptions) {
    if (!opts.address && !opts.connect) throw new Error('GoldmaneClient: give an address or a connect function');
  }

  get target(): string {
    return this.opts.label ?? this.opts.address ?? 'Goldmane';
  }

  private async open(): Promise<{ client: grpc.Client & Obj; conn?: RelayConnection; where: string }> {
    let conn: RelayConnection | undefined;
    let address = this.opts.address;
    if (!address) {
      try {
        conn = await this.opts.connect!();
      } catch (e) {
        throw new GoldmaneError(`${this.opts.label ?? 'Goldmane'}: could not open the connection (${(e as Error).message})`);
      }
      address = conn.host.includes(':') && !conn.host.startsWith('[') ? `[${conn.host}]:${conn.port}` : `${conn.host}:${conn.port}`;
    }
    const where = this.opts.label ? `${this.opts.label} (${address})` : `Goldmane at ${address}`;
    const t = this.opts.tls;
    const creds = t ? grpc.credentials.createSsl(buf(t.ca), buf(t.key), buf(t.cert)) : grpc.credentials.createInsecure();
    const options = t?.serverName ? { 'grpc.ssl_target_name_override': t.serverName } : {};
    const { Flows } = loadGoldmaneProto();
    const client = new Flows(address, creds, options) as grpc.Client & Obj;
    // Ready, or the first failed attempt (a refused port fails at once instead of at the deadline).
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 10_000);
    const channel = client.getChannel();
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const st = channel.getConnectivityState(true);
        if (st === grpc.connectivityState.READY) return resolve();
        if (st === grpc.connectivityState.TRANSIENT_FAILURE || st === grpc.connectivityState.SHUTDOWN) return reject(new GoldmaneError(`${where}: not reachable (connection failed)`));
        channel.watchConnectivityState(st, deadline, (err) => (err ? reject(new GoldmaneError(`${where}: not reachable (no connection within ${Math.round((this.opts.connectTimeoutMs ?? 10_000) / 1000)} s)`)) : check()));
      };
      check();
    }).catch(async (e) => {
      client.close();
      await conn?.close();
      throw e;
    });
    return { client, conn, where };
  }

  /** Aggregated flows of a window (List), every page. */
  async list(req: { startTimeGte?: number; startTimeLt?: number; pageSize?: number } = {}): Promise<Obj[]> {
    const { client, conn, where } = await this.open();
    try {
      const out: Obj[] = [];
      const pageSize = req.pageSize ?? 1000;
      for (let page = 0; ; page++) {
        const res: Obj = await new Promise((resolve, reject) =>
          client.List(
            { start_time_gte: String(req.startTimeGte ?? 0), start_time_lt: String(req.startTimeLt ?? 0), page: String(page), page_size: String(pageSize), aggregation_interval: '15' },
            (err: grpc.ServiceError | null, r: Obj) => (err ? reject(new GoldmaneError(`${where}: List failed (${err.details || err.message})`)) : resolve(r)),
          ),
        );
        for (const f of res.flows ?? []) if (f.flow) out.push(f.flow);
        const pages = Number(res.meta?.totalPages ?? 0);
        if (page + 1 >= pages || (res.flows ?? []).length === 0) return out;
      }
    } finally {
      client.close();
      await conn?.close();
    }
  }

  /**
   * New aggregated flows (Stream) until the signal aborts or the server ends the stream; each
   * flow is mapped and handed to onFlow. Resolves with the number of flows; rejects on errors.
   */
  async stream(map: GoldmaneMapping, onFlow: (f: FlowRecord) => void, opts: GoldmaneStreamOptions = {}): Promise<number> {
    if (opts.signal?.aborted) return 0;
    const { client, conn, where } = await this.open();
    let n = 0;
    try {
      return await new Promise<number>((resolve, reject) => {
        const call = client.Stream({ start_time_gte: String(opts.startTimeGte ?? 0), aggregation_interval: '15' }) as grpc.ClientReadableStream<Obj>;
        opts.onOpen?.();
        const abort = () => call.cancel();
        opts.signal?.addEventListener('abort', abort, { once: true });
        if (opts.signal?.aborted) abort();
        const done = (err?: Error) => {
          opts.signal?.removeEventListener('abort', abort);
          if (err) reject(err);
          else resolve(n);
        };
        call.on('data', (r: Obj) => {
          const rec = r.flow ? goldmaneFlowToRecord(r.flow, map) : undefined;
          if (!rec) return;
          n++;
          onFlow(rec);
        });
        call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? done() : done(new GoldmaneError(`${where}: Stream failed (${e.details || e.message})`))));
        call.on('end', () => done());
      });
    } finally {
      client.close();
      await conn?.close();
    }
  }
}
