/**
 * Verdicts honour the road builder on the map and in every export: under Flannel the demo's
 * policies have no effect, so roads they would deny are drawn "allowed — not enforced", in a style
 * of their own, and the same road is drawn the same way in SVG, DOT and Mermaid.
 */
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../support/export/xml.js';
import { City } from '../../../main/city/city.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { RoadBuilder, Snapshot } from '../../../main/model/types.js';
import { renderSvg, legendSvg } from '../../../main/export/svg.js';
import { renderDot } from '../../../main/export/dot.js';
import { renderMermaid } from '../../../main/export/mermaid.js';
import { UNENFORCED_STYLE, VERDICT_STYLES } from '../../../main/map/style.js';

const FLANNEL: RoadBuilder = { name: 'flannel', version: '0.26.1', enforcesNetworkPolicy: false, policyKinds: [], flowSources: ['probe'], details: {}, evidence: ['test'] };

function withRoadBuilder(rb: RoadBuilder): Snapshot {
  return { ...demoSnapshot(), roadBuilder: rb };
}
const mapOf = (s: Snapshot) => new City({ id: 't', kind: 'snapshot', snapshot: s }).firstMap().model;
const REC = 'wl:shop/Deployment/recommendation';
const PAY = 'wl:payments/Deployment/payment';

describe('roads under a road builder that does not enforce policies', () => {
  it('draws what the policies would deny as allowed and unenforced (Flannel), and as denied where policies are enforced', () => {
    const enforced = mapOf(demoSnapshot());
    const road = (m: typeof enforced) => m.edges.filter((e) => e.kind === 'road' && e.source === REC && e.target === PAY);
    expect(road(enforced).length).toBeGreaterThan(0);
    for (const e of road(enforced)) {
      expect(e.predicted).toBe('denied');
      expect(e.flags).not.toContain('unenforced');
    }
    const flannel = mapOf(withRoadBuilder(FLANNEL));
    expect(road(flannel).length).toBeGreaterThan(0);
    for (const e of road(flannel)) {
      expect(e.predicted).toBe('allowed');
      expect(e.flags).toContain('unenforced');
    }
    // Predicted-only roads the fences would have closed: allowed, not enforced.
    const possible = flannel.edges.filter((e) => e.flags.includes('possible'));
    expect(possible.some((e) => e.flags.includes('unenforced'))).toBe(true);
    // A road nothing would deny stays plain allowed: recommendation (no egress fence) to the shop's open catalog is not "unenforced".
    expect(flannel.edges.filter((e) => e.flags.includes('unenforced')).every((e) => e.predicted === 'allowed')).toBe(true);
    // District roads: payments is fenced both ways, so every pair from data into it is open only because Flannel ignores that.
    const d = flannel.districtRoads!.find((e) => e.source === 'ns:data' && e.target === 'ns:payments')!;
    expect(d.flags).toContain('unenforced');
    expect(d.mix).toEqual({ allowed: 4, denied: 0, unknown: 0 });
    expect(enforced.districtRoads!.find((e) => e.source === 'ns:data' && e.target === 'ns:payments')).toBeUndefined();
    // Where Hubble saw drops, the district road is mixed (and a mismatch), not "unenforced".
    const shop = flannel.districtRoads!.find((e) => e.source === 'ns:shop' && e.target === 'ns:payments')!;
    expect(shop.flags).toEqual(expect.arrayContaining(['mixed', 'mismatch']));
    expect(shop.flags).not.toContain('unenforced');
  });

  it('a road builder that enforces only some kinds marks only the roads those kinds decide', () => {
    // Enforces Kubernetes NetworkPolicy: the demo's policies are all of that kind, so nothing is unenforced.
    const m = mapOf(withRoadBuilder({ ...FLANNEL, name: 'calico', enforcesNetworkPolicy: true, policyKinds: ['NetworkPolicy'] }));
    expect(m.edges.filter((e) => e.flags.includes('unenforced'))).toEqual([]);
    expect(m.edges.some((e) => e.predicted === 'denied')).toBe(true);
  });

  it('exports draw the same roads in the unenforced style, with a legend row for it', () => {
    const m = mapOf(withRoadBuilder(FLANNEL));
    const opts = { header: { title: 't', lines: ['a', 'b'] }, overlays: { flows: false } };
    const doc = parseXml(renderSvg(m, opts));
    const unenforcedIds = new Set(m.edges.filter((e) => e.flags.includes('unenforced') && e.kind === 'road').map((e) => e.id));
    const drawn = [...doc.querySelectorAll('g.road.unenforced')].map((g) => g.getAttribute('data-id'));
    expect(drawn.length).toBeGreaterThan(0);
    for (const id of drawn) expect(unenforcedIds.has(id!)).toBe(true);
    const line = doc.querySelector('g.road.unenforced > polyline, g.road.unenforced > line')!;
    expect(line.getAttribute('stroke')).toBe(UNENFORCED_STYLE.colour);
    expect(line.getAttribute('marker-end')).toBe('url(#end-unenforced)');
    expect(doc.querySelector('.legend')!.textContent).toContain('policy not enforced');

    const dot = renderDot(m, { title: 't', lines: [], overlays: { flows: false } });
    expect(dot).toMatch(new RegExp(`color="${UNENFORCED_STYLE.colour}", penwidth=[\\d.]+, arrowhead=empty`));
    expect(dot).toContain('policy not enforced');
    const mmd = renderMermaid(m, { title: 't', lines: [], overlays: { flows: false } });
    expect(mmd).toContain(`stroke:${UNENFORCED_STYLE.colour}`);

    // With every policy enforced, no export carries the style.
    const plain = mapOf(demoSnapshot());
    expect(renderDot(plain, { title: 't', lines: [], overlays: { flows: false } })).not.toContain(UNENFORCED_STYLE.colour);
    expect(renderSvg(plain, opts)).not.toContain('class="road allowed unenforced"');
    expect(UNENFORCED_STYLE.colour).not.toBe(VERDICT_STYLES.allowed.colour);
  });

  it('the on-screen legend lists every style the map can show: marks for diff and what-if only when shown', () => {
    const text = (svg: string) => parseXml(svg).documentElement!.textContent ?? '';
    const base = text(legendSvg(undefined, { interactive: true }));
    for (const words of ['allowed road', 'denied road', 'unknown', 'mixed', 'not enforced', 'observed (flows)', 'predicted', 'probed', 'pod running', 'pod failed', 'fenced for ingress', 'width = observed flows', 'sources disagree', 'has a finding', 'selected', 'district = namespace'])
      expect(base).toContain(words);
    expect(base).not.toContain('diff: added');
    const all = text(legendSvg(undefined, { interactive: true, diff: true, whatif: true }));
    for (const words of ['diff: added', 'diff: removed', 'diff: changed', 'what-if: newly allowed', 'what-if: newly denied']) expect(all).toContain(words);
  });
});
