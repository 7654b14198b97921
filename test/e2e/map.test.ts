/**
 * End to end, the map: roads along the streets above the districts, port labels, clicks on roads,
 * the SVG export drawing the canvas's geometry, and a 10,000-pod city whose first frame has its
 * district roads and says what a drawing budget leaves out. Canvas facts come from the map view's
 * own controls (window.__netcityMap); screenshots land in test-results/e2e/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../main/api/backend.js';
import { rendererDir } from '../../main/app-paths.js';
import type { MapModel } from '../../main/map/model.js';
import { parsePeerId } from '../../main/model/ids.js';
import { generateScenario } from '../../main/model/scenario/generate.js';
import { createPolicyEngine } from '../../main/policy/index.js';
import { startServer } from '../../main/serve/server.js';
import { parseXml } from '../support/export/xml.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT, startServe, type Served } from '../support/serve.js';
import { waitForApp } from '../support/wait.js';

const SHOTS = join(ROOT, 'test-results', 'e2e');
type Pt = { x: number; y: number };
/** Cytoscape's line stops short of its end markers (arrow, bar, evidence dot) by up to their size. */
const ARROW = 10;
type Canvas = { points: Pt[]; zIndex: number; zCompare: string; visible: boolean; districtZ: number };

let browser: Browser;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const model = (page: Page) => page.evaluate('window.__netcity.map') as Promise<MapModel>;
const inspect = (page: Page, id: string) => page.evaluate(`window.__netcityMap.inspect(${JSON.stringify(id)})`) as Promise<Canvas | undefined>;

