/**
 * A fake Hubble Relay for tests and benches: a grpc-js server on loopback speaking NetCity's
 * Observer subset plus grpc.health.v1. It keeps a ring buffer of events like Hubble, answers
 * last N / first N / since-until / follow with whitelist and blacklist filters evaluated
 * server-side, replays JSON captures, produces synthetic flows at a set rate, emits node status
 * and lost events, and can cut streams mid-flow or stop listening to exercise the client's fault
 * handling. Where Hubble's behaviour is known it follows it (checked against the real Relay by
 * test/integration/hubble/suite): follow without a number or since sends only new events;
 * since wins over a number and then limits the count; last N comes in time order; a follow
 * stream ends when every node is gone.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { loadObserverProto } from '../../../main/flows/proto.js';
import { matchesAnyFilter } from './filters.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** One event in the buffer: the decoded-shape response and, for speed, optionally its bytes. */
interface BufferedEvent {
  resp: Obj;
  /** Sort key in ns, as a bigint-free pair. */
  seconds: number;
  nanos: number;
  encoded?: Buffer;
}

export interface FakeRelayOptions {
  /**
   * Write many framed messages per HTTP/2 write once a stream has started (default true).
   * grpc-js writes one message per write callback, which caps a Node server far below what a
   * real (Go) Relay sends; benches need the fake to outrun the client. false: plain call.write.
   */
  bulkWrites?: boolean;
  /** Ring buffer capacity (Hubble's default is 4095 per node). */
  bufferSize?: number;
  /** Cut every follow stream after sending this many flows (UNAVAILABLE), once per stream. */
  cutAfterFlows?: number;
  nodes?: string[];
  version?: string;
  /** Serve TLS (PEM); with requireClientCert, mTLS as Relay does with hubble-relay-client-certs. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer; requireClientCert?: boolean };
}

export function tsOfMs(ms: number): Timestamp {
  const s = Math.floor(ms / 1000);
  return { seconds: String(s), nanos: Math.round((ms - s * 1000) * 1e6) };
}

function tsOf(v: unknown): Timestamp {
  if (typeof v === 'string') {
    // Keep nanosecond precision from RFC 3339 text.
    const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(v);
    const ms = Date.parse(m ? `${m[1]}${m[3]}` : v);
    const nanos = m?.[2] ? Number(m[2].padEnd(9, '0').slice(0, 9)) : 0;
    return { seconds: String(Math.floor(ms / 1000)), nanos };
  }
  if (v && typeof v === 'object') return { seconds: String((v as Obj).seconds ?? 0), nanos: Number((v as Obj).nanos ?? 0) };
  return tsOfMs(Date.now());
}

// Cilium monitor message types (pkg/monitor/api): what `hubble observe --type` filters on.
export const EVENT_DROP = 1;
export const EVENT_TRACE = 4;
export const EVENT_POLICY_VERDICT = 5;
export const EVENT_L7 = 129;

/** The monitor event a flow came from, as the agent sets it (exports older than v1.8 lack it). */
export function eventTypeOf(f: Obj): Obj {
  if (f.l7 || f.Type === 'L7') return { type: EVENT_L7 };
  if (f.verdict === 'DROPPED') return { type: EVENT_DROP, sub_type: 133 };
  return { type: EVENT_TRACE };
}

/** Hubble's one-line Summary (deprecated upstream, still filled): L7 record or TCP flags. */
export function summaryOf(f: Obj): string {
  const http = f.l7?.http;
  if (http) return http.code ? `${http.protocol ?? 'HTTP/1.1'} ${http.code} ${http.method ?? ''} ${http.url ?? ''}`.replace(/ +/g, ' ').trim() : `${http.protocol ?? 'HTTP/1.1'} ${http.method ?? ''} ${http.url ?? ''}`.trim();
  const dns = f.l7?.dns;
  if (dns) return `DNS ${f.l7.type === 'RESPONSE' ? 'Answer' : 'Query'} ${dns.query ?? ''} ${(dns.qtypes ?? []).join(',')}`.trim();
  const flags = f.l4?.TCP?.flags;
  if (flags) return `TCP Flags: ${Object.keys(flags).filter((k) => flags[k]).join(', ')}`;
  if (f.l4?.UDP) return 'UDP';
  if (f.l4?.ICMPv4) return 'ICMPv4';
  if (f.l4?.ICMPv6) return 'ICMPv6';
  return '';
}

/** A jsonpb GetFlowsResponse (as in Hubble exports) in the shape proto-loader encodes. */
export function responseFromJson(line: Obj): Obj {
  const r: Obj = { ...line };
  if (r.time !== undefined) r.time = tsOf(r.time);
  if (r.flow) {
    const f: Obj = { ...r.flow };
    if (f.time !== undefined) f.time = tsOf(f.time);
    if (typeof f.is_reply === 'boolean') f.is_reply = { value: f.is_reply };
    f.event_type ??= eventTypeOf(f);
    f.Summary ??= summaryOf(f);
    r.flow = f;
  } else if (!r.node_status && !r.lost_events) {
    return responseFromJson({ flow: line });
  }
  return r;
}

export function readJsonFlows(path: string): Obj[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => responseFromJson(JSON.parse(l)));
}

