/**
 * The Hubble client suite, run against any Relay: the fake (relay-suite-fake.test.ts, always) and
 * Cilium's real hubble-relay over two real Hubble observers (relay-suite-real.test.ts, by
 * `npm run test:hubble`). A target serves two nodes whose buffers hold `suiteEvents()`; the
 * expectations are computed here from that data, so where the fake and the real Relay differ,
 * one of the two runs fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubbleClient } from '../../../main/flows/hubble-client.js';
import { syntheticFlowBody } from '../../fakes/hubble-relay/synthetic.js';
import { eventTypeOf, summaryOf } from '../../fakes/hubble-relay/fake-relay.js';
import type { CaptureFilter, FlowQuery } from '../../../main/flows/flow-query.js';
import type { CaptureWarning, FlowRecord } from '../../../main/model/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

export const NODES = ['node-a', 'node-b'];

export interface HubbleTarget {
  /** Relay's address (host:port). */
  address: string;
  /** Appends jsonpb GetFlowsResponse lines to a node: live events. */
  emit(node: string, lines: Obj[]): Promise<void>;
  /** The node goes away for good. */
  stopNode(node: string): Promise<void>;
  /** Relay restarts (its streams are cut; the nodes keep their buffers). */
  restartRelay(): Promise<void>;
  close(): Promise<void>;
}

/** A nanosecond RFC 3339 time, as Hubble's jsonpb writes it. */
export function rfc3339(ms: number, extraNs = 0): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const nanos = (Math.floor(ms) % 1000) * 1_000_000 + extraNs;
  return `${iso.slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/** One synthetic flow as a jsonpb line (what `hubble observe -o jsonpb` prints). */
export function jsonpbFlow(body: Obj, ms: number, uuid: string, node: string): Obj {
  const flow: Obj = { ...body, time: rfc3339(ms), uuid, node_name: node };
  flow.is_reply = Boolean(body.is_reply?.value ?? body.is_reply);
  return { flow, node_name: node, time: flow.time };
}

/** HTTP responses (200 and 503): what `--http-status` selects. */
function httpResponse(k: number): Obj {
  const b = syntheticFlowBody(9);
  const f: Obj = {
    ...b,
    l7: { type: 'RESPONSE', latency_ns: '1200000', http: { code: k % 3 === 0 ? 503 : 200, method: 'GET', url: `http://cart:8080/api/v1/items/${k}`, protocol: 'HTTP/1.1' } },
    is_reply: { value: true },
  };
  f.event_type = eventTypeOf(f);
  f.Summary = summaryOf(f);
  return f;
}

/**
 * The suite's data: per node, 300 flows (every kind the synthetic pool has, HTTP responses), 10 ms
 * apart, then one "tail-<node>" flow. Hubble's ring buffer does not let a reader see the event
 * written last until the next one is written, so each node's tail stays unread: the expectations
 * are about the 300 before it.
 */
export function suiteEvents(t0: number): Record<string, Obj[]> {
  const out: Record<string, Obj[]> = Object.fromEntries(NODES.map((n) => [n, []]));
  for (let i = 0; i < 600; i++) {
    const node = NODES[i % 2];
    const body = i % 25 === 24 ? httpResponse(i) : syntheticFlowBody(i);
    out[node].push(jsonpbFlow(body, t0 + i * 10, `suite-${i}`, node));
  }
  for (const [k, node] of NODES.entries()) out[node].push(jsonpbFlow(syntheticFlowBody(0), t0 + 6000 + k, `tail-${node}`, node));
  return out;
}

/** Each node's readable flows (all but its tail), in time order. */
export const readableByNode = (ev: Record<string, Obj[]>): Obj[][] =>
  Object.values(ev).map((lines) =>
    lines
      .slice(0, -1)
      .map((l) => l.flow)
      .sort((a, b) => a.time.localeCompare(b.time)),
  );

/** Relay's answer to "N flows": up to N from each node, merged in time order. */
export const perNode = (ev: Record<string, Obj[]>, pick: (flows: Obj[]) => Obj[]): Obj[] =>
  readableByNode(ev)
    .flatMap(pick)
    .sort((a, b) => a.time.localeCompare(b.time));

