import { describe, expect, it } from 'vitest';
import type { WireEdge, WireMapModel, MapNode } from '../../../main/map/model';
import { DEFAULT_OVERLAYS, NO_FILTERS, edgeLook, edgePasses, levelForZoom, pickRoad, roadRank, visibleCounts } from './overlays';

const edge = (over: Partial<WireEdge>): WireEdge => ({
  id: 'e',
  kind: 'road',
  source: 'wl:a/Deployment/x',
  target: 'wl:b/Deployment/y',
  label: 'TCP 80',
  protocols: ['TCP'],
  ports: [80],
  volume: 10,
  dropped: 0,
  flags: [],
  ...over,
});
const node = (id: string, kind: MapNode['kind'], parent?: string, label = id): MapNode => ({ id, kind, parent, label, x: 0, y: 0, w: 1, h: 1, meta: {}, flags: [] });

describe('edgeLook', () => {
  it('draws the observed verdict when flows are on, else the probe, else the prediction', () => {
    const e = edge({ observed: 'denied', predicted: 'allowed', probed: 'ok' });
    expect(edgeLook(e, DEFAULT_OVERLAYS)).toMatchObject({ visible: true, verdict: 'denied', evidence: 'observed', probed: true });
    expect(edgeLook(e, { ...DEFAULT_OVERLAYS, flows: false })).toMatchObject({ verdict: 'allowed', evidence: 'probed' });
    expect(edgeLook(e, { ...DEFAULT_OVERLAYS, flows: false, probes: false })).toMatchObject({ verdict: 'allowed', evidence: 'predicted' });
    expect(edgeLook(e, { ...DEFAULT_OVERLAYS, flows: false, probes: false, policy: false }).visible).toBe(false);
  });

  it('marks disagreement only when an overlay that shows it is on', () => {
    const e = edge({ observed: 'allowed', predicted: 'denied', flags: ['mismatch'] });
    expect(edgeLook(e, DEFAULT_OVERLAYS).mismatch).toBe(true);
    expect(edgeLook(e, { ...DEFAULT_OVERLAYS, policy: false, probes: false }).mismatch).toBe(false);
  });

  it('shows a blocked probe as denied', () => {
    expect(edgeLook(edge({ probed: 'blocked' }), DEFAULT_OVERLAYS)).toMatchObject({ verdict: 'denied', evidence: 'probed' });
  });
});

describe('filters', () => {
  const nodes = new Map([
    ['ns:a', node('ns:a', 'district', undefined, 'a')],
    ['ns:b', node('ns:b', 'district', undefined, 'b')],
    ['wl:a/Deployment/x', node('wl:a/Deployment/x', 'block', 'ns:a')],
    ['wl:b/Deployment/y', node('wl:b/Deployment/y', 'block', 'ns:b')],
  ]);
  const e = edge({ observed: 'allowed' });
  const look = edgeLook(e, DEFAULT_OVERLAYS);
  it('keeps roads touching a chosen namespace', () => {
    expect(edgePasses(e, look, { ...NO_FILTERS, namespaces: ['b'] }, nodes)).toBe(true);
    expect(edgePasses(e, look, { ...NO_FILTERS, namespaces: ['c'] }, nodes)).toBe(false);
  });
  it('filters by verdict, protocol and port', () => {
    expect(edgePasses(e, look, { ...NO_FILTERS, verdicts: ['denied'] }, nodes)).toBe(false);
    expect(edgePasses(e, look, { ...NO_FILTERS, protocol: 'UDP' }, nodes)).toBe(false);
    expect(edgePasses(e, look, { ...NO_FILTERS, port: '80' }, nodes)).toBe(true);
    expect(edgePasses(e, look, { ...NO_FILTERS, port: '443' }, nodes)).toBe(false);
  });
  it('counts what a model shows', () => {
    const model = { nodes: [...nodes.values()], edges: [e, edge({ id: 'd', observed: 'denied' })] } as unknown as WireMapModel;
    expect(visibleCounts(model, DEFAULT_OVERLAYS, NO_FILTERS)).toEqual({ nodes: 4, edges: 2, deniedRoads: 1 });
  });
});

describe('semantic zoom', () => {
  it('goes from districts to blocks to houses as you zoom in', () => {
    // Relative to the city: a district 250 units wide is readable from 160 px on screen.
    expect(levelForZoom(0.5, 250)).toBe('districts');
    expect(levelForZoom(0.45, 400)).toBe('blocks');
    expect(levelForZoom(1, 250)).toBe('houses');
    // Bigger districts reach the block level sooner.
    expect(levelForZoom(0.3, 1200)).toBe('blocks');
    expect(levelForZoom(0.3, 250)).toBe('districts');
  });
});

import { peerName, roadName } from './names';
describe('names', () => {
  it('reads peer ids as people do', () => {
    expect(peerName('wl:shop/Deployment/cart')).toBe('shop/cart (Deployment)');
    expect(peerName('pod:shop/cart-1')).toBe('shop/cart-1');
    expect(peerName('world')).toBe('world');
    expect(roadName('wl:a/Job/x → dns:api.stripe.com TCP 443')).toBe('a/x (Job) → api.stripe.com TCP 443');
  });
});

describe('pickRoad', () => {
  // Two roads bundled on one street (x = 230 from y 270 to 570), one denied, one a predicted possible road.
  const denied = { id: 'denied', route: [205, 270, 230, 270, 230, 570, 360, 570], rank: roadRank({ mismatch: false, denied: true, mixed: false }) };
  const possible = { id: 'possible', route: [100, 570, 230, 570, 230, 270, 570, 270], rank: roadRank({ mismatch: false, denied: false, mixed: false }) };
  it('on a shared street, picks the most telling road whichever the canvas hit', () => {
    expect(pickRoad([denied, possible], 230.4, 500, 6, 'possible')).toBe('denied');
    expect(pickRoad([denied, possible], 230, 500, 6, 'denied')).toBe('denied');
  });
  it('where the roads part, the road under the pointer is picked even if it ranks lower', () => {
    expect(pickRoad([denied, possible], 400, 270, 6, 'possible')).toBe('possible');
  });
  it('a mismatch outranks a denied road; equals keep the hit one', () => {
    const mismatch = { ...possible, id: 'mismatch', rank: roadRank({ mismatch: true, denied: false, mixed: false }) };
    expect(pickRoad([denied, mismatch], 230, 400, 6, 'denied')).toBe('mismatch');
    const other = { ...denied, id: 'other' };
    expect(pickRoad([denied, other], 230, 400, 6, 'other')).toBe('other');
  });
});
