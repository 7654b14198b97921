/**
 * Hubble Observer gRPC client (Relay or a single agent): GetFlows, ServerStatus, GetNodes,
 * GetNamespaces. Reaches the server at a fixed address or through a `connect` function (e.g. a
 * port-forward opened by the cluster module), with TLS/mTLS, timeouts, and a flow stream that
 * reconnects with backoff and resumes from the last flow seen without duplicates.
 */
import * as grpc from '@grpc/grpc-js';
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { flowRecordOf, lostEventsWarning, nodeConnected, nodeStatusWarnings, timestampMs, type FlowMappingOptions } from './hubble-flow.js';
import { getFlowsRequestOf, type FlowQuery, type Timestamp, type WireGetFlowsRequest } from './flow-query.js';
import { loadObserverProto } from './proto.js';
import { decodeGetFlowsResponse } from './flow-decoder.js';
import { connectH2, serverStreamCall, type H2Tls, type StreamEnd } from './grpc-stream.js';
import type { ClientHttp2Session as Http2Session } from 'node:http2';

/** Where the server listens for one connection attempt; `close` ends e.g. the port-forward. */
export interface RelayConnection {
  host: string;
  port: number;
  close(): void | Promise<void>;
}

export interface HubbleTlsOptions {
  /** PEM CA bundle that signed the server certificate (Cilium's hubble-relay-client-certs secret: ca.crt). */
  ca?: Buffer | string;
  /** Client certificate and key for mTLS. */
  cert?: Buffer | string;
  key?: Buffer | string;
  /** Name expected in the server certificate, e.g. "ui.hubble-relay.cilium.io". */
  serverName?: string;
}

export interface HubbleClientOptions {
  /** "host:port" of Relay (or an agent's Hubble server). */
  address?: string;
  /** Opens a connection for each attempt (port-forward); used when `address` is absent. */
  connect?: () => Promise<RelayConnection>;
  /** What to call the server in messages, e.g. "hubble-relay (kube-system) via port-forward". */
  label?: string;
  tls?: HubbleTlsOptions;
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /**
   * How GetFlows streams are read: 'http2' (default; a lean gRPC reader on node:http2, several
   * times less CPU per flow) or 'grpc-js'. Unary calls always use grpc-js.
   */
  flowTransport?: 'http2' | 'grpc-js';
}

export interface ReconnectOptions {
  /** Attempts after a cut before giving up; default unlimited for follow, 5 otherwise. */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export type StreamState =
  | { state: 'connecting'; target: string; attempt: number }
  | { state: 'streaming'; target: string }
  | { state: 'reconnecting'; target: string; attempt: number; delayMs: number; error: string }
  | { state: 'ended'; reason: 'complete' | 'cancelled' }
  | { state: 'failed'; error: string };

export interface FlowStreamHandlers {
  /** `raw` is the GetFlowsResponse's bytes (valid during the call only; copy to keep). */
  onFlow: (flow: FlowRecord, raw?: Buffer) => void;
  onWarning?: (w: CaptureWarning) => void;
  onState?: (s: StreamState) => void;
}

export interface FlowStreamOptions {
  signal?: AbortSignal;
  reconnect?: ReconnectOptions;
  mapping?: FlowMappingOptions;
}

export interface StreamResult {
  reason: 'complete' | 'cancelled';
  flows: number;
  reconnects: number;
}

export interface ServerStatus {
  numFlows: number;
  maxFlows: number;
  seenFlows: number;
  uptimeNs: number;
  numConnectedNodes?: number;
  numUnavailableNodes?: number;
  unavailableNodes: string[];
  version: string;
  flowsRate?: number;
}

export interface HubbleNode {
  name: string;
  version: string;
  address: string;
  state: string;
  tls?: { enabled: boolean; serverName?: string };
  uptimeNs: number;
  numFlows: number;
  maxFlows: number;
  seenFlows: number;
}

/** An error with a message fit for the user; `retryable` when a new attempt may succeed. */
export class HubbleError extends Error {
  override name = 'HubbleError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: grpc.status,
  ) {
    super(message);
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const METHOD = '/observer.Observer/';

type StreamOutcome = { kind: 'complete'; where: string } | { kind: 'cancelled'; where: string } | { kind: 'error'; err: HubbleError; where: string };
const NOT_RETRYABLE = new Set([
  grpc.status.UNIMPLEMENTED,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.FAILED_PRECONDITION,
]);

const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));
const wrapped = (v: unknown): number | undefined => (v && typeof v === 'object' && 'value' in (v as Obj) ? Number((v as Obj).value ?? 0) : v === undefined ? undefined : 0);