describe('the demo map', () => {
  let served: Served;
  let page: Page;
  beforeAll(async () => {
    served = await startServe(['--demo', '--port', '0']);
    page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
    await page.goto(served.url);
    await waitForApp(page, 'v.drawn.nodes > 0 && v.drawn.renderMs > 0', 30_000);
  });
  afterAll(async () => {
    await served?.stop();
  });

  it('draws the denied road from recommendation to payment above every district, ending at the payment block', async () => {
    const m = await model(page);
    const road = m.edges.find((e) => e.source === 'wl:shop/Deployment/recommendation' && e.target === 'wl:payments/Deployment/payment' && e.observed === 'denied')!;
    expect(road.route!.length).toBeGreaterThan(4);
    const c = (await inspect(page, road.id))!;
    expect(c.visible).toBe(true);
    expect(c.zCompare).toBe('manual');
    expect(c.zIndex).toBeGreaterThan(c.districtZ);
    // Its last point is on the payment block's border (not the payments district's wall).
    const block = m.nodes.find((n) => n.id === road.target)!;
    const end = c.points[c.points.length - 1];
    expect(Math.abs(end.x - block.x)).toBeLessThanOrEqual(block.w / 2 + 1);
    // (Cytoscape ends the line where the bar begins, at most an arrow's length from the border.)
    const gap = Math.abs(end.y - block.y) - block.h / 2;
    expect(gap).toBeGreaterThan(-1);
    expect(gap).toBeLessThan(ARROW);
    // The canvas draws the model's bend points.
    expect(c.points.length).toBe(road.route!.length / 2);
    c.points.forEach((p, i) => {
      const tol = i === 0 || i === c.points.length - 1 ? ARROW : 1.5;
      expect(Math.abs(p.x - road.route![2 * i])).toBeLessThan(tol);
      expect(Math.abs(p.y - road.route![2 * i + 1])).toBeLessThan(tol);
    });
    await page.screenshot({ path: join(SHOTS, 'map-01-demo-streets.png') });
  });

  it('shows port labels at block level, without overlaps', async () => {
    await waitForApp(page, "v.level === 'houses' || v.level === 'blocks'");
    const labels = (await page.evaluate('window.__netcityMap.visibleLabels()')) as { road: string; text: string }[];
    expect(labels.some((l) => /^(TCP|UDP|SCTP) (\d+|any port)/.test(l.text))).toBe(true);
    const placed = (await model(page)).labels!.blocks;
    for (let i = 0; i < placed.length; i++)
      for (let j = i + 1; j < placed.length; j++) {
        const a = placed[i];
        const b = placed[j];
        expect(Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.y - b.y) * 2 < a.h + b.h, `${a.road} / ${b.road}`).toBe(false);
      }
  });

  it("selects a road when its midpoint is clicked, and when its label is clicked", async () => {
    const m = await model(page);
    // A road with a long leg that crosses a house-free stretch: click the middle of the route.
    const road = m.edges.find((e) => e.source === 'wl:shop/Deployment/recommendation' && e.target === 'wl:payments/Deployment/payment' && e.observed === 'denied')!;
    const pts: Pt[] = [];
    for (let i = 0; i < road.route!.length; i += 2) pts.push({ x: road.route![i], y: road.route![i + 1] });
    const total = pts.slice(1).reduce((n, p, i) => n + Math.hypot(p.x - pts[i].x, p.y - pts[i].y), 0);
    const along = (dist: number): Pt => {
      let left = dist;
      for (let i = 1; i < pts.length; i++) {
        const len = Math.hypot(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
        if (left <= len) return { x: pts[i - 1].x + ((pts[i].x - pts[i - 1].x) * left) / len, y: pts[i - 1].y + ((pts[i].y - pts[i - 1].y) * left) / len };
        left -= len;
      }
      return pts[pts.length - 1];
    };
    // The middle of the route, or the nearest point to it that no other road's label covers (a label is clickable and selects its own road).
    const covered = (p: Pt) => m.labels!.blocks.some((l) => l.road !== road.id && Math.abs(p.x - l.x) <= l.w / 2 + 4 && Math.abs(p.y - l.y) <= l.h / 2 + 4);
    let mid = along(total / 2);
    for (let d = 0; d < total / 2 && covered(mid); d += 4) mid = covered(along(total / 2 + d)) ? along(total / 2 - d) : along(total / 2 + d);
    expect(covered(mid)).toBe(false);
    const at = (await page.evaluate(`window.__netcityMap.toPage(${mid.x}, ${mid.y})`)) as Pt;
    await page.mouse.click(at.x, at.y);
    await waitForApp(page, `v.selection && v.selection.id === ${JSON.stringify(road.id)}`);
    await page.keyboard.press('Escape');
    const label = m.labels!.blocks[0];
    const lp = (await page.evaluate(`window.__netcityMap.toPage(${label.x}, ${label.y})`)) as Pt;
    await page.mouse.click(lp.x, lp.y);
    await waitForApp(page, `v.selection && v.selection.id === ${JSON.stringify(label.road)}`);
  });

  it('one wheel notch zooms ~1.3× toward the cursor (the point under it stays)', async () => {
    type Vp = { zoom: number; pan: Pt; width: number; height: number };
    const vp = () => page.evaluate('window.__netcityMap.viewport()') as Promise<Vp>;
    const box = (await page.locator('[data-testid="map"]').boundingBox())!;
    const cursor = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.4 };
    const before = await vp();
    // The map point under the cursor, from the viewport.
    const under = (v: Vp) => ({ x: (cursor.x - box.x - v.pan.x) / v.zoom, y: (cursor.y - box.y - v.pan.y) / v.zoom });
    await page.mouse.move(cursor.x, cursor.y);
    await page.mouse.wheel(0, -100);
    await page.waitForFunction(`window.__netcityMap.viewport().zoom > ${before.zoom * 1.05}`);
    const after = await vp();
    expect(after.zoom / before.zoom).toBeGreaterThan(1.2);
    expect(after.zoom / before.zoom).toBeLessThan(1.45);
    const a = under(before);
    const b = under(after);
    expect(Math.abs(a.x - b.x)).toBeLessThan(2);
    expect(Math.abs(a.y - b.y)).toBeLessThan(2);
    await page.mouse.wheel(0, 100);
    await page.waitForFunction(`Math.abs(window.__netcityMap.viewport().zoom - ${before.zoom}) < ${before.zoom * 0.02}`);
    await page.keyboard.press('f');
  });

  it('exports an SVG with the same roads and the same bend points as the canvas', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netcity-svg-')), 'demo.svg');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'netcity.mjs'), 'export', '--demo', '--format', 'svg', '--out', out], { cwd: ROOT });
    const doc = parseXml(readFileSync(out, 'utf8'));
    const m = await model(page);
    // The SVG's scale and offset, from one district's rectangle.
    const shop = m.nodes.find((n) => n.id === 'ns:shop')!;
    const rect = doc.querySelector('g.district[data-id="ns:shop"] rect')!;
    const s = Number(rect.getAttribute('width')) / shop.w;
    const ox = Number(rect.getAttribute('x')) - (shop.x - shop.w / 2) * s;
    const oy = Number(rect.getAttribute('y')) - (shop.y - shop.h / 2) * s;
    const svgRoads = [...doc.querySelectorAll('g.road')].map((g) => g.getAttribute('data-id')!);
    const canvasRoads = m.edges.filter((e) => e.kind === 'road').map((e) => e.id);
    expect(svgRoads.sort()).toEqual(canvasRoads.sort());
    for (const id of canvasRoads) {
      const c = (await inspect(page, id))!;
      const poly = doc.querySelector(`g.road[data-id="${id}"] polyline`);
      expect(poly, id).not.toBeNull();
      const pts = poly!
        .getAttribute('points')!
        .split(' ')
        .map((p: string) => p.split(',').map(Number))
        .map(([x, y]: number[]) => ({ x: (x - ox) / s, y: (y - oy) / s }));
      expect(pts.length, id).toBe(c.points.length);
      pts.forEach((p, i) => {
        const tol = i === 0 || i === pts.length - 1 ? ARROW : 1.5;
        expect(Math.abs(p.x - c.points[i].x), `${id} point ${i}`).toBeLessThan(tol);
        expect(Math.abs(p.y - c.points[i].y), `${id} point ${i}`).toBeLessThan(tol);
      });
    }
  });
});

