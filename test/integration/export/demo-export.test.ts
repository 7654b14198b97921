/**
 * The demo city through every format, as a person would get it: files land in test-results/export
 * (look at the PNGs), the report opens in Chromium and prints to a PDF with the expected pages.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { City } from '../../../main/city/city.js';
import { exportCity, EXPORT_FORMATS, type ExportFormat } from '../../../main/export/index.js';
import { ChromiumRasterizer } from '../../../main/export/rasterize.js';
import type { MapModel } from '../../../main/map/model.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { Snapshot } from '../../../main/model/types.js';
import { parseHtml, parseXml } from '../../support/export/xml.js';

const OUT = 'test-results/export';
const raster = new ChromiumRasterizer();
let snapshot: Snapshot;
let map: MapModel;
const NOW = Date.UTC(2026, 10, 27, 22, 0, 0);

beforeAll(() => {
  mkdirSync(OUT, { recursive: true });
  // The city the app opens (policy engine, findings, map model), as `netcity export --demo` draws it.
  const city = new City({ id: 'demo', kind: 'demo', snapshot: demoSnapshot() });
  snapshot = city.snapshot;
  map = city.map();
});
afterAll(() => raster.close());

const run = (format: ExportFormat, extra: Partial<Parameters<typeof exportCity>[0]> = {}) =>
  exportCity({ snapshot, map, format, rasterizer: raster, now: NOW, ...extra });

function pdfText(pdf: string, page: number): string {
  return execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', pdf, '-'], { encoding: 'utf8' });
}

describe('demo city exports', () => {
  it('SVG holds every district and road of the map and a legend', async () => {
    const { data, mime, fileName } = await run('svg');
    expect(mime).toBe('image/svg+xml');
    expect(fileName).toMatch(/^netcity-demo-20261127-2200\.svg$/);
    writeFileSync(`${OUT}/demo.svg`, data);
    const doc = parseXml(String(data));
    const districts = [...doc.querySelectorAll('g.district')].map((g) => g.getAttribute('data-id')).sort();
    expect(districts).toEqual(map.nodes.filter((n) => n.kind === 'district').map((n) => n.id).sort());
    expect(doc.querySelectorAll('g.road').length).toBe(map.edges.filter((e) => e.kind === 'road').length);
    expect(doc.querySelectorAll('g.road.denied').length).toBeGreaterThan(0);
    expect(doc.querySelector('.legend')).not.toBeNull();
  });

  it('PNG at 1x white and 2x transparent', async () => {
    const one = await run('png', { scale: 1 });
    const two = await run('png', { scale: 2, background: 'transparent' });
    writeFileSync(`${OUT}/demo@1x.png`, one.data);
    writeFileSync(`${OUT}/demo@2x-transparent.png`, two.data);
    const b1 = one.data as Buffer, b2 = two.data as Buffer;
    expect(b2.readUInt32BE(16)).toBe(b1.readUInt32BE(16) * 2);
    // PNG colour type: a transparent background needs an alpha channel (6 = RGBA).
    expect(b2[25]).toBe(6);
    expect([2, 6]).toContain(b1[25]);
  });

  it('HTML report is self-contained and shows map and findings in Chromium', async () => {
    const { data } = await run('html');
    const html = String(data);
    writeFileSync(`${OUT}/demo-report.html`, html);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/<script/i);
    const doc = parseHtml(html);
    const headings = [...doc.querySelectorAll('h2')].map((h) => h.textContent);
    expect(headings).toEqual(expect.arrayContaining(['Findings', 'Unprotected workloads', 'Top denied flows', 'Probe mismatches', 'Policies per namespace', 'Road builder (CNI)', 'Snapshot']));
    expect(doc.querySelector('figure.map svg')).not.toBeNull();
    const png = await raster.htmlToPng(html, { width: 1280, height: 900 });
    writeFileSync(`${OUT}/demo-report.png`, png);
    expect(png.readUInt32BE(20)).toBeGreaterThan(900); // full page: taller than one screen
  });

  it('PDF report: the map on page 1, findings from page 2', async () => {
    const { data, mime } = await run('pdf');
    expect(mime).toBe('application/pdf');
    const file = `${OUT}/demo-report.pdf`;
    writeFileSync(file, data);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = Number(info.match(/Pages:\s+(\d+)/)![1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pdfText(file, 1)).toContain(snapshot.name);
    expect(pdfText(file, 1)).toMatch(/Legend|Roads/);
    expect(pdfText(file, 2)).toContain('Findings');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '2', file, `${OUT}/demo-report-page`]);
    expect(readFileSync(`${OUT}/demo-report-page-1.png`).subarray(1, 4).toString()).toBe('PNG');
  });

  it('every text format is produced for the demo city', async () => {
    for (const format of EXPORT_FORMATS) {
      if (format === 'png' || format === 'pdf') continue;
      const { data, fileName } = await run(format);
      expect(String(data).length, format).toBeGreaterThan(100);
      writeFileSync(`${OUT}/demo.${fileName.split('.').slice(1).join('.')}`, data);
    }
    execFileSync('dot', ['-Tpng', '-o', `${OUT}/demo-dot.png`, `${OUT}/demo.dot`]);
  });

  it('redacted: no pod name, node name or IP of the demo city in the PDF text, HTML, SVG or JSON', async () => {
    const secrets = [
      ...snapshot.pods.map((p) => p.name),
      ...snapshot.pods.flatMap((p) => p.ips),
      ...snapshot.services.flatMap((s) => s.clusterIPs),
      ...snapshot.nodes.flatMap((n) => [n.name, ...n.addresses.map((a) => a.address)]),
    ].filter((v) => v && v !== 'None');
    expect(secrets.length).toBeGreaterThan(20);
    const pdf = await run('pdf', { redact: true });
    const file = `${OUT}/demo-report-redacted.pdf`;
    writeFileSync(file, pdf.data);
    const pages = Number(execFileSync('pdfinfo', [file], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1]);
    const text = Array.from({ length: pages }, (_, i) => pdfText(file, i + 1)).join('\n');
    expect(text).toContain('REDACTED');
    for (const format of ['html', 'svg', 'json'] as const) {
      const out = String((await run(format, { redact: true })).data);
      for (const secret of secrets) expect(out.includes(secret) ? JSON.stringify(out.slice(out.indexOf(secret) - 60, out.indexOf(secret) + 30)) : "", `${format} leaks ${secret}`).toBe("");
    }
    // pdftotext may break lines inside long tokens; IPs and pod names are short enough to stay whole.
    for (const secret of secrets) expect(text, `PDF leaks ${secret}`).not.toContain(secret);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, `${OUT}/demo-report-redacted-page`]);
  });
});