const cmp = (a: { seconds: number; nanos: number }, b: { seconds: number; nanos: number }) => a.seconds - b.seconds || a.nanos - b.nanos;

const nodeOf = (resp: Obj): string => resp.node_name || resp.flow?.node_name || '';

/** The first or last `n` flows of a time-ordered list, with the other events between them. */
function takeFlows(events: BufferedEvent[], n: number, which: 'first' | 'last'): BufferedEvent[] {
  let count = 0;
  if (which === 'first') {
    const out: BufferedEvent[] = [];
    for (const e of events) {
      if (count === n) break;
      out.push(e);
      if (e.resp.flow) count++;
    }
    return out;
  }
  let i = events.length;
  while (i > 0 && count < n) if (events[--i].resp.flow) count++;
  return events.slice(i);
}

/** grpc.health.v1.Health with hand-rolled codecs: the request is ignored, the response is {status}. */
const HEALTH_SERVICE: grpc.ServiceDefinition = {
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (status: number) => Buffer.from([0x08, status]),
    responseDeserialize: (b: Buffer) => b[1],
  },
  Watch: {
    path: '/grpc.health.v1.Health/Watch',
    requestStream: false,
    responseStream: true,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (status: number) => Buffer.from([0x08, status]),
    responseDeserialize: (b: Buffer) => b[1],
  },
};

interface Follower {
  call: grpc.ServerWritableStream<Obj, Obj>;
  whitelist: Obj[];
  blacklist: Obj[];
  sent: number;
  cutAfter?: number;
  /** The call's HTTP/2 stream once headers are out (bulk mode), and framed messages waiting. */
  raw?: { write(b: Buffer): boolean; destroyed?: boolean; writableLength: number };
  /** Flows not sent because the client did not keep up; reported as lost events, as Hubble does. */
  dropped: number;
  pending: Buffer[];
  pendingBytes: number;
  flushScheduled: boolean;
}

function frame(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(msg.length + 5);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  msg.copy(out, 5);
  return out;
}

export class FakeRelay {
  private server = new grpc.Server();
  private ring: BufferedEvent[] = [];
  private ringStart = 0;
  private followers = new Set<Follower>();
  private timer?: NodeJS.Timeout;
  private readonly encodeResp: (v: Obj) => Buffer;
  port = 0;
  /** Every GetFlows request received, for assertions. */
  readonly requests: Obj[] = [];
  seenFlows = 0;
  /** Flows seen per node (node_name of the response or flow). */
  private readonly seenByNode = new Map<string, number>();
  private readonly startedAt = Date.now();
  cutAfterFlows: number | undefined;
  readonly nodes: string[];
  unavailableNodes: string[] = [];

