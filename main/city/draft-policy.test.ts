import { describe, expect, it } from 'vitest';
import { City } from './city.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import { explainRoad } from './explain.js';
import { whatIfPreview } from '../app/whatif.js';

const city = new City({ id: 'demo', kind: 'demo', snapshot: demoSnapshot() });

describe('draft a policy that allows a denied road', () => {
  it('recommendation → payment 8443: an ingress policy in payments that what-if shows as newly allowing the road', async () => {
    const map = city.map();
    const road = map.edges.find((e) => e.source.includes('recommendation') && e.target.includes('payment') && e.observed === 'denied')!;
    const why = explainRoad(city.snapshot, map, city.engine, road.id);
    expect(why.draft && 'yaml' in why.draft).toBe(true);
    const draft = why.draft as { yaml: string; summary: string };
    expect(draft.yaml).toContain('namespace: payments');
    expect(draft.yaml).toContain('port: 8443');
    expect(draft.yaml).not.toMatch(/pod-template-hash/);
    const w = await whatIfPreview(city, draft.yaml);
    expect(w.errors).toEqual([]);
    expect(w.newlyAllowed.some((c) => c.src === road.source && c.dst === road.target && c.ports.includes('8443'))).toBe(true);
    expect(w.newlyDenied).toEqual([]);
  });

  it('an allowed road gets no draft', () => {
    const map = city.map();
    const road = map.edges.find((e) => e.observed === 'allowed' && e.source.includes('frontend') && e.target.includes('cart'))!;
    expect(explainRoad(city.snapshot, map, city.engine, road.id).draft).toBeUndefined();
  });
});
