import { describe, expect, it } from 'vitest';
import { fixtureMap } from '../../test/support/export/fixture.js';
import { parseXml, type XDocument } from '../../test/support/export/xml.js';
import { selectMap, SelectionError } from './selection.js';
import { renderSvg, type SvgOptions } from './svg.js';

const header: SvgOptions['header'] = { title: 'Fixture', lines: ['cluster kind-fixture'] };

const parseSvg = (svg: string) => parseXml(svg);

const ids = (doc: XDocument, selector: string) => [...doc.querySelectorAll(selector)].map((e) => e.getAttribute('data-id'));

describe('renderSvg', () => {
  it('is well-formed XML holding every district, block, house and road of the map', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header }));
    expect(doc.documentElement.tagName).toBe('svg');
    expect(ids(doc, 'g.district')).toEqual(['ns:shop', 'ns:payments']);
    expect(ids(doc, 'g.block')).toHaveLength(4);
    expect(ids(doc, 'g.house')).toHaveLength(5);
    expect(ids(doc, 'g.highway')).toEqual(['svc:shop/cart']);
    expect(ids(doc, 'g.outskirt')).toEqual(['world', 'ip:203.0.113.77/32']);
    expect(ids(doc, 'g.road').sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(ids(doc, 'g.highway-link')).toEqual(['h1']);
  });

  it('styles roads by verdict: solid allowed, dashed denied with a bar, dotted unknown', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header }));
    const road = (id: string) => doc.querySelector(`g.road[data-id="${id}"]`)!;
    expect(road('e1').getAttribute('class')).toBe('road allowed');
    expect(road('e1').querySelector('line')!.hasAttribute('stroke-dasharray')).toBe(false);
    expect(road('e3').getAttribute('class')).toBe('road denied');
    expect(road('e3').querySelector('line')!.getAttribute('stroke-dasharray')).toMatch(/^\d/);
    expect(road('e3').querySelector('line.bar')).not.toBeNull();
    expect(road('e1').querySelector('line.bar')).toBeNull();
    expect(road('e1').querySelector('line')!.getAttribute('marker-end')).toBe('url(#end-allowed)');
    expect(road('e3').querySelector('line')!.hasAttribute('marker-end')).toBe(false);
    // Volume sets width: 5000 flows draw wider than 300.
    const width = (id: string) => Number(road(id).querySelector('line')!.getAttribute('stroke-width'));
    expect(width('e5')).toBeGreaterThan(width('e2'));
  });

  it('marks each evidence source with its own shape', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header }));
    const marks = (id: string) => doc.querySelector(`g[data-road="${id}"]`)!;
    expect(marks('e5').querySelector('.mark-predicted')).not.toBeNull();
    expect(marks('e5').querySelector('.mark-observed')).not.toBeNull();
    expect(marks('e5').querySelector('.mark-probed.ok')).not.toBeNull();
    expect(marks('e4').querySelector('.mark-probed.mismatch')).not.toBeNull();
    expect(marks('e4').querySelector('.mark-observed')).toBeNull();
  });

  it('draws ingress, egress and two-way fences differently, only where a house is isolated', () => {
    const map = fixtureMap();
    const doc = parseSvg(renderSvg(map, { header }));
    const house = (id: string) => doc.querySelector(`g.house[data-id="${id}"]`)!;
    const fe = house('pod:shop/frontend-7f9c4-zqx2p');
    expect(fe.querySelector('.fence-ingress rect')!.hasAttribute('stroke-dasharray')).toBe(false);
    expect(house('pod:shop/cart-55d6b-q1w2e').querySelectorAll('.fence-both rect')).toHaveLength(2);
    map.nodes.find((n) => n.id === 'pod:shop/db-0')!.fence = { ingress: false, egress: true };
    const egress = parseSvg(renderSvg(map, { header })).querySelector('g.house[data-id="pod:shop/db-0"] .fence-egress rect')!;
    expect(egress.getAttribute('stroke-dasharray')).toMatch(/^\d/);
    const db = house('pod:shop/db-0');
    expect(db.querySelector('[class^=fence]')).toBeNull();
    expect(db.getAttribute('class')).toBe('house failed');
  });

  it('follows the overlays: without flows, roads take the predicted verdict and the legend drops volume', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header, overlays: { flows: false, probes: false } }));
    expect(doc.querySelector('g.road[data-id="e2"]')!.getAttribute('class')).toBe('road unknown');
    expect(doc.querySelector('g.road[data-id="e2"] line')!.getAttribute('marker-end')).toBe('url(#end-unknown)');
    expect(doc.querySelector('.mark-probed')).toBeNull();
    expect(doc.querySelector('.legend')!.textContent).not.toContain('observed flows');
    const all = parseSvg(renderSvg(fixtureMap(), { header }));
    expect(all.querySelector('.legend')!.textContent).toContain('width = observed flows');
  });

  it('hides roads that no active overlay has evidence for', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header, overlays: { policy: false, flows: false, probes: true } }));
    expect(ids(doc, 'g.road').sort()).toEqual(['e4', 'e5']);
  });

  it('carries title, header lines and a legend with every road style', () => {
    const doc = parseSvg(renderSvg(fixtureMap(), { header: { title: 'Incident 42', lines: ['cluster prod', '2026-11-27 20:00 UTC – 21:00 UTC'], badge: 'REDACTED' } }));
    const text = doc.querySelector('.header')!.textContent;
    expect(text).toContain('Incident 42');
    expect(text).toContain('cluster prod');
    expect(text).toContain('REDACTED');
    const legend = doc.querySelector('.legend')!.textContent!;
    for (const word of ['allowed', 'denied', 'unknown', 'predicted', 'observed', 'probed', 'fenced for ingress', 'fenced for egress', 'fenced both ways', 'district']) expect(legend).toContain(word);
  });

  it('escapes markup in titles, labels and metadata', () => {
    const map = fixtureMap();
    map.nodes[0].label = 'a<b>&"c\'';
    map.nodes[0].meta = { note: '</title><script>alert(1)</script>' };
    const svg = renderSvg(map, { header: { title: 'x & <y>', lines: ['"quoted"'] } });
    const doc = parseSvg(svg);
    expect(doc.querySelector('script')).toBeNull();
    expect(doc.querySelector('g.district-labels text')!.textContent).toBe('a<b>&"c\'');
    expect(doc.querySelector('svg > title')!.textContent).toBe('x & <y>');
  });

  it('renders an empty map as a valid document with a legend', () => {
    const map = { ...fixtureMap(), nodes: [], edges: [], bounds: { x: 0, y: 0, w: 0, h: 0 } };
    const doc = parseSvg(renderSvg(map, { header }));
    expect(doc.querySelector('.legend')).not.toBeNull();
    expect(doc.querySelectorAll('g.road')).toHaveLength(0);
  });
});