  constructor(readonly opts: FakeRelayOptions = {}) {
    this.cutAfterFlows = opts.cutAfterFlows;
    this.nodes = opts.nodes ?? ['kind-control-plane', 'kind-worker'];
    const def = loadObserverProto().def['observer.Observer'] as Obj;
    this.encodeResp = def.GetFlows.responseSerialize;
    // Pre-encoded events pass through untouched, so benches measure the client, not this encoder.
    const service: grpc.ServiceDefinition = {
      ...(def as grpc.ServiceDefinition),
      GetFlows: { ...def.GetFlows, responseSerialize: (v: Obj | Buffer) => (Buffer.isBuffer(v) ? v : def.GetFlows.responseSerialize(v)) },
    };
    this.server.addService(HEALTH_SERVICE, {
      // Relay serves grpc.health.v1 (hubble status checks it first): SERVING while a node is up.
      Check: (_call: grpc.ServerUnaryCall<Buffer, number>, cb: grpc.sendUnaryData<number>) => cb(null, this.serving() ? 1 : 2),
      Watch: (call: grpc.ServerWritableStream<Buffer, number>) => call.write(this.serving() ? 1 : 2),
    });
    this.server.addService(service, {
      GetFlows: (call: grpc.ServerWritableStream<Obj, Obj>) => this.getFlows(call),
      // Figures of the connected nodes only, as Relay sums them.
      ServerStatus: (_call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
        const down = new Set(this.unavailableNodes);
        const up = this.nodes.filter((n) => !down.has(n));
        let buffered = 0;
        for (const e of this.events()) if (e.resp.flow && !down.has(nodeOf(e.resp))) buffered++;
        let seen = 0;
        for (const [node, n] of this.seenByNode) if (!down.has(node)) seen += n;
        cb(null, {
          num_flows: String(buffered),
          max_flows: String(up.reduce((a, n) => a + this.nodeShare(n), 0)),
          seen_flows: String(seen),
          uptime_ns: this.uptimeNs(),
          num_connected_nodes: { value: up.length },
          num_unavailable_nodes: { value: this.unavailableNodes.length },
          unavailable_nodes: this.unavailableNodes,
          version: opts.version ?? '1.17.0-fake',
          flows_rate: this.rate,
        });
      },
      GetNodes: (_call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => cb(null, { nodes: this.nodeFigures() }),
      GetNamespaces: (_call: grpc.ServerUnaryCall<Obj, Obj>, cb: grpc.sendUnaryData<Obj>) => {
        const seen = new Set<string>();
        for (const e of this.events()) {
          const f = e.resp.flow;
          if (f?.source?.namespace) seen.add(f.source.namespace);
          if (f?.destination?.namespace) seen.add(f.destination.namespace);
        }
        cb(null, { namespaces: [...seen].sort().map((namespace) => ({ cluster: 'default', namespace })) });
      },
    });
  }

  rate = 0;

  private serving(): boolean {
    return this.unavailableNodes.length < this.nodes.length;
  }

  private uptimeNs(): string {
    return String((Date.now() - this.startedAt) * 1_000_000);
  }

  /** The ring split between the nodes (Relay's max_flows is the sum of the nodes'). */
  private nodeShare(node: string): number {
    const i = this.nodes.indexOf(node);
    return Math.floor(this.bufferSize / this.nodes.length) + (i < this.bufferSize % this.nodes.length ? 1 : 0);
  }

  /** Each node's share of the ring: the flows it sent that are still buffered, and what it has seen. */
  private nodeFigures(): Obj[] {
    const buffered = new Map<string, number>();
    for (const e of this.events()) if (e.resp.flow) buffered.set(nodeOf(e.resp), (buffered.get(nodeOf(e.resp)) ?? 0) + 1);
    return this.nodes.map((name) => {
      const up = !this.unavailableNodes.includes(name);
      return {
        name,
        version: this.opts.version ?? '1.17.0-fake',
        address: '127.0.0.1:4244',
        state: up ? 'NODE_CONNECTED' : 'NODE_UNAVAILABLE',
        tls: { enabled: false },
        uptime_ns: up ? this.uptimeNs() : '0',
        num_flows: String(up ? (buffered.get(name) ?? 0) : 0),
        max_flows: String(up ? this.nodeShare(name) : 0),
        seen_flows: String(up ? (this.seenByNode.get(name) ?? 0) : 0),
      };
    });
  }

  get bufferSize(): number {
    return this.opts.bufferSize ?? 4095;
  }

  get size(): number {
    return this.ring.length - this.ringStart;
  }

  private events(): BufferedEvent[] {
    return this.ring.slice(this.ringStart);
  }

  async start(port = 0): Promise<number> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(
        `127.0.0.1:${port}`,
        this.opts.tls
          ? grpc.ServerCredentials.createSsl(this.opts.tls.ca, [{ cert_chain: this.opts.tls.cert, private_key: this.opts.tls.key }], Boolean(this.opts.tls.requireClientCert))
          : grpc.ServerCredentials.createInsecure(),
        (err, p) => (err ? reject(err) : resolve(p)),
      ),
    );
    return this.port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The buffered events (to carry them over to a restarted fake). */
  snapshot(): Obj[] {
    return this.events().map((e) => e.resp);
  }

