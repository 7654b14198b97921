import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import { generateScenario } from '../model/scenario/generate.js';
import { podId, workloadId, workloadOfPod } from '../model/ids.js';
import { buildMapModel } from './build.js';
import { toWireMap } from './model.js';
import type { PolicyView } from './policy-view.js';

describe('buildMapModel', () => {
  it('draws the demo as districts, blocks, houses, highways, outskirts and roads', () => {
    const s = demoSnapshot();
    const m = buildMapModel(s);
    expect(m.counts.districts).toBe(s.namespaces.length);
    expect(m.counts.houses).toBe(s.pods.length);
    expect(m.counts.highways).toBe(s.services.length);
    expect(m.counts.deniedRoads).toBeGreaterThanOrEqual(3);
    expect(m.nodes.find((n) => n.id === 'world')?.kind).toBe('outskirt');
    const house = m.nodes.find((n) => n.kind === 'house')!;
    expect(m.nodes.find((n) => n.id === house.parent)?.kind).toBe('block');
    // Every road's ends exist as nodes.
    const ids = new Set(m.nodes.map((n) => n.id));
    for (const e of m.edges) {
      expect(ids.has(e.source), e.source).toBe(true);
      expect(ids.has(e.target), e.target).toBe(true);
    }
    // Total observed volume equals the number of flows.
    const volume = m.edges.reduce((n, e) => n + e.volume, 0);
    expect(volume).toBe(s.roads.reduce((n, r) => n + r.count, 0));
  });

  it('keeps houses inside their block and blocks inside their district', () => {
    const m = buildMapModel(demoSnapshot());
    const byId = new Map(m.nodes.map((n) => [n.id, n]));
    for (const n of m.nodes) {
      if (!n.parent || n.kind === 'highway') continue;
      const p = byId.get(n.parent)!;
      expect(n.x - n.w / 2).toBeGreaterThanOrEqual(p.x - p.w / 2);
      expect(n.x + n.w / 2).toBeLessThanOrEqual(p.x + p.w / 2);
      expect(n.y - n.h / 2).toBeGreaterThanOrEqual(p.y - p.h / 2);
      expect(n.y + n.h / 2).toBeLessThanOrEqual(p.y + p.h / 2);
    }
  });

  it('does not overlap districts', () => {
    const m = buildMapModel(generateScenario({ namespaces: 40, pods: 800, policies: 20, flows: 2000 }));
    const d = m.nodes.filter((n) => n.kind === 'district');
    for (let i = 0; i < d.length; i++)
      for (let j = i + 1; j < d.length; j++) {
        const a = d[i];
        const b = d[j];
        const overlap = Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.y - b.y) * 2 < a.h + b.h;
        expect(overlap, `${a.id} / ${b.id}`).toBe(false);
      }
  });

  it('is deterministic and stable: one more pod moves no other district', () => {
    const s = generateScenario({ namespaces: 30, pods: 600, policies: 10, flows: 1000 });
    const a = buildMapModel(s);
    expect(JSON.stringify(buildMapModel(s))).toBe(JSON.stringify(a));
    const grown = structuredClone(s);
    const victim = grown.pods[0];
    grown.pods.push({ ...victim, name: `${victim.name}-extra`, ips: ['10.99.0.1'] });
    const b = buildMapModel(grown);
    const pos = (m: typeof a) => new Map(m.nodes.filter((n) => n.kind === 'district').map((n) => [n.id, `${n.x},${n.y}`]));
    const pa = pos(a);
    const pb = pos(b);
    let moved = 0;
    for (const [id, p] of pa) if (pb.get(id) !== p) moved++;
    expect(moved).toBeLessThanOrEqual(pa.size / 4);
  });

  it('uses pinned positions from the snapshot', () => {
    const s = demoSnapshot();
    const id = workloadId('shop', 'Deployment', 'cart');
    s.positions[podId('shop', s.pods.find((p) => p.owner?.name === 'cart')!.name)] = { x: 5, y: 7, pinned: true };
    const m = buildMapModel(s);
    const house = m.nodes.find((n) => n.parent === id && n.flags.includes('pinned'))!;
    expect([house.x, house.y]).toEqual([5, 7]);
  });

  it('adds predicted verdicts, fences and mismatches from a policy view', () => {
    const s = demoSnapshot();
    const view: PolicyView = {
      fences: (pod) => ({ ingress: { isolated: pod.includes('payment'), by: ['NetworkPolicy/payments/default-deny'] }, egress: { isolated: false, by: [] } }),
      verdict: (_src, dst) => (dst.includes('redis') ? 'allowed' : 'denied'),
      allowedPorts: () => ({ TCP: '', UDP: '', SCTP: '' }),
    };
    const m = buildMapModel(s, { policy: view });
    const paymentHouse = m.nodes.find((n) => n.kind === 'house' && n.id.startsWith('pod:payments/payment'))!;
    expect(paymentHouse.fence).toEqual({ ingress: true, egress: false });
    const redisDenied = m.edges.find((e) => e.target.includes('redis') && e.observed === 'denied')!;
    expect(redisDenied.predicted).toBe('allowed');
    expect(redisDenied.flags).toContain('mismatch');
  });

  it('aggregates district roads for the zoomed-out view', () => {
    const m = buildMapModel(demoSnapshot());
    expect(m.districtRoads!.some((e) => e.source === 'ns:shop' && e.target === 'ns:payments')).toBe(true);
  });

  it('draws predicted roads of every governed pair from the full matrix, however big the city (no silent cut)', () => {
    const s = generateScenario({ seed: 3, namespaces: 40, pods: 1200, policies: 60, flows: 500 });
    const fenced = new Set(s.pods.filter((_, i) => i % 3 === 0).map((p) => podId(p.namespace, p.name)));
    const wls = [...new Set(s.pods.map((p) => workloadOfPod(p)))];
    expect(wls.length).toBeGreaterThan(150);
    const pairs: [string, string][] = [];
    wls.forEach((a, i) => pairs.push([a, wls[(i * 7 + 1) % wls.length]]));
    const view: PolicyView = {
      fences: (pod) => ({ ingress: { isolated: fenced.has(pod), by: [] }, egress: { isolated: false, by: [] } }),
      verdict: () => 'allowed',
      forEachConnection: (fn) => pairs.forEach(([a, b]) => fn(a, b, { TCP: '8080', UDP: '', SCTP: '' })),
    };
    const m = buildMapModel(s, { policy: view, budget: { blockRoads: 50, districtRoads: 20 } });
    const full = buildMapModel(s, { policy: view, budget: { blockRoads: 1e6, districtRoads: 1e6 } });
    const rep = (wl: string) => s.pods.find((p) => workloadOfPod(p) === wl)!;
    const governed = pairs.filter(([a, b]) => a !== b && fenced.has(podId(rep(b).namespace, rep(b).name)));
    const observed = full.edges.filter((e) => e.kind === 'road' && !e.flags.includes('possible'));
    const observedPairs = new Set(observed.map((e) => `${e.source}->${e.target}`));
    const expected = governed.filter(([a, b]) => !observedPairs.has(`${a}->${b}`)).length;
    expect(expected).toBeGreaterThan(50);
    const b = m.roadBudget!;
    expect(b.complete).toBe(true);
    expect(b.blocks.total).toBe(observed.length + expected);
    expect(b.blocks.shown).toBe(50);
    expect(m.edges.filter((e) => e.kind === 'road')).toHaveLength(50);
    // District roads count every workload pair behind them, shown or not.
    expect(b.districts.shown).toBe(Math.min(20, b.districts.total));
    expect(full.edges.filter((e) => e.flags.includes('possible'))).toHaveLength(expected);
    const crossing = full.edges.filter((e) => e.kind === 'road' && e.source.split('/')[0] !== e.target.split('/')[0]);
    expect(full.districtRoads!.reduce((n, e) => n + e.pairs!, 0)).toBe(crossing.length);
    expect(full.roadBudget!.districts.total).toBe(full.districtRoads!.length);
  });

  it('marks district roads with allowed and denied pairs as mixed, with counts', () => {
    const s = demoSnapshot();
    const view: PolicyView = {
      fences: () => ({ ingress: { isolated: true, by: [] }, egress: { isolated: false, by: [] } }),
      verdict: () => 'allowed',
      forEachConnection: (fn) => fn(workloadId('shop', 'Deployment', 'cart'), workloadId('payments', 'Deployment', 'payment'), { TCP: '8443', UDP: '', SCTP: '' }),
    };
    const m = buildMapModel(s, { policy: view });
    const road = m.districtRoads!.find((e) => e.source === 'ns:shop' && e.target === 'ns:payments')!;
    expect(road.mix!.allowed).toBeGreaterThan(0);
    expect(road.mix!.denied).toBeGreaterThan(0);
    expect(road.flags).toContain('mixed');
    expect(road.pairs).toBe(road.mix!.allowed + road.mix!.denied + road.mix!.unknown);
    expect(road.label).toBe(`${road.pairs} roads`);
  });

  it('says when predicted roads are still being computed', () => {
    const m = buildMapModel(demoSnapshot(), { roadsPending: true });
    expect(m.roadBudget!.complete).toBe(false);
  });
});

describe('toWireMap', () => {
  it('is the map without road keys and layout memory, everything else as it is', () => {
    const m = buildMapModel(demoSnapshot());
    expect(m.edges.some((e) => e.roadKeys.length > 0)).toBe(true);
    const w = toWireMap(m);
    expect(w.edges.every((e) => !('roadKeys' in e))).toBe(true);
    expect((w.districtRoads ?? []).every((e) => !('roadKeys' in e))).toBe(true);
    expect('layout' in w).toBe(false);
    expect(w.edges.map((e) => e.id)).toEqual(m.edges.map((e) => e.id));
    expect(w.nodes).toBe(m.nodes);
    expect(w.edges[0]).toEqual(Object.fromEntries(Object.entries(m.edges[0]).filter(([k]) => k !== 'roadKeys')));
  });
});
