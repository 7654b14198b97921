import { describe, expect, it } from 'vitest';
import type { WireEdge, WireMapModel, MapNode } from '../../../main/map/model';
import { classesOf, fixedClasses, modelIndex, widthOf, type ClassContext } from './element-classes';
import { DEFAULT_OVERLAYS, NO_FILTERS } from './overlays';
import { edgeElement, labelElement, nodeElement } from './elements';

const node = (id: string, kind: MapNode['kind'], parent?: string, label = id): MapNode => ({ id, kind, parent, label, x: 0, y: 0, w: 1, h: 1, meta: {}, flags: [] });
const road = (id: string, source: string, target: string, over: Partial<WireEdge> = {}): WireEdge => ({
  id,
  kind: 'road',
  source,
  target,
  label: 'TCP 80',
  protocols: ['TCP'],
  ports: [80],
  volume: 3,
  dropped: 0,
  flags: [],
  ...over,
});

const nodes = [
  node('ns:a', 'district', undefined, 'a'),
  node('ns:b', 'district', undefined, 'b'),
  node('wl:a/Deployment/x', 'block', 'ns:a', 'x'),
  node('wl:b/Deployment/y', 'block', 'ns:b', 'y'),
  node('pod:a/x-1', 'house', 'wl:a/Deployment/x', 'x-1'),
];
const denied = road('road:x->y:denied', 'wl:a/Deployment/x', 'wl:b/Deployment/y', { observed: 'denied', predicted: 'allowed', flags: ['mismatch'] });
const allowed = road('road:y->x:allowed', 'wl:b/Deployment/y', 'wl:a/Deployment/x', { predicted: 'allowed' });
const droad = road('droad:ns:a->ns:b', 'ns:a', 'ns:b', { observed: 'denied', pairs: 1 });
const model = { nodes, edges: [denied, allowed], districtRoads: [droad] } as unknown as WireMapModel;
const byId = new Map(nodes.map((n) => [n.id, n]));

const ctx = (over: Partial<ClassContext> = {}): ClassContext => ({ overlays: DEFAULT_OVERLAYS, filters: NO_FILTERS, level: 'blocks', ...modelIndex(model), ...over });
const classes = (def: ReturnType<typeof nodeElement>, c: ClassContext) => classesOf(def.data.id as string, def.group!, fixedClasses(def.group!, def.classes as string), c);

describe('classesOf', () => {
  it('gives a road its verdict, evidence and mismatch marks from the overlays', () => {
    const def = edgeElement(denied, byId);
    expect(classes(def, ctx())).toEqual(expect.arrayContaining(['road', 'broad', 'v-denied', 'e-observed', 'mismatch']));
    const policyOnly = classes(def, ctx({ overlays: { ...DEFAULT_OVERLAYS, flows: false, probes: false } }));
    expect(policyOnly).toEqual(expect.arrayContaining(['v-allowed', 'e-predicted', 'mismatch']));
    expect(classes(def, ctx({ overlays: { ...DEFAULT_OVERLAYS, policy: false, probes: false } }))).not.toContain('mismatch');
  });

  it('hides roads the verdict filter leaves out, and their labels with them', () => {
    const only = ctx({ filters: { ...NO_FILTERS, verdicts: ['denied'] } });
    expect(classes(edgeElement(denied, byId), only)).not.toContain('hidden');
    expect(classes(edgeElement(allowed, byId), only)).toContain('hidden');
    const label = labelElement({ road: allowed.id, text: 'TCP 80', x: 0, y: 0, w: 10, h: 5 } as never, 'blocks');
    expect(classes(label, only)).toContain('hidden');
    expect(classes(label, ctx())).not.toContain('hidden');
  });

  it('shows each zoom level its own layer: district roads at districts, block roads and blocks below', () => {
    const district = nodeElement(nodes[0]);
    const block = nodeElement(nodes[2]);
    const house = nodeElement(nodes[4]);
    const d = ctx({ level: 'districts' });
    expect(classes(edgeElement(droad, byId, true), d)).not.toContain('lvl-hidden');
    expect(classes(edgeElement(denied, byId), d)).toContain('lvl-hidden');
    expect(classes(block, d)).toContain('lvl-hidden');
    expect(classes(district, d)).toEqual(expect.arrayContaining(['level-districts']));
    const b = ctx({ level: 'blocks' });
    expect(classes(edgeElement(droad, byId, true), b)).toContain('lvl-hidden');
    expect(classes(block, b)).not.toContain('lvl-hidden');
    expect(classes(house, b)).toContain('lvl-hidden');
    expect(classes(house, ctx({ level: 'houses' }))).not.toContain('lvl-hidden');
    expect(classes(district, b)).not.toContain('level-districts');
  });

  it('fades what is outside the focus, marks diff changes and fences with the policy overlay', () => {
    const c = ctx({ keep: new Set(['ns:a']), diff: { added: new Set(['ns:b']), removed: new Set(), changed: new Set() } });
    expect(classes(nodeElement(nodes[0]), c)).not.toContain('faded');
    expect(classes(nodeElement(nodes[1]), c)).toEqual(expect.arrayContaining(['faded', 'diff-added']));
    expect(classes(nodeElement(nodes[4]), ctx({ level: 'houses' }))).toContain('fences-on');
    expect(classes(nodeElement(nodes[4]), ctx({ level: 'houses', overlays: { ...DEFAULT_OVERLAYS, policy: false } }))).not.toContain('fences-on');
  });

  it('hides places outside a namespace filter', () => {
    const c = ctx({ filters: { ...NO_FILTERS, namespaces: ['a'] } });
    expect(classes(nodeElement(nodes[2]), c)).not.toContain('hidden');
    expect(classes(nodeElement(nodes[3]), c)).toContain('hidden');
  });

  it('gives the same classes for the same view (so the map view touches nothing when nothing changed)', () => {
    const def = edgeElement(denied, byId);
    expect(classes(def, ctx())).toEqual(classes(def, ctx()));
  });
});

describe('widthOf', () => {
  it('draws roads by volume with the flows overlay on, uniformly without it', () => {
    expect(widthOf(5, DEFAULT_OVERLAYS)).toBe(5);
    expect(widthOf(5, { ...DEFAULT_OVERLAYS, flows: false })).toBe(2);
  });
});