  /** Adds events to the buffer and sends them to following streams that match. */
  emit(responses: Obj[], encoded?: Buffer[]): void {
    for (let i = 0; i < responses.length; i++) {
      const resp = responses[i];
      const t = tsOf(resp.flow?.time ?? resp.time);
      const ev: BufferedEvent = { resp, seconds: Number(t.seconds), nanos: t.nanos, encoded: encoded?.[i] };
      if (resp.flow) {
        this.seenFlows++;
        const node = nodeOf(resp);
        this.seenByNode.set(node, (this.seenByNode.get(node) ?? 0) + 1);
      }
      this.ring.push(ev);
      if (this.ring.length - this.ringStart > this.bufferSize) this.ringStart++;
      for (const f of this.followers) this.send(f, ev);
    }
    // Compact the ring now and then instead of shifting on every event.
    if (this.ringStart > this.bufferSize) {
      this.ring = this.ring.slice(this.ringStart);
      this.ringStart = 0;
    }
  }

  /** Relay telling clients that nodes went away (NODE_UNAVAILABLE / NODE_GONE / NODE_ERROR) or came back. */
  nodeStatus(state: 'NODE_CONNECTED' | 'NODE_UNAVAILABLE' | 'NODE_GONE' | 'NODE_ERROR', nodeNames: string[], message?: string): void {
    if (state === 'NODE_CONNECTED') this.unavailableNodes = this.unavailableNodes.filter((n) => !nodeNames.includes(n));
    else this.unavailableNodes = [...new Set([...this.unavailableNodes, ...nodeNames])];
    this.emit([{ node_status: { state_change: state, node_names: nodeNames, message }, time: tsOfMs(Date.now()) }]);
    // With no node left Relay has nothing to follow: it ends the streams (status OK).
    if (!this.serving()) {
      for (const f of this.followers) {
        this.flush(f);
        f.call.end();
      }
      this.followers.clear();
    }
  }

  lostEvents(count: number, node = this.nodes[0], source = 'HUBBLE_RING_BUFFER'): void {
    this.emit([{ lost_events: { source, num_events_lost: String(count) }, node_name: node, time: tsOfMs(Date.now()) }]);
  }

  /** Ends every open stream with UNAVAILABLE, as when Relay restarts or a port-forward dies. */
  cutStreams(message = 'fake relay: stream cut'): void {
    for (const f of this.followers) this.cut(f, message);
  }

