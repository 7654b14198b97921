import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import { City } from './city.js';
import { nodeDetails } from './details.js';

const city = () => new City({ id: 'demo', kind: 'demo', snapshot: demoSnapshot() });

describe('node details: peers as rows that match the map', () => {
  it('a house lists its block’s roads: the denied recommendation → payment road comes in, denied and observed', () => {
    const c = city();
    const map = c.map();
    const pod = map.nodes.find((n) => n.kind === 'house' && n.parent === 'wl:payments/Deployment/payment')!;
    const d = nodeDetails(c.snapshot, map, c.engine, pod.id);
    const rec = d.peers.find((r) => r.peer === 'wl:shop/Deployment/recommendation' && r.observed === 'denied')!;
    expect(rec).toMatchObject({ direction: 'in', peerLabel: 'shop/recommendation', predicted: 'denied', ports: 'TCP 8443' });
    expect(rec.flows).toBeGreaterThan(0);
    expect(rec.dropped).toBe(rec.flows);
    // The edge id is a road on the map, and the counts are the rows.
    expect(map.edges.some((e) => e.id === rec.edgeId)).toBe(true);
    expect(d.roadsIn).toBe(d.peers.filter((r) => r.direction === 'in').length);
    expect(d.roadsIn).toBe(map.edges.filter((e) => e.kind === 'road' && e.target === pod.parent).length);
    expect(d.roadsOut).toBe(map.edges.filter((e) => e.kind === 'road' && e.source === pod.parent).length);
    expect(d.roadsIn).toBeGreaterThan(0);
    // Most telling first: denied roads before allowed ones.
    const firstAllowed = d.peers.findIndex((r) => (r.observed ?? r.predicted) === 'allowed');
    const lastDenied = d.peers.map((r) => (r.observed ?? r.predicted) === 'denied').lastIndexOf(true);
    if (firstAllowed >= 0 && lastDenied >= 0) expect(lastDenied).toBeLessThan(firstAllowed);
  });

  it('a service lists the roads of the workloads behind it; a district its district roads', () => {
    const c = city();
    const map = c.map();
    const svc = nodeDetails(c.snapshot, map, c.engine, 'svc:payments/payment');
    expect(svc.peers.some((r) => r.peer === 'wl:shop/Deployment/recommendation' && r.direction === 'in')).toBe(true);
    expect(svc.roadsIn).toBeGreaterThan(0);
    const ns = nodeDetails(c.snapshot, map, c.engine, 'ns:payments');
    expect(ns.peers.length).toBe(map.districtRoads!.filter((e) => e.source === 'ns:payments' || e.target === 'ns:payments').length);
    expect(ns.peers.some((r) => r.peer === 'ns:shop' && r.direction === 'in')).toBe(true);
  });
});