/** A TLS failure in words a user can act on; undefined when the message is not about TLS. */
export function tlsHint(raw: string): string | undefined {
  // OpenSSL's "80FC...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:" -> "wrong version number".
  const message = raw.replace(/[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):[\s\S]*$/, '$1').trim();
  if (/certificate required|alert number 116|peer did not return a certificate/i.test(message)) {
    return 'Relay requires a client certificate (mTLS): give the client certificate and key (Cilium keeps them in the hubble-relay-client-certs secret)';
  }
  if (/altnames|does not match certificate/i.test(message)) {
    return `the server certificate does not carry the expected name (${message}); set the TLS server name to the one in Relay's certificate, e.g. ui.hubble-relay.cilium.io`;
  }
  if (/self[- ]signed|unable to verify|unable to get (local )?issuer|unknown ca|certificate verify failed/i.test(message)) {
    return `the server certificate is not signed by the CA given (${message}); use the CA of Relay's certificate (hubble-relay-client-certs: ca.crt)`;
  }
  // Plain text on one side, TLS on the other. (Transient TLS resets are not matched: they are retried.)
  if (/wrong version number|packet length too long|http request/i.test(message)) return `TLS handshake failed (${message}); check whether Relay serves TLS and the TLS settings`;
  return undefined;
}

function asTimestamp(t: unknown): Timestamp | undefined {
  if (!t) return undefined;
  if (typeof t === 'object' && 'seconds' in (t as Obj)) return { seconds: String((t as Obj).seconds ?? '0'), nanos: Number((t as Obj).nanos ?? 0) };
  if (typeof t === 'string') {
    const ms = timestampMs(t);
    if (ms === undefined) return undefined;
    const s = Math.floor(ms / 1000);
    return { seconds: String(s), nanos: (ms - s * 1000) * 1e6 };
  }
  return undefined;
}

/** Identity of a flow for de-duplication across a resume: uuid when the agent sets one. */
function fingerprint(f: Obj): string {
  if (f.uuid) return f.uuid;
  const ip = f.IP ?? {};
  const l4 = f.l4 ?? {};
  const ports = l4.TCP ?? l4.UDP ?? l4.SCTP ?? {};
  return `${f.time?.seconds}.${f.time?.nanos}|${f.node_name ?? ''}|${ip.source}:${ports.source_port}>${ip.destination}:${ports.destination_port}|${f.verdict}|${f.Type}|${f.trace_observation_point ?? ''}|${f.is_reply?.value ?? ''}`;
}

/** GetFlows responses are decoded by the fast decoder; a malformed one becomes a warning, not a broken stream. */
function decodeResponse(buf: Buffer): Obj {
  try {
    const o = decodeGetFlowsResponse(buf);
    o.raw = buf;
    return o;
  } catch (e) {
    return { malformed: (e as Error).message };
  }
}

export class HubbleClient {
  private readonly methods: Obj;
  private shared?: Promise<{ client: grpc.Client; close: () => Promise<void>; where: string }>;
  private idleTimer?: NodeJS.Timeout;

  constructor(readonly opts: HubbleClientOptions) {
    if (!opts.address && !opts.connect) throw new Error('Hubble client: give an address ("host:port") or a connect function (port-forward)');
    this.methods = loadObserverProto().def['observer.Observer'] as Obj;
  }

  get target(): string {
    return this.opts.label ?? this.opts.address ?? 'Hubble Relay';
  }