  /** Bytes (bulk) or messages (grpc-js) queued for a follower beyond which flows are dropped. */
  private backlogged(f: Follower): boolean {
    return f.raw ? f.raw.writableLength + f.pendingBytes > 8 * 1024 * 1024 : f.call.writableLength > 20_000;
  }

  /** Sends one response: the first through grpc-js (it sends the headers), later ones batched onto the stream. */
  private out(f: Follower, payload: Obj | Buffer): void {
    if (f.dropped > 0 && !this.backlogged(f)) {
      const lost = { lost_events: { source: 'OBSERVER_EVENTS_QUEUE', num_events_lost: String(f.dropped) }, node_name: this.nodes[0], time: tsOfMs(Date.now()) };
      f.dropped = 0;
      this.out(f, lost);
    }
    if (this.opts.bulkWrites === false || !f.raw) {
      f.call.write(payload);
      if (this.opts.bulkWrites !== false) {
        // grpc-js internals (no interceptors): ServerWritableStreamImpl.call is the base call holding the stream.
        const stream = (f.call as unknown as { call?: { stream?: Follower['raw'] } }).call?.stream;
        if (stream && typeof stream.write === 'function') f.raw = stream;
      }
      return;
    }
    const framed = frame(Buffer.isBuffer(payload) ? payload : this.encodeResp(payload));
    f.pending.push(framed);
    f.pendingBytes += framed.length;
    if (f.pendingBytes >= 256 * 1024) this.flush(f);
    else if (!f.flushScheduled) {
      f.flushScheduled = true;
      setImmediate(() => this.flush(f));
    }
  }

  private flush(f: Follower): void {
    f.flushScheduled = false;
    if (!f.pending.length || !f.raw || f.raw.destroyed) return;
    const b = f.pending.length === 1 ? f.pending[0] : Buffer.concat(f.pending);
    f.pending = [];
    f.pendingBytes = 0;
    f.raw.write(b);
  }

  private cut(f: Follower, message: string): void {
    this.flush(f);
    this.followers.delete(f);
    // Ends the call with status UNAVAILABLE once what was written is flushed, as Relay does when it stops.
    f.call.emit('error', Object.assign(new Error(message), { code: grpc.status.UNAVAILABLE, details: message }));
  }

  private send(f: Follower, ev: BufferedEvent, live = true): boolean {
    const r = ev.resp;
    if (r.flow) {
      if (!this.passes(f, r.flow)) return true;
      if (live && this.unavailableNodes.includes(nodeOf(r))) return true;
      // A live client that does not keep up loses flows (reported), it does not grow our memory.
      if (live && this.backlogged(f)) {
        f.dropped++;
        return true;
      }
    }
    this.out(f, ev.encoded ?? r);
    if (r.flow) {
      f.sent++;
      if (f.cutAfter !== undefined && f.sent >= f.cutAfter) {
        this.cut(f, `fake relay: stream cut after ${f.sent} flows`);
        return false;
      }
    }
    return true;
  }

  private passes(f: Follower, flow: Obj): boolean {
    return (!f.whitelist.length || matchesAnyFilter(flow, f.whitelist)) && !(f.blacklist.length && matchesAnyFilter(flow, f.blacklist));
  }

