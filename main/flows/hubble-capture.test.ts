import { describe, expect, it } from 'vitest';
import { HubbleCapture } from './hubble-capture.js';
import type { FlowStreamHandlers, HubbleClient, StreamResult } from './hubble-client.js';
import type { FlowRecord } from '../model/types.js';

/** A client stub: the test drives the stream through the handlers it captured. */
function stubClient() {
  let handlers: FlowStreamHandlers | undefined;
  let finish: (r: StreamResult) => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  const client = {
    target: 'stub',
    serverStatus: async () => ({ numFlows: 1, maxFlows: 2, seenFlows: 3, uptimeNs: 0, unavailableNodes: [], version: 'x' }),
    streamFlows: (_q: unknown, h: FlowStreamHandlers, o: { signal?: AbortSignal }) =>
      new Promise<StreamResult>((resolve, reject) => {
        handlers = h;
        finish = resolve;
        fail = reject;
        o.signal?.addEventListener('abort', () => resolve({ reason: 'cancelled', flows: 0, reconnects: 0 }));
      }),
  };
  return { client: client as unknown as HubbleClient, h: () => handlers!, finish: (r: StreamResult) => finish(r), fail: (e: Error) => fail(e) };
}

const flow = (t: number): FlowRecord => ({ time: t, source: 'hubble', src: { peer: 'pod:a/x' }, dst: { peer: 'world' }, protocol: 'TCP', port: 443, verdict: 'FORWARDED' });

describe('HubbleCapture', () => {
  it('batches flows for listeners, by size or after batchMs, and aggregates every flow', async () => {
    const s = stubClient();
    const cap = new HubbleCapture(s.client, { statusEveryMs: 0, batchMs: 20, maxBatch: 3 });
    const batches: number[] = [];
    cap.onFlows((b) => batches.push(b.length));
    const done = cap.start({ follow: true });
    for (let i = 0; i < 7; i++) s.h().onFlow(flow(i));
    expect(batches).toEqual([3, 3]);
    await new Promise((r) => setTimeout(r, 40));
    expect(batches).toEqual([3, 3, 1]);
    expect(cap.roads()[0].count).toBe(7);
    await cap.stop();
    await done;
    expect(cap.isRunning).toBe(false);
  });

  it('bounds warnings but keeps counting lost events, and reports a failure without throwing', async () => {
    const s = stubClient();
    const cap = new HubbleCapture(s.client, { statusEveryMs: 0, maxWarnings: 3 });
    const done = cap.start({ follow: true });
    for (let i = 0; i < 10; i++) s.h().onWarning!({ time: i, kind: 'lost-events', count: 5, message: `lost ${i}` });
    expect(cap.warnings().map((w) => w.message)).toEqual(['lost 7', 'lost 8', 'lost 9']);
    expect(cap.stats().lostEvents).toBe(50);
    s.fail(new Error('Hubble Relay at x: gave up'));
    expect(await done).toBeUndefined();
    expect(cap.stats().error).toBe('Hubble Relay at x: gave up');
    expect(cap.warnings().at(-1)).toMatchObject({ kind: 'stream-error', message: 'Hubble Relay at x: gave up' });
  });

  it('polls server status while running and refuses a second start', async () => {
    const s = stubClient();
    const cap = new HubbleCapture(s.client, { statusEveryMs: 10 });
    const seen: number[] = [];
    cap.onStatus((st) => seen.push(st.seenFlows));
    const done = cap.start({ follow: true });
    expect(() => cap.start({ follow: true })).toThrow(/already running/);
    await new Promise((r) => setTimeout(r, 50));
    s.finish({ reason: 'complete', flows: 0, reconnects: 0 });
    await done;
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(cap.stats().status?.seenFlows).toBe(3);
  });
});
