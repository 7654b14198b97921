import { describe, expect, it } from 'vitest';
import { fixtureMap, fixtureSnapshot } from '../../test/support/export/fixture.js';
import { parseHtml } from '../../test/support/export/xml.js';
import { computeReportFacts } from './report-facts.js';
import { renderReportHtml } from './report.js';
import { renderSvg } from './svg.js';

describe('computeReportFacts', () => {
  const s = fixtureSnapshot();
  const facts = computeReportFacts(s, fixtureMap(), s.roads);

  it('lists workloads with houses no policy fences for ingress', () => {
    expect(facts.unprotected.map((u) => `${u.namespace}/${u.name}`)).toEqual(['shop/db']);
    expect(facts.unprotected[0]).toMatchObject({ pods: 1, open: ['ingress', 'egress'], source: 'map' });
  });

  it('ranks denied flows by count and names their reasons', () => {
    expect(facts.deniedFlows).toHaveLength(1);
    expect(facts.deniedFlows[0]).toMatchObject({ src: 'shop/cart', dst: 'payments/payapi', port: 8443, count: 42, reasons: 'POLICY_DENIED (42)' });
    expect(facts.deniedFlowsTotal).toBe(1);
  });

  it('lists roads whose probe disagrees, and mismatch findings not already on the map', () => {
    const rows = facts.mismatches.map((m) => `${m.src} → ${m.dst}`);
    expect(rows[0]).toBe('shop/frontend → payments/payapi');
    expect(facts.mismatches[0]).toMatchObject({ predicted: 'denied', probed: 'probe mismatch' });
    expect(facts.mismatches.some((m) => m.src === 'Probe reached payapi although policy denies it')).toBe(true);
  });

  it('groups policies per namespace, including namespaces with none', () => {
    expect(facts.policies.map((p) => [p.namespace, p.total])).toEqual([['payments', 1], ['shop', 1]]);
    const empty = computeReportFacts({ ...s, namespaces: [...s.namespaces, { name: 'bare', labels: {} }] }, fixtureMap(), s.roads);
    expect(empty.policies.find((p) => p.namespace === 'bare')).toEqual({ namespace: 'bare', byKind: [], total: 0 });
  });

  it('puts critical findings first', () => {
    expect(facts.findings.map((f) => f.severity)).toEqual(['critical', 'warning']);
  });
});

describe('renderReportHtml', () => {
  const s = fixtureSnapshot();
  const html = renderReportHtml({
    title: 'Review <2026>', snapshot: s, facts: computeReportFacts(s, fixtureMap(), s.roads),
    svg: renderSvg(fixtureMap(), { header: { title: 't', lines: [] } }), redacted: true, generatedAt: 0, maxRows: 1,
  });
  const doc = parseHtml(html);

  it('is one self-contained document: inline SVG and CSS, no scripts, a CSP forbidding requests', () => {
    expect(doc.querySelector('meta[http-equiv="Content-Security-Policy"]')!.getAttribute('content')).toContain("default-src 'none'");
    expect(doc.querySelector('script')).toBeNull();
    expect(doc.querySelector('link')).toBeNull();
    expect(doc.querySelector('figure.map svg g.district')).not.toBeNull();
    expect(html).not.toContain('<?xml');
  });

  it('escapes snapshot text and marks a redacted report', () => {
    expect(doc.querySelector('h1')!.textContent).toBe('Review <2026>');
    expect(html).toContain('fixture &lt;shop&gt; &amp; &quot;payments&quot;');
    expect(doc.querySelector('.badge')!.textContent).toBe('REDACTED');
  });

  it('bounds long tables and says how many rows were left out', () => {
    expect(doc.querySelector('section.first .more')!.textContent).toContain('and 1 more');
  });

  it('states road builder enforcement plainly', () => {
    const text = doc.querySelector('body')!.textContent!;
    expect(text).toContain('enforces NetworkPolicy');
    const off = renderReportHtml({ title: 't', snapshot: { ...s, roadBuilder: { ...s.roadBuilder, enforcesNetworkPolicy: false } }, facts: computeReportFacts(s, fixtureMap(), s.roads), svg: '<svg/>', redacted: false, generatedAt: 0 });
    expect(off).toContain('NO: policies are not enforced');
  });
});