  private getFlows(call: grpc.ServerWritableStream<Obj, Obj>): void {
    const req = call.request ?? {};
    this.requests.push(req);
    const f: Follower = { call, whitelist: req.whitelist ?? [], blacklist: req.blacklist ?? [], sent: 0, cutAfter: this.cutAfterFlows, dropped: 0, pending: [], pendingBytes: 0, flushScheduled: false };
    // Cut only the first stream after N flows, so a reconnect can complete.
    this.cutAfterFlows = undefined;
    if (req.first && req.follow) {
      call.emit('error', Object.assign(new Error('first cannot be specified with follow'), { code: grpc.status.INVALID_ARGUMENT, details: 'first cannot be specified with follow' }));
      return;
    }
    const since = req.since ? { seconds: Number(req.since.seconds ?? 0), nanos: Number(req.since.nanos ?? 0) } : undefined;
    const until = req.until ? { seconds: Number(req.until.seconds ?? 0), nanos: Number(req.until.nanos ?? 0) } : undefined;
    const n = Number(req.number ?? 0);
    let backlog: BufferedEvent[] = [];
    if (!(req.follow && !n && !since)) {
      // Per node, as Relay asks each node: a node's ring does not let a reader see the event
      // written last until the next one comes, and a number means N from each node.
      const groups = this.nodes.map((node) => this.events().filter((e) => nodeOf(e.resp) === node).slice(0, -1));
      // Events of no known node (flows replayed from elsewhere, Relay's own node status) as one more group, all readable.
      groups.push(this.events().filter((e) => !this.nodes.includes(nodeOf(e.resp))));
      for (const group of groups) {
        const mine = group.sort(cmp);
        const inRange = mine.filter((e) => (!since || cmp(e, since) >= 0) && (!until || cmp(e, until) <= 0));
        if (!n) backlog.push(...inRange);
        else {
          const matching = inRange.filter((e) => !e.resp.flow || this.passes(f, e.resp.flow));
          // since takes precedence over first/last: from since on, the first N.
          backlog.push(...(req.first || since ? takeFlows(matching, n, 'first') : takeFlows(matching, n, 'last')));
        }
      }
      // Relay merges the nodes' answers by time; ties keep the order they arrived in.
      backlog.sort(cmp);
    }
    if (!this.serving()) {
      // No node to ask: Relay says so per node and ends the stream.
      this.out(f, { node_status: { state_change: 'NODE_UNAVAILABLE', node_names: this.unavailableNodes, message: 'no connection to any node' }, time: tsOfMs(Date.now()) });
      this.flush(f);
      call.end();
      return;
    }
    // Like Relay: first which nodes it cannot reach; their buffers are out of reach too.
    if (this.unavailableNodes.length) {
      this.out(f, { node_status: { state_change: 'NODE_UNAVAILABLE', node_names: this.unavailableNodes, message: 'node unreachable' }, time: tsOfMs(Date.now()) });
      const down = new Set(this.unavailableNodes);
      backlog = backlog.filter((e) => !e.resp.flow || !down.has(nodeOf(e.resp)));
    }
    for (const ev of backlog) if (!this.send(f, ev, false)) return;
    if (req.follow && !(until && cmp({ seconds: Date.now() / 1000, nanos: 0 }, until) > 0)) {
      this.followers.add(f);
      call.on('cancelled', () => this.followers.delete(f));
      call.on('close', () => this.followers.delete(f));
    } else {
      this.flush(f);
      call.end();
    }
  }

  /**
   * Produces flows from `make` at `perSecond`, in small batches every `tickMs`. `make(i)` returns
   * the response and optionally its pre-encoded bytes.
   */
  produce(perSecond: number, make: (i: number, nowMs: number) => { resp: Obj; encoded?: Buffer }, tickMs = 10): void {
    this.stopProducing();
    this.rate = perSecond;
    let i = 0;
    const t0 = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond);
      const n = Math.min(due - i, perSecond); // never more than one second's worth at once
      if (n <= 0) return;
      const resps: Obj[] = [];
      const enc: Buffer[] = [];
      const now = Date.now();
      for (let k = 0; k < n; k++) {
        const { resp, encoded } = make(i++, now);
        resps.push(resp);
        if (encoded) enc.push(encoded);
      }
      this.emit(resps, enc.length === resps.length ? enc : undefined);
      if (due - i > perSecond) i = due; // fell behind: skip rather than balloon
    }, tickMs);
  }

  stopProducing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.rate = 0;
  }

  encode(resp: Obj): Buffer {
    return this.encodeResp(resp);
  }

  async stop(): Promise<void> {
    this.stopProducing();
    for (const f of this.followers) {
      this.flush(f);
      f.call.end();
    }
    this.followers.clear();
    this.server.forceShutdown();
  }
}
