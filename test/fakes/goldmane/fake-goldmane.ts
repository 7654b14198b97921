/**
 * A fake Calico Goldmane for tests: a grpc-js server on loopback built from NetCity's Goldmane
 * proto subset (resources/proto/goldmane, the same file the client loads). It holds aggregated
 * flows; `Stream` sends those starting at or after the requested time (0: only new ones, as
 * Goldmane does) and then every flow `emit()`ted while the stream is open; `List` pages through
 * the flows of a window.
 */
import * as grpc from '@grpc/grpc-js';
import { loadGoldmaneProto } from '../../../main/flows/goldmane-client.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export interface FakeFlow {
  Key: Obj;
  start_time: number | string;
  end_time?: number | string;
  [k: string]: unknown;
}

export interface FakeGoldmaneOptions {
  /** Serve mutual TLS as Goldmane does with its operator-made certificates (PEM). */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
}

export class FakeGoldmane {
  constructor(private readonly opts: FakeGoldmaneOptions = {}) {}
  private server?: grpc.Server;
  private readonly flows: FakeFlow[] = [];
  private readonly streams = new Set<grpc.ServerWritableStream<Obj, Obj>>();
  private nextId = 1;
  /** Requests seen, for assertions. */
  readonly requests: { method: string; req: Obj }[] = [];

  async start(): Promise<number> {
    const { def } = loadGoldmaneProto();
    const pkg = grpc.loadPackageDefinition(def).goldmane as grpc.GrpcObject;
    const service = (pkg.Flows as grpc.ServiceClientConstructor).service;
    const server = new grpc.Server();
    server.addService(service, {
      Stream: (call: grpc.ServerWritableStream<Obj, Obj>) => {
        this.requests.push({ method: 'Stream', req: call.request });
        const from = this.when(Number(call.request.start_time_gte ?? 0), 'now');
        for (const f of this.flows) if (Number(f.start_time) >= from) call.write(this.result(f));
        this.streams.add(call);
        const drop = () => this.streams.delete(call);
        call.on('cancelled', drop);
        call.on('close', drop);
      },
      List: (call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
        this.requests.push({ method: 'List', req: call.request });
        const from = this.when(Number(call.request.start_time_gte ?? 0), 'oldest');
        const to = this.when(Number(call.request.start_time_lt ?? 0), 'now');
        const all = this.flows.filter((f) => Number(f.start_time) >= from && Number(f.start_time) < to);
        const size = Number(call.request.page_size ?? 0) || all.length || 1;
        const page = Number(call.request.page ?? 0);
        cb(null, { meta: { totalPages: String(Math.ceil(all.length / size)), totalResults: String(all.length) }, flows: all.slice(page * size, (page + 1) * size).map((f) => this.result(f)) });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        '127.0.0.1:0',
        this.opts.tls ? grpc.ServerCredentials.createSsl(this.opts.tls.ca, [{ cert_chain: this.opts.tls.cert, private_key: this.opts.tls.key }], true) : grpc.ServerCredentials.createInsecure(),
        (err, p) => (err ? reject(err) : resolve(p)),
      ),
    );
    this.server = server;
    return port;
  }

  /** Adds flows: held for later requests and sent to every open stream. */
  emit(flows: FakeFlow[]): void {
    for (const f of flows) {
      this.flows.push(f);
      for (const s of this.streams) s.write(this.result(f));
    }
  }

  /** Streams open now (to wait for a client before emitting). */
  get openStreams(): number {
    return this.streams.size;
  }

  async stop(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.tryShutdown(() => resolve()) : resolve()));
  }

  private result(f: FakeFlow): Obj {
    return { id: String(this.nextId++), flow: { ...f, start_time: String(f.start_time), end_time: String(f.end_time ?? Number(f.start_time) + 15) } };
  }

  /** Goldmane's time convention: 0 = `zero`, > 0 seconds since the epoch, < 0 seconds before now. */
  private when(v: number, zero: 'now' | 'oldest'): number {
    const now = Math.floor(Date.now() / 1000);
    if (v === 0) return zero === 'now' ? now : 0;
    return v > 0 ? v : now + v;
  }
}

/** A Goldmane flow with a policy trace, as Calico reports it (names in the style of the tiers fixture). */
export function goldmaneFlow(o: {
  src: [ns: string, name: string];
  dst: [ns: string, name: string];
  port: number;
  action: 'Allow' | 'Deny';
  reporter?: 'Src' | 'Dst';
  start?: number;
  enforced?: Obj[];
  pending?: Obj[];
  proto?: string;
}): FakeFlow {
  return {
    Key: {
      source_name: o.src[1],
      source_namespace: o.src[0],
      source_type: 'WorkloadEndpoint',
      dest_name: o.dst[1],
      dest_namespace: o.dst[0],
      dest_type: 'WorkloadEndpoint',
      dest_port: String(o.port),
      proto: o.proto ?? 'tcp',
      reporter: o.reporter ?? 'Dst',
      action: o.action,
      policies: { enforced_policies: o.enforced ?? [], pending_policies: o.pending ?? [] },
    },
    start_time: o.start ?? Math.floor(Date.now() / 1000),
    packets_in: '3',
    packets_out: '2',
    bytes_in: '300',
    bytes_out: '200',
    num_connections_started: '1',
  };
}
