/** The real Hubble client against the fake relay over loopback. */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { fileURLToPath } from 'node:url';
import { FakeRelay, readJsonFlows, tsOfMs } from '../../fakes/hubble-relay/fake-relay.js';
import { SyntheticFlows } from '../../fakes/hubble-relay/synthetic.js';
import { HubbleClient, type StreamState } from '../../../main/flows/hubble-client.js';
import { HubbleCapture } from '../../../main/flows/hubble-capture.js';
import type { CaptureWarning, FlowRecord } from '../../../main/model/types.js';

const TCP = fileURLToPath(new URL('../../fixtures/hubble/sample-400-tcp-flows.jsonl', import.meta.url));
const UDP = fileURLToPath(new URL('../../fixtures/hubble/sample-400-udp-flows.jsonl', import.meta.url));

const relays: FakeRelay[] = [];
async function relay(opts: ConstructorParameters<typeof FakeRelay>[0] = {}): Promise<FakeRelay> {
  const r = new FakeRelay(opts);
  await r.start();
  relays.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const until = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** Synthetic responses with distinct uuids and increasing times (1 ms apart). */
function synthetic(r: FakeRelay, n: number, t0 = Date.now() - 60_000) {
  const s = new SyntheticFlows(r, 64);
  return Array.from({ length: n }, (_, i) => s.make(i, t0 + i).resp);
}

describe.each(['http2', 'grpc-js'] as const)('HubbleClient (%s flow transport) against the fake relay', (transport) => {
  const newClient = (o: ConstructorParameters<typeof HubbleClient>[0]) => new HubbleClient({ flowTransport: transport, ...o });

  it('reads server status, nodes and namespaces', async () => {
    const r = await relay({ nodes: ['n1', 'n2'] });
    r.emit(readJsonFlows(TCP));
    const c = newClient({ address: r.address });
    const st = await c.serverStatus();
    expect(st).toMatchObject({ numFlows: 400, maxFlows: 4095, seenFlows: 400, numConnectedNodes: 2, numUnavailableNodes: 0, version: '1.17.0-fake' });
    const nodes = await c.getNodes();
    expect(nodes.map((n) => [n.name, n.state])).toEqual([
      ['n1', 'NODE_CONNECTED'],
      ['n2', 'NODE_CONNECTED'],
    ]);
    const nss = await c.getNamespaces();
    expect(nss.map((n) => n.namespace)).toContain('bookinfo');
  });

  it('gets the last N flows, decoded like the JSON import (same peers, L7)', async () => {
    const r = await relay();
    r.emit(readJsonFlows(TCP));
    const got: FlowRecord[] = [];
    const res = await newClient({ address: r.address }).streamFlows({ last: 50 }, { onFlow: (f) => got.push(f) });
    expect(res).toMatchObject({ reason: 'complete', flows: 50, reconnects: 0 });
    expect(r.requests[0]).toMatchObject({ number: '50' });
    const all = readJsonFlows(TCP);
    // In time order (as Relay sends them), not in the order the capture lists them; the node's
    // newest event stays unread until the next one is written (Hubble's ring buffer).
    const byTime = [...all].sort((a, b) => Number(a.flow.time.seconds) - Number(b.flow.time.seconds) || a.flow.time.nanos - b.flow.time.nanos);
    const newest = all.at(-1)!;
    const readable = byTime.filter((l) => l !== newest);
    expect(got.map((f) => f.time)).toEqual(readable.slice(-50).map((l) => Math.floor(Number(l.flow.time.seconds) * 1000 + l.flow.time.nanos / 1e6)));
    expect(got.every((f) => f.source === 'hubble')).toBe(true);
  });

  it('follows live flows and stops on abort', async () => {
    const r = await relay();
    const got: FlowRecord[] = [];
    const states: string[] = [];
    const ac = new AbortController();
    const c = newClient({ address: r.address });
    r.emit(synthetic(r, 30)); // history: follow without a number or since does not replay it
    const done = c.streamFlows({ follow: true }, { onFlow: (f) => got.push(f), onState: (s) => states.push(s.state) }, { signal: ac.signal });
    await until(() => states.includes('streaming') && r.requests.length === 1);
    await new Promise((res) => setTimeout(res, 50));
    r.emit(synthetic(r, 120, Date.now()));
    await until(() => got.length === 120);
    ac.abort();
    expect(await done).toMatchObject({ reason: 'cancelled', flows: 120 });
    expect(r.requests[0].follow).toBe(true);
    expect(states.at(-1)).toBe('ended');
  });

  it('sends filters to the server, which applies them', async () => {
    const r = await relay();
    r.emit(readJsonFlows(UDP));
    r.emit(readJsonFlows(TCP));
    const got: FlowRecord[] = [];
    await newClient({ address: r.address }).streamFlows(
      { since: 0, include: { namespaces: ['kube-system'], protocols: ['UDP'], ports: [53] } },
      { onFlow: (f) => got.push(f) },
    );
    expect(r.requests[0].whitelist).toEqual([
      { source_pod: ['kube-system/'], protocol: ['udp'], destination_port: ['53'] },
      { destination_pod: ['kube-system/'], protocol: ['udp'], destination_port: ['53'] },
    ]);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((f) => f.protocol === 'UDP' && f.port === 53 && (f.src.peer.startsWith('pod:kube-system/') || f.dst.peer.startsWith('pod:kube-system/')))).toBe(true);

    const dropped: FlowRecord[] = [];
    const r2 = await relay();
    r2.emit(synthetic(r2, 200));
    await newClient({ address: r2.address }).streamFlows(
      { last: 1000, include: { verdicts: ['DROPPED'], labels: ['app=db'] }, exclude: [{ namespaces: ['ops'] }] },
      { onFlow: (f) => dropped.push(f) },
    );
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((f) => f.verdict === 'DROPPED' && f.deniedBy?.length && !f.src.peer.startsWith('pod:ops/') && !f.dst.peer.startsWith('pod:ops/'))).toBe(true);
    expect(dropped.every((f) => f.src.labels?.includes('k8s:app=db') || f.dst.labels?.includes('k8s:app=db'))).toBe(true);
    expect(r2.requests[0].blacklist).toEqual([{ source_pod: ['ops/'] }, { destination_pod: ['ops/'] }]);
  });

  it('reconnects after a stream cut mid-flow and resumes without losing or repeating flows', async () => {
    const r = await relay({ cutAfterFlows: 130 });
    const sent = synthetic(r, 300);
    r.emit(sent);
    const got: FlowRecord[] = [];
    const warnings: CaptureWarning[] = [];
    const states: StreamState[] = [];
    const ac = new AbortController();
    const done = newClient({ address: r.address }).streamFlows(
      { follow: true, since: 0 },
      { onFlow: (f) => got.push(f), onWarning: (w) => warnings.push(w), onState: (s) => states.push(s) },
      { signal: ac.signal, reconnect: { initialDelayMs: 20 } },
    );
    await until(() => got.length >= 300);
    // Live flows after the reconnect arrive too.
    r.emit(synthetic(r, 20, Date.now()));
    await until(() => got.length >= 320);
    await new Promise((res) => setTimeout(res, 100));
    ac.abort();
    const res = await done;
    expect(res.reconnects).toBe(1);
    expect(got).toHaveLength(320);
    // The resume asked from the last flow seen (the 130th).
    expect(r.requests[1].since).toEqual(sent[129].flow.time);
    // Each synthetic flow has its own millisecond: no flow twice, none missing.
    expect(new Set(got.map((f) => f.time)).size).toBe(320);
    expect(warnings.find((w) => w.kind === 'stream-error')?.message).toMatch(/stream cut after 130 flows; reconnecting in .* resuming from/);
    expect(states.map((s) => s.state)).toContain('reconnecting');
  });

  it('works the same when the relay writes one message per grpc-js write (no bulk writes)', async () => {
    const r = await relay({ bulkWrites: false, cutAfterFlows: 30 });
    r.emit(synthetic(r, 60));
    const got: FlowRecord[] = [];
    const ac = new AbortController();
    const done = newClient({ address: r.address }).streamFlows({ follow: true, since: 0 }, { onFlow: (f) => got.push(f) }, { signal: ac.signal, reconnect: { initialDelayMs: 10 } });
    await until(() => got.length >= 60);
    ac.abort();
    expect((await done).reconnects).toBe(1);
    expect(new Set(got.map((f) => f.time)).size).toBe(60);
  });

  it('survives a hard cut (Relay killed mid-transfer, then back on the same port) without losing or repeating flows', async () => {
    const first = await relay({ bufferSize: 10_000 });
    const port = first.port;
    const t0 = Date.now() - 60_000;
    const s = new SyntheticFlows(first, 64);
    const all = Array.from({ length: 6000 }, (_, i) => s.make(i, t0 + i).resp);
    first.emit(all.slice(0, 5000));
    const got: FlowRecord[] = [];
    const ac = new AbortController();
    let stopped: Promise<void> | undefined;
    const done = newClient({ address: `127.0.0.1:${port}`, connectTimeoutMs: 500 }).streamFlows(
      { follow: true, since: 0 },
      {
        onFlow: (f) => {
          got.push(f);
          // Kill Relay while the 5000 flows are still being transferred: connection reset, no status.
          if (got.length === 100) stopped = first.stop();
        },
      },
      { signal: ac.signal, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } },
    );
    await until(() => stopped !== undefined);
    await stopped;
    // Relay restarts with its buffer (the agents keep theirs) and more flows arrive.
    const second = new FakeRelay({ bufferSize: 10_000 });
    relays.push(second);
    await second.start(port);
    second.emit(all);
    await until(() => got.length >= 6000, 15_000);
    await new Promise((res) => setTimeout(res, 100));
    ac.abort();
    const res = await done;
    expect(res.reconnects).toBeGreaterThanOrEqual(1);
    expect(got).toHaveLength(6000);
    expect(new Set(got.map((f) => f.time)).size).toBe(6000);
  });

  it('resumes from the exact nanosecond without repeating flows that share it', async () => {
    const r = await relay({ cutAfterFlows: 3 });
    const t = tsOfMs(Date.now() - 1000);
    const s = new SyntheticFlows(r, 8);
    // Five flows with the same timestamp, different uuids: the cut falls inside the group.
    const same = Array.from({ length: 5 }, (_, i) => ({ ...s.make(i, 0).resp, flow: { ...s.make(i, 0).resp.flow, time: t, uuid: `same-${i}` } }));
    r.emit(same);
    const got: FlowRecord[] = [];
    const ac = new AbortController();
    const done = newClient({ address: r.address }).streamFlows({ follow: true, since: 0 }, { onFlow: (f) => got.push(f) }, { signal: ac.signal, reconnect: { initialDelayMs: 10 } });
    await until(() => r.requests.length >= 2);
    await new Promise((res) => setTimeout(res, 150));
    ac.abort();
    await done;
    expect(got).toHaveLength(5);
  });

  it('surfaces nodes going away and lost events as warnings, in order with flows', async () => {
    const r = await relay();
    const cap = new HubbleCapture(newClient({ address: r.address }), { batchMs: 20, statusEveryMs: 50 });
    const warnings: CaptureWarning[] = [];
    cap.onWarning((w) => warnings.push(w));
    const running = cap.start({ follow: true });
    await until(() => r.requests.length === 1);
    await new Promise((res) => setTimeout(res, 50));
    r.emit(synthetic(r, 10, Date.now()));
    r.nodeStatus('NODE_UNAVAILABLE', ['kind-worker'], 'connection refused');
    r.lostEvents(1234, 'kind-control-plane');
    r.nodeStatus('NODE_CONNECTED', ['kind-worker']);
    await until(() => warnings.length >= 2 && cap.stats().flows >= 10);
    await until(() => cap.stats().status !== undefined);
    await cap.stop();
    await running;
    expect(warnings.map((w) => [w.kind, w.subject])).toEqual([
      ['node-unavailable', 'kind-worker'],
      ['lost-events', 'kind-control-plane'],
    ]);
    expect(warnings[0].message).toContain('connection refused');
    expect(cap.stats()).toMatchObject({ flows: 10, lostEvents: 1234, running: false });
  });

  it('keeps a bounded window of raw flows, decoded on demand, while roads count everything', async () => {
    const r = await relay();
    const sent = synthetic(r, 50);
    r.emit(sent);
    const delivered: FlowRecord[] = [];
    const cap = new HubbleCapture(newClient({ address: r.address }), { statusEveryMs: 0, maxRawFlows: 5, batchMs: 10 });
    cap.onFlows((b) => delivered.push(...b));
    await cap.start({ last: 50 });
    expect(cap.stats()).toMatchObject({ flows: 50, rawFlowsKept: 5 });
    expect(cap.rawFlows()).toEqual(delivered.slice(-5));
    expect(cap.roads().reduce((n, x) => n + x.count, 0)).toBe(50);
  });

  it('says clearly when Relay is unreachable', async () => {
    const port = await closedPort();
    const c = newClient({ address: `127.0.0.1:${port}`, connectTimeoutMs: 300 });
    await expect(c.serverStatus()).rejects.toThrow(new RegExp(`Hubble Relay at 127.0.0.1:${port} is unreachable: no connection within 0.3 s. Check the address`));
    await expect(c.streamFlows({ follow: true }, { onFlow: () => undefined }, { reconnect: { maxAttempts: 1, initialDelayMs: 10 } })).rejects.toThrow(/unreachable.*gave up after 1 attempt\(s\); 0 flow\(s\) received are kept/);
  });

  it('keeps the flows received when Relay goes away for good, and gives up after the set attempts', async () => {
    const r = await relay();
    r.emit(synthetic(r, 40));
    const got: FlowRecord[] = [];
    const cap = new HubbleCapture(newClient({ address: r.address, connectTimeoutMs: 200 }), { statusEveryMs: 0, reconnect: { maxAttempts: 2, initialDelayMs: 10 } });
    cap.onFlows((b) => got.push(...b));
    const running = cap.start({ follow: true, since: 0 });
    await until(() => cap.stats().flows === 40);
    await r.stop();
    await running;
    expect(cap.stats().error).toMatch(/gave up after 2 attempt\(s\); 40 flow\(s\) received are kept/);
    expect(cap.stats().flows).toBe(40);
    expect(got).toHaveLength(40);
    expect(cap.roads().reduce((n, x) => n + x.count, 0)).toBe(40);
    expect(cap.warnings().some((w) => w.kind === 'stream-error')).toBe(true);
  });

  it('backs off, not storms, when every node is gone (Relay answers with node status and ends the stream)', async () => {
    const r = await relay();
    r.nodeStatus('NODE_GONE', r.nodes, 'node deleted');
    const delays: number[] = [];
    const warnings: CaptureWarning[] = [];
    const c = newClient({ address: r.address });
    await expect(
      c.streamFlows(
        { follow: true },
        { onFlow: () => undefined, onWarning: (w) => warnings.push(w), onState: (s) => s.state === 'reconnecting' && delays.push(s.delayMs) },
        { reconnect: { maxAttempts: 4, initialDelayMs: 20, maxDelayMs: 10_000 } },
      ),
    ).rejects.toThrow(/ended unexpectedly.*gave up after 4 attempt/);
    expect(r.requests).toHaveLength(5);
    // Doubling (with ±20 % jitter) each time: node_status events do not reset the attempt count.
    expect(delays).toHaveLength(4);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] * 1.3);
    expect(warnings.filter((w) => w.kind === 'node-unavailable').length).toBeGreaterThanOrEqual(5);
  });

  it('opens a new connection through connect() for each attempt and closes it', async () => {
    const r = await relay({ cutAfterFlows: 5 });
    r.emit(synthetic(r, 10));
    let opened = 0;
    let closed = 0;
    const c = newClient({
      label: 'hubble-relay (kube-system) via port-forward',
      connect: async () => {
        opened++;
        return { host: '127.0.0.1', port: r.port, close: () => void closed++ };
      },
    });
    const got: FlowRecord[] = [];
    const ac = new AbortController();
    const done = c.streamFlows({ follow: true, since: 0 }, { onFlow: (f) => got.push(f) }, { signal: ac.signal, reconnect: { initialDelayMs: 10 } });
    await until(() => got.length === 10);
    ac.abort();
    await done;
    expect(opened).toBe(2);
    expect(closed).toBe(2);

    // Unary calls (status polling) share one connection instead of a port-forward each.
    const unaryOpened = opened;
    const poller = newClient({ connect: async () => (opened++, { host: '127.0.0.1', port: r.port, close: () => void closed++ }) });
    await poller.serverStatus();
    await poller.serverStatus();
    await poller.getNodes();
    expect(opened - unaryOpened).toBe(1);
    await poller.close();
    expect(closed).toBe(3);

    const failing = newClient({ label: 'hubble-relay via port-forward', connect: async () => Promise.reject(new Error('pods "hubble-relay-x" not found')) });
    await expect(failing.serverStatus()).rejects.toThrow('hubble-relay via port-forward: could not open the connection (pods "hubble-relay-x" not found)');
  });

  it('rejects an impossible query before connecting, and reports a server rejection without retrying', async () => {
    const r = await relay();
    const c = newClient({ address: r.address });
    await expect(c.streamFlows({ last: 5, first: true, follow: true }, { onFlow: () => undefined })).rejects.toThrow(/cannot be combined/);
    expect(r.requests).toHaveLength(0);

    // A gRPC server that is not Hubble: UNIMPLEMENTED is final, no reconnect loop.
    const other = new grpc.Server();
    const port = await new Promise<number>((res, rej) => other.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const states: string[] = [];
    try {
      await expect(
        newClient({ address: `127.0.0.1:${port}` }).streamFlows({ follow: true }, { onFlow: () => undefined, onState: (s) => states.push(s.state) }),
      ).rejects.toThrow(/does not implement the call .*is this a Hubble Relay/);
      expect(states).not.toContain('reconnecting');
    } finally {
      other.forceShutdown();
    }
  });
});