// The test's own reading of the filters the app offers, to compute what Relay must return.
const nsOf = (ep: Obj | undefined) => ep?.namespace ?? '';
const appOf = (ep: Obj | undefined) => (ep?.labels ?? []).find((l: string) => l.startsWith('k8s:app='))?.slice(8);
const protoOf = (f: Obj) => (f.l7?.http ? 'http' : f.l7?.dns ? 'dns' : f.l4?.UDP ? 'udp' : 'tcp');
const dportOf = (f: Obj) => (f.l4?.TCP ?? f.l4?.UDP)?.destination_port;
function matches(f: Obj, c: CaptureFilter): boolean {
  const ends = [f.source, f.destination];
  if (c.namespaces && !ends.some((e) => c.namespaces!.includes(nsOf(e)))) return false;
  if (c.pods && !ends.some((e) => c.pods!.some((p) => `${nsOf(e)}/${e?.pod_name ?? ''}`.startsWith(p)))) return false;
  if (c.labels && !ends.some((e) => c.labels!.some((l) => `app=${appOf(e)}` === l))) return false;
  if (c.verdicts && !c.verdicts.includes(f.verdict)) return false;
  if (c.protocols && !c.protocols.some((p) => p.toLowerCase() === protoOf(f) || (p.toLowerCase() === 'tcp' && f.l4?.TCP) || (p.toLowerCase() === 'udp' && f.l4?.UDP))) return false;
  if (c.ports && !c.ports.includes(dportOf(f))) return false;
  return true;
}

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 30_000) => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

async function collect(c: HubbleClient, q: FlowQuery): Promise<{ flows: FlowRecord[]; warnings: CaptureWarning[] }> {
  const flows: FlowRecord[] = [];
  const warnings: CaptureWarning[] = [];
  await c.streamFlows(q, { onFlow: (f) => flows.push(f), onWarning: (w) => warnings.push(w) }, { reconnect: { maxAttempts: 2, initialDelayMs: 50 } });
  return { flows, warnings };
}

const timesOf = (flows: FlowRecord[]) => flows.map((f) => f.time);