describe('a 10,000-pod city', () => {
  const big = generateScenario({ seed: 7, namespaces: 500, pods: 10_000, policies: 2000, flows: 300_000, maxRawFlows: 20_000 });
  let backend: Backend;
  let server: Awaited<ReturnType<typeof startServer>>;
  let page: Page;
  beforeAll(async () => {
    backend = new Backend({ mode: 'browser', version: 'e2e', configDir: mkdtempSync(join(tmpdir(), 'netcity-e2e-big-')) });
    backend.openDemo();
    backend.addCity('snapshot', big, { id: 'big', select: false });
    server = await startServer({ backend, rendererDir: rendererDir() });
    page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
    await page.goto(server.url);
    await waitForApp(page, 'v.drawn.nodes > 0', 60_000);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('draws district roads on the first frame, says what the budget leaves out, and counts every namespace pair', async () => {
    await page.selectOption('[data-testid="city-select"]', 'big');
    await waitForApp(page, 'v.map && v.map.cityId === "big" && v.drawn.renderMs > 0', 120_000);
    expect(await page.evaluate('window.__netcity.level')).toBe('districts');
    const first = await model(page);
    expect(first.districtRoads!.length).toBeGreaterThan(0);
    expect(((await page.evaluate('window.__netcity.drawn')) as { visibleEdges: number }).visibleEdges).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'map-10-big-first-frame.png') });

    await waitForApp(page, 'v.map.cityId === "big" && v.map.roadBudget.complete', 120_000);
    const m = await model(page);
    // Independently: namespace pairs with any allowed (policy-governed) or observed connectivity.
    const s = backend.city('big').snapshot;
    const engine = createPolicyEngine({ namespaces: s.namespaces, pods: s.pods, nodes: s.nodes, policies: s.policies, services: s.services });
    const fenced = new Map<string, { ingress: boolean; egress: boolean }>();
    const pairs = new Set<string>();
    engine.connectivity({ includeIpRanges: false }).forEachConnection((a, b, ports) => {
      if (a.type !== 'workload' || b.type !== 'workload' || a.namespace === b.namespace || !a.pods?.length || !b.pods?.length) return;
      const f = (p: typeof a) => {
        let v = fenced.get(p.id);
        if (!v) {
          const x = engine.fences(`pod:${p.namespace}/${p.pods![0]}`);
          fenced.set(p.id, (v = { ingress: x.ingress.isolated, egress: x.egress.isolated }));
        }
        return v;
      };
      if (!(f(b).ingress || f(a).egress) || !(ports.allowed.TCP || ports.allowed.UDP || ports.allowed.SCTP)) return;
      pairs.add(`ns:${a.namespace}->ns:${b.namespace}`);
    });
    const end = (peer: string) => {
      const ns = parsePeerId(peer).namespace;
      return ns ? `ns:${ns}` : peer;
    };
    for (const r of [...s.roads, ...s.probes]) pairs.add(`${end(r.src)}->${end(r.dst)}`);
    for (const p of [...pairs]) if (p.split('->')[0] === p.split('->')[1]) pairs.delete(p);
    expect(m.roadBudget!.districts.total).toBe(pairs.size);
    expect(m.roadBudget!.districts.shown).toBe(m.districtRoads!.length);
    expect(m.roadBudget!.districts.shown).toBeLessThan(pairs.size);
    const notice = await page.locator('[data-testid="road-budget"]').textContent();
    expect(notice).toContain(`${m.districtRoads!.length.toLocaleString('en-US')} of ${pairs.size.toLocaleString('en-US')} district roads shown`);
    await page.screenshot({ path: join(SHOTS, 'map-11-big-districts.png') });
  });
});
