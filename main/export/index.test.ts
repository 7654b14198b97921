import { describe, expect, it } from 'vitest';
import { fixtureMap, fixtureSnapshot } from '../../test/support/export/fixture.js';
import { exportCity, ExportError, exportFileName, type ExportProgress } from './index.js';
import type { Rasterizer } from './rasterize.js';
import { checkPngSize, findChromium, RasterizerUnavailableError } from './rasterize.js';

/** A rasteriser that records calls: exportCity's plumbing is tested without a browser. */
function fakeRasterizer(): Rasterizer & { calls: string[]; closed: number } {
  const calls: string[] = [];
  return {
    calls,
    closed: 0,
    async svgToPng(svg, o) {
      calls.push(`png ${o.width}x${o.height}@${o.scale} ${o.background} ${svg.slice(0, 5)}`);
      return Buffer.from('png');
    },
    async htmlToPdf(html) {
      calls.push(`pdf ${html.slice(0, 15)}`);
      return Buffer.from('%PDF');
    },
    async close() {
      this.closed++;
    },
  };
}

describe('exportCity', () => {
  it('reports progress from 0 to 1, ending with done', async () => {
    const seen: ExportProgress[] = [];
    await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'svg', redact: true, onProgress: (p) => seen.push(p) });
    expect(seen[0].stage).toBe('redact');
    expect(seen.at(-1)).toMatchObject({ stage: 'done', fraction: 1 });
    const fractions = seen.map((p) => p.fraction);
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
  });

  it('stops with the abort reason when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort(new Error('user cancelled'));
    await expect(exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'json', signal: ac.signal })).rejects.toThrow('user cancelled');
    const later = new AbortController();
    const p = exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'svg', redact: true, signal: later.signal, onProgress: (x) => x.stage === 'redact' && later.abort(new Error('stop')) });
    await expect(p).rejects.toThrow('stop');
  });

  it('hands PNG and PDF to the rasteriser it is given, with scale and background, and leaves it open', async () => {
    const r = fakeRasterizer();
    const png = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'png', scale: 3, background: 'transparent', rasterizer: r });
    expect(png.mime).toBe('image/png');
    expect(r.calls[0]).toMatch(/^png \d+x\d+@3 transparent <\?xml/);
    const pdf = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'pdf', rasterizer: r });
    expect(pdf.mime).toBe('application/pdf');
    expect(r.calls[1]).toBe('pdf <!DOCTYPE html>');
    expect(r.closed).toBe(0);
  });

  it('refuses bad formats and scales with what is allowed', async () => {
    await expect(exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'gif' as never })).rejects.toThrow(/unknown format 'gif' \(have: svg, png, html, pdf, dot, mermaid, csv-matrix, csv-flows, json\)/);
    await expect(exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'png', scale: 8 })).rejects.toThrow(ExportError);
    await expect(exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'png', scale: 8 })).rejects.toThrow(/use 1 to 4/);
  });

  it('uses caller findings when given (the app computes them)', async () => {
    const { data } = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'html', findings: [{ id: 'x', severity: 'critical', kind: 'cni-not-enforcing', title: 'Road builder does not enforce', detail: 'flannel' }] });
    expect(String(data)).toContain('Road builder does not enforce');
    expect(String(data)).not.toContain('shop/db is not isolated');
  });

  it('uses the time window’s roads when the caller gives them', async () => {
    const s = fixtureSnapshot();
    const { data } = await exportCity({ snapshot: s, map: fixtureMap(), format: 'csv-flows', windowRoads: [s.roads[2]] });
    expect(String(data).trim().split('\r\n')).toHaveLength(2);
    expect(String(data)).toContain('DROPPED');
  });

  it('cuts the city to a selection and names the file for it', async () => {
    const { data, fileName } = await exportCity({ snapshot: fixtureSnapshot(), map: fixtureMap(), format: 'csv-flows', selection: ['wl:shop/StatefulSet/db'], now: Date.UTC(2026, 0, 2, 3, 4) });
    expect(fileName).toBe('netcity-kind-fixture-20260102-0304-selection.flows.csv');
    const lines = String(data).trim().split('\r\n');
    expect(lines).toHaveLength(2); // header + cart -> db
    expect(lines[1]).toMatch(/^wl:shop\/Deployment\/cart,wl:shop\/StatefulSet\/db,/);
  });

  it('builds safe file names from any cluster name', () => {
    const s = { ...fixtureSnapshot(), cluster: { ...fixtureSnapshot().cluster, name: '../../etc/arn:aws:eks:x' } };
    expect(exportFileName(s, 'mermaid', 0, false)).toBe('netcity-etc-arn-aws-eks-x-19700101-0000.mmd');
  });
});

describe('rasteriser setup', () => {
  it('names what to install when no Chromium is found', () => {
    expect(() => findChromium({}, () => false)).toThrow(RasterizerUnavailableError);
    expect(() => findChromium({}, () => false)).toThrow(/apt-get install chromium.*NETCITY_CHROMIUM/);
    expect(() => findChromium({ NETCITY_CHROMIUM: '/opt/none' }, () => false)).toThrow(/NETCITY_CHROMIUM=\/opt\/none does not exist/);
    expect(findChromium({ NETCITY_CHROMIUM: '/opt/chrome' }, (p) => p === '/opt/chrome')).toBe('/opt/chrome');
    expect(findChromium({}, (p) => p === '/usr/bin/chromium')).toBe('/usr/bin/chromium');
  });

  it('refuses bitmaps Chromium cannot make, suggesting a scale that fits', () => {
    expect(() => checkPngSize({ width: 5000, height: 3000, scale: 4, background: 'white' })).toThrow(/20000x12000 px exceeds .* at most 3\.2/);
    expect(() => checkPngSize({ width: 500, height: 300, scale: 4, background: 'white' })).not.toThrow();
  });
});