describe('road level', () => {
  const withDistrictRoads = () => {
    const map = fixtureMap();
    map.districtRoads = [
      { id: 'droad:ns:shop->ns:payments:denied', kind: 'road', source: 'ns:shop', target: 'ns:payments', label: '2 roads', protocols: ['TCP'], ports: [8443], observed: 'denied', volume: 42, dropped: 42, roadKeys: [], flags: [] },
      { id: 'droad:ns:shop->ns:payments:allowed', kind: 'road', source: 'ns:shop', target: 'ns:payments', label: '1 roads', protocols: ['TCP'], ports: [8443], observed: 'allowed', volume: 5, dropped: 0, roadKeys: [], flags: [] },
    ];
    return map;
  };

  it('draws district roads when asked, in separate lanes, and says so in the header', () => {
    const doc = parseSvg(renderSvg(withDistrictRoads(), { header: { title: 't', lines: ['a', 'b'] }, roads: 'districts' }));
    expect(ids(doc, 'g.road').sort()).toEqual(['droad:ns:shop->ns:payments:allowed', 'droad:ns:shop->ns:payments:denied']);
    const y = (id: string) => doc.querySelector(`g.road[data-id="${id}"] line`)!.getAttribute('y1');
    expect(y('droad:ns:shop->ns:payments:allowed')).not.toBe(y('droad:ns:shop->ns:payments:denied'));
    expect(doc.querySelector('.header')!.textContent).toContain('roads aggregated between districts (5 workload roads)');
  });

  it('says in the header what a drawing budget left out', () => {
    const map = withDistrictRoads();
    map.roadBudget = { complete: true, predicted: true, blocks: { shown: 5, total: 48_000 }, districts: { shown: 2, total: 2314 } };
    const blocks = parseSvg(renderSvg(map, { header, roads: 'blocks' }));
    expect(blocks.querySelector('.header')!.textContent).toContain('5 of 48,000 roads shown — filter to see the rest');
    const districts = parseSvg(renderSvg(map, { header, roads: 'districts' }));
    expect(districts.querySelector('.header')!.textContent).toContain('2 of 2,314 district roads shown');
    map.roadBudget = { ...map.roadBudget, complete: false };
    expect(parseSvg(renderSvg(map, { header })).querySelector('.header')!.textContent).toContain('predicted roads not computed yet');
  });

  it('auto keeps block roads for a small city', () => {
    const doc = parseSvg(renderSvg(withDistrictRoads(), { header }));
    expect(ids(doc, 'g.road')).toHaveLength(5);
  });
});

describe('selectMap', () => {
  it('keeps the selected block, what is inside it, its roads, their far ends and the framing districts', () => {
    const sel = selectMap(fixtureMap(), ['wl:payments/Deployment/payapi']);
    const nodeIds = sel.nodes.map((n) => n.id);
    expect(nodeIds).toContain('pod:payments/payapi-6c8d9-hh3jj');
    expect(nodeIds).toContain('wl:shop/Deployment/cart');
    expect(nodeIds).toContain('ns:shop');
    expect(nodeIds).not.toContain('wl:shop/StatefulSet/db');
    expect(sel.edges.map((e) => e.id).sort()).toEqual(['e3', 'e4']);
    expect(sel.counts.roads).toBe(2);
    const doc = parseSvg(renderSvg(sel, { header }));
    expect(ids(doc, 'g.road').sort()).toEqual(['e3', 'e4']);
  });

  it('names unknown ids and what ids look like', () => {
    expect(() => selectMap(fixtureMap(), ['wl:nope/Deployment/x'])).toThrow(SelectionError);
    expect(() => selectMap(fixtureMap(), ['wl:nope/Deployment/x'])).toThrow(/'wl:nope\/Deployment\/x' not in the map .*ns:shop/);
  });
});