  private credentials(): grpc.ChannelCredentials {
    const t = this.opts.tls;
    if (!t) return grpc.credentials.createInsecure();
    const buf = (v?: Buffer | string) => (v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));
    if ((t.cert && !t.key) || (!t.cert && t.key)) throw new HubbleError(`${this.target}: mTLS needs both a client certificate and its key`, false);
    return grpc.credentials.createSsl(buf(t.ca), buf(t.key), buf(t.cert));
  }

  /** The address for one attempt: the fixed one, or a fresh connection (port-forward). */
  private async endpoint(): Promise<{ address: string; conn?: RelayConnection; where: string }> {
    let conn: RelayConnection | undefined;
    let address = this.opts.address;
    if (!address) {
      try {
        conn = await this.opts.connect!();
      } catch (e) {
        throw new HubbleError(`${this.target}: could not open the connection (${(e as Error).message})`, true);
      }
      address = conn.host.includes(':') && !conn.host.startsWith('[') ? `[${conn.host}]:${conn.port}` : `${conn.host}:${conn.port}`;
    }
    const where = this.opts.label ? `${this.opts.label} (${address})` : `Hubble Relay at ${address}`;
    return { address, conn, where };
  }

  private unreachable(where: string, timeout: number, cause?: string): HubbleError {
    const hint = cause ? tlsHint(cause) : undefined;
    if (hint) return new HubbleError(`${where}: ${hint}`, false, grpc.status.UNAVAILABLE);
    const why = cause && !/no connection within/.test(cause) ? `could not connect (${cause})` : `no connection within ${timeout / 1000} s`;
    return new HubbleError(
      `${where} is unreachable: ${why}. ` +
        (this.opts.connect
          ? 'Check that a hubble-relay pod is ready (kubectl -n kube-system get pods -l k8s-app=hubble-relay) and that Hubble is enabled (cilium hubble enable).'
          : `Check the address, that Relay listens there (kubectl port-forward -n kube-system svc/hubble-relay 4245:80), and the TLS settings.`),
      true,
      grpc.status.UNAVAILABLE,
    );
  }

  private tlsBuffers(): H2Tls | undefined {
    const t = this.opts.tls;
    if (!t) return undefined;
    const buf = (v?: Buffer | string) => (v === undefined ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(v));
    if ((t.cert && !t.key) || (!t.cert && t.key)) throw new HubbleError(`${this.target}: mTLS needs both a client certificate and its key`, false);
    return { ca: buf(t.ca), cert: buf(t.cert), key: buf(t.key), serverName: t.serverName };
  }

  /** A GetFlows stream on node:http2; resolves with how it ended. */
  private async http2Stream(req: WireGetFlowsRequest, onMessage: (r: Obj) => void, signal: AbortSignal | undefined, onOpen: (where: string) => void): Promise<StreamOutcome> {
    const { address, conn, where } = await this.endpoint();
    const timeout = this.opts.connectTimeoutMs ?? 5000;
    let session: Http2Session;
    try {
      session = await connectH2(address, this.tlsBuffers(), timeout);
    } catch (e) {
      await conn?.close();
      if (e instanceof HubbleError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      // Refused/reset just means nothing answers; TLS failures say what is wrong with the certificates.
      throw this.unreachable(where, timeout, code === 'ECONNREFUSED' || code === 'ECONNRESET' ? undefined : (e as Error).message);
    }
    // Pings notice a silently dead peer (e.g. a port-forward whose pod went away).
    const keepalive = setInterval(() => {
      if (!session.ping((err) => err && session.destroy())) session.destroy();
    }, 30_000);
    keepalive.unref();
    onOpen(where);
    let onAbort: (() => void) | undefined;
    const end = await new Promise<StreamEnd>((resolve) => {
      const call = serverStreamCall(session, METHOD + 'GetFlows', this.methods.GetFlows.requestSerialize(req), this.opts.tls?.serverName ?? address, (b) => onMessage(decodeResponse(b)), resolve);
      onAbort = () => call.cancel();
      if (signal?.aborted) call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    clearInterval(keepalive);
    session.close();
    await conn?.close();
    if (end.code === grpc.status.OK) return { kind: 'complete', where };
    if (end.code === grpc.status.CANCELLED && signal?.aborted) return { kind: 'cancelled', where };
    return { kind: 'error', err: this.explain(where, Object.assign(new Error(end.details), { code: end.code, details: end.details, metadata: new grpc.Metadata() })), where };
  }

  /** Opens a channel and waits until it is ready (or fails with a message naming the target and a next step). */
  private async open(): Promise<{ client: grpc.Client; close: () => Promise<void>; where: string }> {
    const { address, conn, where } = await this.endpoint();
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      // One attempt per open(): reconnection and its backoff are ours, so they are visible.
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
    };
    if (this.opts.tls?.serverName) {
      options['grpc.ssl_target_name_override'] = this.opts.tls.serverName;
      options['grpc.default_authority'] = this.opts.tls.serverName;
    }
    const client = new grpc.Client(address, this.credentials(), options);
    const close = async () => {
      client.close();
      await conn?.close();
    };
    const timeout = this.opts.connectTimeoutMs ?? 5000;
    try {
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + timeout, (err) => (err ? reject(err) : resolve())));
    } catch {
      await close();
      throw this.unreachable(where, timeout);
    }
    return { client, close, where };
  }

  private explain(where: string, err: grpc.ServiceError | Error): HubbleError {
    const code = (err as grpc.ServiceError).code;
    const detail = (err as grpc.ServiceError).details || err.message;
    switch (code) {
      case grpc.status.UNIMPLEMENTED:
        return new HubbleError(`${where}: this server does not implement the call (${detail}); is this a Hubble Relay / Cilium agent, and recent enough?`, false, code);
      case grpc.status.UNAUTHENTICATED:
      case grpc.status.PERMISSION_DENIED:
        return new HubbleError(`${where}: refused our credentials (${detail}); check the TLS client certificate (mTLS)`, false, code);
      case grpc.status.INVALID_ARGUMENT:
        return new HubbleError(`${where}: rejected the request (${detail})`, false, code);
      case grpc.status.DEADLINE_EXCEEDED:
        return new HubbleError(`${where}: no answer within ${(this.opts.callTimeoutMs ?? 10_000) / 1000} s`, true, code);
      default: {
        const hint = detail ? tlsHint(detail) : undefined;
        if (hint) return new HubbleError(`${where}: ${hint}`, false, code);
        return new HubbleError(`${where}: ${detail || 'connection lost'}`, code === undefined ? true : !NOT_RETRYABLE.has(code), code);
      }
    }
  }

  /**
   * Unary calls share one channel (and, with `connect`, one port-forward) while they keep coming:
   * status is polled every few seconds. It closes after 30 s unused, or after an error.
   */
  private async unaryChannel(): Promise<{ client: grpc.Client; close: () => Promise<void>; where: string }> {
    if (!this.shared) this.shared = this.open();
    const ch = await this.shared.catch((e) => {
      this.shared = undefined;
      throw e;
    });
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), 30_000);
    this.idleTimer.unref();
    return ch;
  }

  /** Closes the shared unary channel (streams close their own connections). */
  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const ch = this.shared;
    this.shared = undefined;
    if (ch) await ch.then((c) => c.close(), () => undefined);
  }

  private async unary<T>(name: string, req: Obj): Promise<T> {
    const { client, where } = await this.unaryChannel();
    const m = this.methods[name];
    try {
      return await new Promise<T>((resolve, reject) =>
        client.makeUnaryRequest(METHOD + name, m.requestSerialize, m.responseDeserialize, req, { deadline: Date.now() + (this.opts.callTimeoutMs ?? 10_000) }, (err, res) =>
          err ? reject(this.explain(where, err)) : resolve(res as T),
        ),
      );
    } catch (e) {
      // The connection may be what failed (a dead port-forward): open a fresh one next time.
      await this.close();
      throw e;
    }
  }

  async serverStatus(): Promise<ServerStatus> {
    const r = await this.unary<Obj>('ServerStatus', {});
    return {
      numFlows: num(r.num_flows),
      maxFlows: num(r.max_flows),
      seenFlows: num(r.seen_flows),
      uptimeNs: num(r.uptime_ns),
      numConnectedNodes: wrapped(r.num_connected_nodes),
      numUnavailableNodes: wrapped(r.num_unavailable_nodes),
      unavailableNodes: r.unavailable_nodes ?? [],
      version: r.version ?? '',
      flowsRate: r.flows_rate === undefined ? undefined : Number(r.flows_rate),
    };
  }

  async getNodes(): Promise<HubbleNode[]> {
    const r = await this.unary<Obj>('GetNodes', {});
    return ((r.nodes ?? []) as Obj[]).map((n) => ({
      name: n.name ?? '',
      version: n.version ?? '',
      address: n.address ?? '',
      state: n.state ?? 'UNKNOWN_NODE_STATE',
      tls: n.tls ? { enabled: Boolean(n.tls.enabled), serverName: n.tls.server_name || undefined } : undefined,
      uptimeNs: num(n.uptime_ns),
      numFlows: num(n.num_flows),
      maxFlows: num(n.max_flows),
      seenFlows: num(n.seen_flows),
    }));
  }

  async getNamespaces(): Promise<{ cluster: string; namespace: string }[]> {
    const r = await this.unary<Obj>('GetNamespaces', {});
    return ((r.namespaces ?? []) as Obj[]).map((n) => ({ cluster: n.cluster ?? '', namespace: n.namespace ?? '' }));
  }

  /** A GetFlows stream on grpc-js; resolves with how it ended. */
  private async grpcJsStream(req: WireGetFlowsRequest, onMessage: (r: Obj) => void, signal: AbortSignal | undefined, onOpen: (where: string) => void): Promise<StreamOutcome> {
    const { client, close, where } = await this.open();
    return new Promise((resolve) => {
      const call = client.makeServerStreamRequest(METHOD + 'GetFlows', this.methods.GetFlows.requestSerialize, decodeResponse, req, {});
      let settled = false;
      const done = (o: StreamOutcome) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void close();
        resolve(o);
      };
      const onAbort = () => {
        call.cancel();
        done({ kind: 'cancelled', where });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      onOpen(where);
      call.on('data', onMessage);
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code === grpc.status.CANCELLED && signal?.aborted) done({ kind: 'cancelled', where });
        else done({ kind: 'error', err: this.explain(where, err), where });
      });
      call.on('end', () => done(signal?.aborted ? { kind: 'cancelled', where } : { kind: 'complete', where }));
    });
  }

  /**
   * Streams flows until the query completes, the signal aborts, or reconnecting gives up (then it
   * rejects with a HubbleError; flows already delivered stay delivered). After a cut it asks again
   * from the last flow's timestamp and skips the flows it already delivered.
   */
  async streamFlows(query: FlowQuery, h: FlowStreamHandlers, opts: FlowStreamOptions = {}): Promise<StreamResult> {
    const baseReq = getFlowsRequestOf(query);
    const follow = Boolean(query.follow);
    const maxAttempts = opts.reconnect?.maxAttempts ?? (follow ? Infinity : 5);
    const initialDelay = opts.reconnect?.initialDelayMs ?? 500;
    const maxDelay = opts.reconnect?.maxDelayMs ?? 30_000;
    const mapping: FlowMappingOptions = { source: 'hubble', ...opts.mapping };
    const signal = opts.signal;
    const startedAt = Date.now();

    let flows = 0;
    let reconnects = 0;
    let attempt = 0;
    // The newest flow time seen (seconds, nanos) and the flows delivered at exactly that time:
    // a resumed stream (since = last) sends those again and they must be skipped once.
    let lastSec = -Infinity;
    let lastNs = 0;
    const atLast: Obj[] = [];
    let guard: { sec: number; ns: number; seen: Set<string> } | undefined;
    const lastTimestamp = (): Timestamp | undefined => (lastSec === -Infinity ? undefined : { seconds: String(lastSec), nanos: lastNs });

    const onResponse = (r: Obj): void => {
      if (r.malformed) {
        h.onWarning?.({ time: Date.now(), kind: 'stream-error', subject: this.target, message: `${this.target}: skipped an unreadable response (${r.malformed})` });
        return;
      }
      const f = r.flow as Obj | undefined;
      if (f) {
        // Times as numbers without allocating (decoded Timestamps are {seconds: string, nanos}).
        let t = f.time ?? r.time;
        if (t && typeof t !== 'object') t = asTimestamp(t);
        const sec = t ? Number(t.seconds ?? 0) : NaN;
        const ns = t ? Number(t.nanos ?? 0) : 0;
        const timed = !Number.isNaN(sec);
        if (guard && timed) {
          const c = sec - guard.sec || ns - guard.ns;
          if (c < 0) return;
          if (c === 0 && guard.seen.has(fingerprint(f))) return;
        }
        const rec = flowRecordOf(f, mapping, timestampMs(r.time));
        if (typeof rec === 'string') {
          h.onWarning?.({ time: Date.now(), kind: 'stream-error', message: `${this.target}: skipped a malformed flow (${rec})` });
          return;
        }
        if (timed) {
          const c = sec - lastSec || ns - lastNs;
          if (c > 0) {
            lastSec = sec;
            lastNs = ns;
            atLast.length = 0;
            atLast.push(f);
          } else if (c === 0 && atLast.length < 10_000) atLast.push(f);
        }
        flows++;
        h.onFlow(rec, r.raw);
        return;
      }
      const time = timestampMs(r.time) ?? Date.now();
      if (r.node_status) {
        if (!nodeConnected(r.node_status)) for (const w of nodeStatusWarnings(r.node_status, time)) h.onWarning?.(w);
      } else if (r.lost_events) {
        h.onWarning?.(lostEventsWarning(r.lost_events, time, r.node_name || undefined));
      }
    };

    const requestFor = (): WireGetFlowsRequest => {
      const last = lastTimestamp();
      if (!last) return baseReq;
      // Resume: from the last flow seen; "last N" becomes "since last, until the first request".
      const req: WireGetFlowsRequest = { ...baseReq, since: last };
      delete req.first;
      // "N since T" resumes with the flows still owed; "last N" (no since) has fetched its window.
      if (baseReq.number && baseReq.since) req.number = String(Math.max(1, Number(baseReq.number) - flows));
      else delete req.number;
      if (!follow && !req.until) req.until = { seconds: String(Math.floor(startedAt / 1000) + 1), nanos: 0 };
      return req;
    };

    for (;;) {
      if (signal?.aborted) {
        h.onState?.({ state: 'ended', reason: 'cancelled' });
        return { reason: 'cancelled', flows, reconnects };
      }
      h.onState?.({ state: 'connecting', target: this.target, attempt });
      let outcome: StreamOutcome;
      // Only flows reset the backoff: a Relay whose every node is gone still answers with
      // node_status events, then ends the stream; that must not turn into a reconnect storm.
      let gotAny = false;
      const onMessage = (r: Obj) => {
        if (r.flow) gotAny = true;
        try {
          onResponse(r);
        } catch (e) {
          h.onWarning?.({ time: Date.now(), kind: 'stream-error', message: `${this.target}: could not read a response (${(e as Error).message})` });
        }
      };
      const onOpen = (where: string) => h.onState?.({ state: 'streaming', target: where });
      try {
        guard = lastSec === -Infinity ? undefined : { sec: lastSec, ns: lastNs, seen: new Set(atLast.map(fingerprint)) };
        outcome = this.opts.flowTransport === 'grpc-js' ? await this.grpcJsStream(requestFor(), onMessage, signal, onOpen) : await this.http2Stream(requestFor(), onMessage, signal, onOpen);
        if (outcome.kind === 'complete' && follow && !signal?.aborted) {
          // A follow stream never ends by itself: the server or the port-forward went away.
          outcome = { kind: 'error', err: new HubbleError(`${outcome.where}: the flow stream ended unexpectedly`, true), where: outcome.where };
        }
      } catch (e) {
        outcome = { kind: 'error', err: e instanceof HubbleError ? e : new HubbleError(`${this.target}: ${(e as Error).message}`, true), where: this.target };
      }
      if (outcome.kind === 'complete') {
        h.onState?.({ state: 'ended', reason: 'complete' });
        return { reason: 'complete', flows, reconnects };
      }
      if (outcome.kind === 'cancelled') {
        h.onState?.({ state: 'ended', reason: 'cancelled' });
        return { reason: 'cancelled', flows, reconnects };
      }
      const err = outcome.err;
      if (gotAny) attempt = 0;
      attempt++;
      if (!err.retryable || attempt > maxAttempts) {
        const msg = attempt > maxAttempts && err.retryable ? `${err.message} (gave up after ${maxAttempts} attempt(s); ${flows} flow(s) received are kept)` : err.message;
        h.onState?.({ state: 'failed', error: msg });
        throw new HubbleError(msg, false, err.code);
      }
      const delay = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      reconnects++;
      const from = lastSec === -Infinity ? 'the start' : new Date(lastSec * 1000 + Math.floor(lastNs / 1e6)).toISOString();
      h.onWarning?.({
        time: Date.now(),
        kind: 'stream-error',
        subject: this.target,
        message: `${err.message}; reconnecting in ${(delay / 1000).toFixed(1)} s and resuming from ${from} (flows in between are fetched again from Relay's buffer)`,
      });
      h.onState?.({ state: 'reconnecting', target: this.target, attempt, delayMs: Math.round(delay), error: err.message });
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        const t = setTimeout(wake, delay);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