export function describeHubbleSuite(name: string, start: (events: Record<string, Obj[]>) => Promise<HubbleTarget>, opts: { skip?: string } = {}): void {
  describe.skipIf(Boolean(opts.skip))(`Hubble client suite against ${name}${opts.skip ? ` (skipped: ${opts.skip})` : ''}`, () => {
    const t0 = Date.now() - 10 * 60_000;
    const events = suiteEvents(t0);
    const all = perNode(events, (f) => f);
    const stored = Object.values(events).flat().length;
    let target: HubbleTarget;
    let client: HubbleClient;

    beforeAll(async () => {
      target = await start(events);
      client = new HubbleClient({ address: target.address, connectTimeoutMs: 5000 });
      // Relay is ready once it reaches both nodes and their buffers are full.
      await until('both nodes with their flows', async () => {
        const st = await client.serverStatus().catch(() => undefined);
        return st?.numConnectedNodes === 2 && st.numFlows === stored;
      });
    }, 120_000);
    afterAll(async () => {
      await target?.close();
    });

    it('reads server status, nodes and namespaces', async () => {
      const st = await client.serverStatus();
      expect(st).toMatchObject({ numFlows: stored, seenFlows: stored, numConnectedNodes: 2, numUnavailableNodes: 0 });
      expect(st.maxFlows).toBeGreaterThanOrEqual(stored);
      expect(st.uptimeNs).toBeGreaterThan(0);
      const nodes = await client.getNodes();
      expect(nodes.map((n) => [n.name, n.state]).sort()).toEqual(NODES.map((n) => [n, 'NODE_CONNECTED']));
      for (const n of nodes) expect(n.numFlows).toBe(stored / 2);
      const nss = (await client.getNamespaces()).map((n) => n.namespace).sort();
      expect(nss).toEqual([...new Set(all.flatMap((f) => [nsOf(f.source), nsOf(f.destination)]).filter(Boolean))].sort());
    });

    it('gets the last N and the first N flows of each node, in time order', async () => {
      const last = await collect(client, { last: 50 });
      expect(last.flows.map((f) => f.time)).toEqual(perNode(events, (f) => f.slice(-50)).map((f) => Date.parse(f.time)));
      const first = await collect(client, { last: 30, first: true });
      expect(first.flows.map((f) => f.time)).toEqual(perNode(events, (f) => f.slice(0, 30)).map((f) => Date.parse(f.time)));
    });

    it('gets a since/until window, and N flows from a time on', async () => {
      const since = t0 + 1000;
      const untilMs = t0 + 2000;
      const win = await collect(client, { since, until: untilMs });
      const inWindow = all.filter((f) => Date.parse(f.time) >= since && Date.parse(f.time) <= untilMs);
      expect(win.flows.map((f) => f.time)).toEqual(inWindow.map((f) => Date.parse(f.time)));
      const n = await collect(client, { last: 20, since });
      const want = perNode(events, (fs) => fs.filter((f) => Date.parse(f.time) >= since).slice(0, 20));
      expect(n.flows.map((f) => f.time)).toEqual(want.map((f) => Date.parse(f.time)));
    });

    const FILTERS: [string, CaptureFilter][] = [
      ['namespaces', { namespaces: ['payments'] }],
      ['pods', { pods: ['shop/cart-'] }],
      ['labels', { labels: ['app=db'] }],
      ['verdicts', { verdicts: ['DROPPED'] }],
      ['protocols', { protocols: ['UDP'] }],
      ['ports', { ports: [5432] }],
      ['several at once', { namespaces: ['shop'], verdicts: ['FORWARDED'], protocols: ['TCP'] }],
    ];
    it.each(FILTERS)('applies the %s filter server-side', async (_n, include) => {
      const got = await collect(client, { since: t0 - 1000, include });
      const want = all.filter((f) => matches(f, include));
      expect(want.length).toBeGreaterThan(0);
      expect(got.flows).toHaveLength(want.length);
      expect(timesOf(got.flows)).toEqual(want.map((f) => Date.parse(f.time)));
    });

    it('excludes flows server-side', async () => {
      const got = await collect(client, { since: t0 - 1000, exclude: [{ namespaces: ['shop'] }] });
      expect(got.flows).toHaveLength(all.filter((f) => !matches(f, { namespaces: ['shop'] })).length);
    });

    it('follows: only new flows, from both nodes, then stops on abort', async () => {
      const got: FlowRecord[] = [];
      const ac = new AbortController();
      const done = client.streamFlows({ follow: true }, { onFlow: (f) => got.push(f) }, { signal: ac.signal });
      // Relay needs a moment to open the stream to each node; new flows are sent until some arrive.
      const now = Date.now();
      let k = 0;
      await until('followed flows', async () => {
        await target.emit(NODES[k % 2], [jsonpbFlow(syntheticFlowBody(k), Date.now(), `live-${now}-${k}`, NODES[k % 2])]);
        k++;
        return got.length >= 4;
      });
      ac.abort();
      expect((await done).reason).toBe('cancelled');
      // Only new flows, but a real node starts a follow at its last written positions: at most
      // its two newest stored flows (the tail among them) may come first. Never the history.
      const old = got.filter((f) => f.time < now);
      expect(old.length).toBeLessThanOrEqual(2 * NODES.length);
      expect(old.every((f) => f.time >= t0 + 5980)).toBe(true);
      expect(new Set(got.map((f) => f.node))).toEqual(new Set(NODES));
    });

    it('passes lost events on as warnings', async () => {
      const warnings: CaptureWarning[] = [];
      const ac = new AbortController();
      const done = client.streamFlows({ follow: true }, { onFlow: () => undefined, onWarning: (w) => warnings.push(w) }, { signal: ac.signal });
      await until('a lost-events warning', async () => {
        await target.emit('node-a', [{ lost_events: { source: 'PERF_EVENT_RING_BUFFER', num_events_lost: '42' }, node_name: 'node-a', time: rfc3339(Date.now()) }]);
        return warnings.some((w) => w.kind === 'lost-events');
      });
      ac.abort();
      await done;
      expect(warnings.find((w) => w.kind === 'lost-events')).toMatchObject({ count: 42 });
    });

    it('reconnects when Relay restarts and resumes without repeating flows', async () => {
      const got: FlowRecord[] = [];
      const ac = new AbortController();
      const done = client.streamFlows({ follow: true, since: Date.now() }, { onFlow: (f) => got.push(f) }, { signal: ac.signal, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
      const tag = Date.now();
      let k = 0;
      const more = async () => target.emit(NODES[k % 2], [jsonpbFlow(syntheticFlowBody(k), Date.now(), `re-${tag}-${k++}`, NODES[k % 2])]);
      await until('flows before the restart', async () => (await more(), got.length >= 2));
      await target.restartRelay();
      const before = got.length;
      await until('flows after the restart', async () => (await more(), got.length >= before + 4));
      ac.abort();
      const r = await done;
      expect(r.reconnects).toBeGreaterThanOrEqual(1);
      const times = got.map((f) => `${f.time}/${f.node}/${f.dst.peer}`);
      expect(new Set(times).size).toBe(times.length);
    });

    it('says which node is gone, and keeps serving the other', async () => {
      await target.stopNode('node-b');
      await until('node-b unavailable', async () => (await client.serverStatus()).unavailableNodes.includes('node-b'));
      const st = await client.serverStatus();
      expect(st.numConnectedNodes).toBe(1);
      const got = await collect(client, { last: 10 });
      expect(got.warnings.some((w) => w.kind === 'node-unavailable' && w.subject === 'node-b')).toBe(true);
      expect(got.flows.length).toBeGreaterThan(0);
      expect(got.flows.every((f) => f.node === 'node-a')).toBe(true);
    });
  });
}
