import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aggregateFlows, RoadAggregator } from './aggregate.js';
import { TopCounter } from './top-counter.js';
import { roadKey } from '../model/ids.js';
import type { FlowRecord } from '../model/types.js';

const CART = 'wl:shop/Deployment/cart';
const DB = 'wl:shop/StatefulSet/db';

function flow(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    time: 1000,
    source: 'hubble',
    src: { peer: 'pod:shop/cart-1', workload: CART, port: 40000 },
    dst: { peer: 'pod:shop/db-0', workload: DB, port: 5432 },
    protocol: 'TCP',
    port: 5432,
    verdict: 'FORWARDED',
    ...over,
  };
}

describe('RoadAggregator', () => {
  it('folds pods of one workload into one road and counts them', () => {
    const roads = aggregateFlows([
      flow({ time: 5 }),
      flow({ time: 2, src: { peer: 'pod:shop/cart-2', workload: CART } }),
      flow({ time: 9 }),
    ]);
    expect(roads).toHaveLength(1);
    expect(roads[0]).toMatchObject({
      key: roadKey(CART, DB, 'TCP', 5432, 'FORWARDED'),
      src: CART,
      dst: DB,
      count: 3,
      firstSeen: 2,
      lastSeen: 9,
      sources: ['hubble'],
    });
  });

  it('uses the peer when no workload is known, and splits by verdict, protocol and port', () => {
    const roads = aggregateFlows([
      flow({ dst: { peer: 'world' }, port: 443 }),
      flow({ dst: { peer: 'world' }, port: 443, verdict: 'DROPPED', dropReason: 'POLICY_DENIED' }),
      flow({ dst: { peer: 'world' }, port: 80 }),
      flow({ dst: { peer: 'world' }, protocol: 'UDP', port: 443 }),
    ]);
    expect(roads.map((r) => r.key)).toEqual([
      roadKey(CART, 'world', 'TCP', 443, 'DROPPED'),
      roadKey(CART, 'world', 'TCP', 443, 'FORWARDED'),
      roadKey(CART, 'world', 'TCP', 80, 'FORWARDED'),
      roadKey(CART, 'world', 'UDP', 443, 'FORWARDED'),
    ]);
    expect(roads[0].dropReasons).toEqual({ POLICY_DENIED: 1 });
    expect(roads[1].dropReasons).toEqual({});
  });

  it('folds replies into the request road (client -> server port) instead of an ephemeral-port road', () => {
    const reply = flow({
      isReply: true,
      src: { peer: 'pod:shop/db-0', workload: DB, port: 5432 },
      dst: { peer: 'pod:shop/cart-1', workload: CART, port: 40000 },
      port: 40000,
    });
    const roads = aggregateFlows([flow(), reply]);
    expect(roads).toHaveLength(1);
    expect(roads[0].count).toBe(2);
    expect(roads[0].port).toBe(5432);
  });

  it('unions policies, sources and counts no-reply attempts', () => {
    const roads = aggregateFlows([
      flow({ allowedBy: ['NetworkPolicy/shop/b', 'NetworkPolicy/shop/a'] }),
      flow({ allowedBy: ['NetworkPolicy/shop/a'], source: 'import', noReply: true }),
      flow({ deniedBy: ['CiliumNetworkPolicy/shop/deny'] }),
    ]);
    expect(roads[0].allowedBy).toEqual(['NetworkPolicy/shop/a', 'NetworkPolicy/shop/b']);
    expect(roads[0].deniedBy).toEqual(['CiliumNetworkPolicy/shop/deny']);
    expect(roads[0].sources).toEqual(['hubble', 'import']);
    expect(roads[0].noReply).toBe(1);
    expect(aggregateFlows([flow()])[0].noReply).toBeUndefined();
  });

  it('keeps the destination service named by requests', () => {
    const roads = aggregateFlows([flow(), flow({ dstService: 'shop/db' })]);
    expect(roads[0].dstService).toBe('shop/db');
  });

  it('summarises HTTP: methods and paths on requests, codes on responses', () => {
    const roads = aggregateFlows([
      flow({ l7: { type: 'http', method: 'GET', path: '/cart' } }),
      flow({ l7: { type: 'http', method: 'GET', path: '/cart' } }),
      flow({ l7: { type: 'http', method: 'POST', path: '/checkout' } }),
      flow({ isReply: true, src: { peer: 'pod:shop/db-0', workload: DB, port: 5432 }, dst: { peer: 'pod:shop/cart-1', workload: CART }, l7: { type: 'http', method: 'GET', path: '/cart', code: 200 } }),
      flow({ isReply: true, src: { peer: 'pod:shop/db-0', workload: DB, port: 5432 }, dst: { peer: 'pod:shop/cart-1', workload: CART }, l7: { type: 'http', method: 'POST', path: '/checkout', code: 503 } }),
    ]);
    expect(roads).toHaveLength(1);
    expect(roads[0].l7).toEqual({
      httpMethods: { GET: 2, POST: 1 },
      httpCodes: { '200': 1, '503': 1 },
      topPaths: { '/cart': 2, '/checkout': 1 },
      dnsNames: {},
      dnsRcodes: {},
    });
    expect(Object.keys(roads[0].l7!.topPaths)).toEqual(['/cart', '/checkout']);
  });

  it('summarises DNS names (trailing dot dropped) and rcodes by name', () => {
    const roads = aggregateFlows([
      flow({ protocol: 'UDP', port: 53, l7: { type: 'dns', query: 'db.shop.svc.cluster.local.' } }),
      flow({ protocol: 'UDP', port: 53, l7: { type: 'dns', query: 'nope.example.' } }),
      flow({ protocol: 'UDP', port: 53, l7: { type: 'dns', query: 'nope.example.', rcode: 3 } }),
      flow({ protocol: 'UDP', port: 53, l7: { type: 'dns', query: 'db.shop.svc.cluster.local.', rcode: 0 } }),
      flow({ protocol: 'UDP', port: 53, l7: { type: 'dns', query: 'x.', rcode: 23 } }),
    ]);
    expect(roads[0].l7!.dnsNames).toEqual({ 'db.shop.svc.cluster.local': 1, 'nope.example': 1 });
    expect(roads[0].l7!.dnsRcodes).toEqual({ '23': 1, NOERROR: 1, NXDOMAIN: 1 });
  });

  it('bounds top paths whatever the number of distinct paths, keeping heavy hitters', () => {
    const agg = new RoadAggregator({ maxPaths: 5 });
    for (let i = 0; i < 10_000; i++) {
      agg.add(flow({ l7: { type: 'http', method: 'GET', path: `/item/${i}` } }));
      if (i % 3 === 0) agg.add(flow({ l7: { type: 'http', method: 'GET', path: '/hot' } }));
    }
    const paths = agg.roads()[0].l7!.topPaths;
    expect(Object.keys(paths)).toHaveLength(5);
    expect(Object.keys(paths)[0]).toBe('/hot');
  });

  it('keeps raw flows in a bounded ring, oldest first, while aggregates stay complete', () => {
    const agg = new RoadAggregator({ maxRawFlows: 3 });
    for (let t = 1; t <= 7; t++) agg.add(flow({ time: t }));
    expect(agg.rawFlows().map((f) => f.time)).toEqual([5, 6, 7]);
    expect(agg.flowCount).toBe(7);
    expect(agg.droppedRawFlows).toBe(4);
    expect(agg.roads()[0].count).toBe(7);

    const partial = new RoadAggregator({ maxRawFlows: 10 });
    partial.add(flow({ time: 1 }));
    partial.add(flow({ time: 2 }));
    expect(partial.rawFlows().map((f) => f.time)).toEqual([1, 2]);

    const none = new RoadAggregator({ maxRawFlows: 0 });
    none.add(flow());
    expect(none.rawFlows()).toEqual([]);
    expect(none.roads()[0].count).toBe(1);
  });

  it('merging saved roads then new flows equals aggregating everything at once', () => {
    const arb = fc.array(
      fc.record({
        time: fc.integer({ min: 0, max: 1e6 }),
        s: fc.constantFrom('a', 'b', 'c'),
        d: fc.constantFrom('a', 'b', 'world'),
        port: fc.constantFrom(80, 443, undefined),
        verdict: fc.constantFrom('FORWARDED', 'DROPPED') as fc.Arbitrary<'FORWARDED' | 'DROPPED'>,
        reply: fc.boolean(),
        method: fc.constantFrom('GET', 'PUT', undefined),
        policy: fc.constantFrom('NetworkPolicy/x/p', undefined),
      }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(arb, fc.nat(), (rows, cut) => {
        const flows: FlowRecord[] = rows.map((r) =>
          flow({
            time: r.time,
            src: { peer: `pod:ns/${r.s}`, port: 1234 },
            dst: { peer: r.d === 'world' ? 'world' : `pod:ns/${r.d}` },
            port: r.port,
            verdict: r.verdict,
            isReply: r.reply,
            allowedBy: r.policy ? [r.policy] : undefined,
            l7: r.method ? { type: 'http', method: r.method, path: '/p' } : undefined,
          }),
        );
        const at = flows.length ? cut % flows.length : 0;
        const merged = new RoadAggregator();
        for (const road of aggregateFlows(flows.slice(0, at))) merged.addRoad(road);
        merged.addMany(flows.slice(at));
        expect(merged.roads()).toEqual(aggregateFlows(flows));
        expect(merged.roads().reduce((n, r) => n + r.count, 0)).toBe(flows.length);
      }),
    );
  });
});

describe('TopCounter', () => {
  it('never holds more than its capacity and keeps a key seen more often than the rest', () => {
    const c = new TopCounter(3);
    for (let i = 0; i < 100; i++) {
      c.add(`k${i}`, 1);
      c.add('hot', 1);
    }
    expect(c.size).toBe(3);
    expect(Object.keys(c.top())[0]).toBe('hot');
    expect(c.top().hot).toBeGreaterThanOrEqual(100);
  });
});
