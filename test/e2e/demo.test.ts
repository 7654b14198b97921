/**
 * End to end: `netcity serve --demo` driven in headless Chromium like a user would — open the
 * demo, toggle every overlay, click a denied road and read why, search, run a what-if, open a
 * diff, export, scrub the timeline, zoom out. Assertions go through the app's own state
 * (window.__netcity) and the canvas counts; screenshots land in test-results/e2e/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ROOT, startServe, type Served } from '../support/serve.js';
import { waitForApp } from '../support/wait.js';

const SHOTS = join(ROOT, 'test-results', 'e2e');
let served: Served;
let browser: Browser;
let page: Page;

type TestView = {
  counts?: Record<string, number>;
  visible?: { nodes: number; edges: number; deniedRoads: number };
  drawn: { nodes: number; edges: number; visibleEdges: number; deniedRoads: number; renderMs: number };
  overlays: Record<string, boolean>;
  level: string;
  loading: boolean;
  map?: { edges: { id: string; observed?: string; source: string; target: string }[]; nodes: { id: string; kind: string }[] };
  explanation?: { source: { label: string }; target: { label: string }; ports: { port: number; predicted: string; steps: { text: string; policy?: string }[] }[] };
  nodeDetails?: { label: string; kind: string };
  whatIf?: { newlyAllowed: unknown[]; errors: string[] };
  diff?: { summary: string[]; added: string[]; removed: string[]; rows: { section: string }[] };
  findings: { kind: string }[];
};
const view = <T>(fn: (v: TestView) => T): Promise<T> =>
  page.evaluate(`(${fn.toString()})(window.__netcity)`) as Promise<T>;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const waitFor = (expr: string, timeout = 20_000) => waitForApp(page, expr, timeout);
const settle = () => waitFor('!v.loading');

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  served = await startServe(['--demo', '--port', '0']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as unknown as { errors: string[] }).errors = errors;
  await page.goto(served.url);
  await waitFor('v.drawn.nodes > 0', 30_000);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('demo city in the browser', () => {
  it('draws the demo: districts, houses, highways, denied roads, a legend', async () => {
    const counts = await view((v) => v.counts!);
    expect(counts).toMatchObject({ districts: 5, blocks: 14, houses: 25, highways: 12 });
    expect(counts.deniedRoads).toBeGreaterThanOrEqual(3);
    const drawn = await view((v) => v.drawn);
    const visible = await view((v) => v.visible!);
    expect(drawn.nodes).toBe(visible.nodes);
    expect(drawn.visibleEdges).toBe(visible.edges);
    expect(drawn.deniedRoads).toBe(visible.deniedRoads);
    expect(drawn.deniedRoads).toBeGreaterThanOrEqual(3);
    await expect(page.locator('[data-testid="legend"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('[data-testid="road-builder"]').textContent()).resolves.toContain('cilium');
    expect((page as unknown as { errors: string[] }).errors).toEqual([]);
    await shot('01-demo');
  });

  it('refuses the page without the token', async () => {
    const other = await browser.newPage();
    const res = await other.goto(`${served.origin}/`);
    expect(res?.status()).toBe(401);
    await other.close();
  });

  it('toggles every overlay and the roads follow', async () => {
    const base = await view((v) => v.drawn.visibleEdges);
    await page.click('[data-testid="overlay-flows"]');
    expect(await view((v) => v.overlays.flows)).toBe(false);
    // Flows off: roads show their predicted verdict (policies), the model and the canvas agree.
    const policyOnly = await view((v) => [v.drawn.visibleEdges, v.visible!.edges]);
    expect(policyOnly[0]).toBe(policyOnly[1]);
    await shot('02-overlay-policy-only');
    await page.click('[data-testid="overlay-policy"]');
    expect(await view((v) => v.drawn.visibleEdges)).toBe(0);
    await page.click('[data-testid="overlay-flows"]');
    await page.click('[data-testid="overlay-policy"]');
    await page.click('[data-testid="overlay-probes"]');
    expect(await view((v) => v.overlays.probes)).toBe(false);
    await page.click('[data-testid="overlay-probes"]');
    expect(await view((v) => v.drawn.visibleEdges)).toBe(base);
    // Verdict filter: only denied roads.
    await page.click('[data-testid="filter-denied"]');
    const denied = await view((v) => v.drawn);
    expect(denied.visibleEdges).toBe(denied.deniedRoads);
    await shot('03-filter-denied');
    await page.click('[data-testid="filter-denied"]');
  });

  it('clicking a denied road explains which policy denies it', async () => {
    const edgeId = await view((v) => v.map!.edges.find((e) => e.observed === 'denied' && e.source.includes('recommendation'))!.id);
    const point = (await page.evaluate(`window.__netcity.screenPoint(${JSON.stringify(edgeId)})`)) as { x: number; y: number };
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('[data-testid="road-panel"]');
    const x = await view((v) => v.explanation!);
    expect(x.source.label).toBe('recommendation');
    expect(x.target.label).toBe('payment');
    const p = x.ports.find((q) => q.port === 8443)!;
    expect(p.predicted).toBe('denied');
    expect(p.steps.some((s) => (s.policy ?? '').startsWith('NetworkPolicy/payments/'))).toBe(true);
    await expect(page.locator('[data-testid="road-panel"]').textContent()).resolves.toMatch(/payments\/(default-deny|allow-checkout-to-payment)/);
    await shot('04-denied-road-why');
  });

  it('searches and jumps to a workload', async () => {
    await page.fill('[data-testid="search"]', 'fraud');
    await page.waitForSelector('[data-testid="search-hits"] button');
    await page.click('[data-testid="search-hits"] button >> nth=0');
    await page.waitForSelector('[data-testid="node-panel"]');
    expect(await view((v) => v.nodeDetails!.label)).toBe('payments/fraud-check');
    await shot('05-search');
  });

  it('a block panel lists its peers as rows that match the map; a row selects its road', async () => {
    await page.fill('[data-testid="search"]', 'payments/payment');
    await page.waitForSelector('[data-testid="search-hits"] button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="peers"]');
    const rows = page.locator('[data-testid="peer-row"]');
    const n = await rows.count();
    expect(n).toBeGreaterThan(0);
    const head = (await page.locator('[data-testid="node-panel"] p.muted').first().textContent()) ?? '';
    const [inCount, outCount] = (head.match(/(\d+) roads in · (\d+) roads out/) ?? []).slice(1).map(Number);
    expect(inCount + outCount).toBe(n);
    expect(await rows.first().textContent()).toContain('recommendation');
    await shot('05b-peers');
    await rows.first().click();
    await page.waitForSelector('[data-testid="road-panel"]');
    expect(await view((v) => v.explanation!.source.label)).toBe('recommendation');
  });

  it('previews a what-if policy on the map', async () => {
    await page.click('[data-testid="open-whatif"]');
    await page.fill('[data-testid="whatif-yaml"]', readFileSync(join(ROOT, 'test', 'e2e', 'fixtures', 'allow-recommendation.yaml'), 'utf8'));
    await page.click('[data-testid="whatif-preview"]');
    await page.waitForSelector('[data-testid="whatif-result"]');
    const w = await view((v) => v.whatIf!);
    expect(w.errors).toEqual([]);
    expect(w.newlyAllowed.length).toBeGreaterThan(0);
    expect(await view((v) => v.overlays.whatif)).toBe(true);
    // A readable table: the newly allowed connections by namespace, no IP-range noise by default.
    const table = page.locator('[data-testid="whatif-table"]');
    expect(await table.locator('h3', { hasText: 'Newly allowed' }).count()).toBe(1);
    expect(await table.locator('tr[data-change="newly-allowed"]').count()).toBeGreaterThan(0);
    expect(await table.locator('td.subject', { hasText: 'ip:' }).count()).toBe(0);
    await shot('06-whatif-dialog');
    await page.keyboard.press('Escape');
    await shot('07-whatif-map');
    await page.click('[data-testid="overlay-whatif"]');
    await settle();
  });

  it('what-if of bad YAML is an error that says what to do, not an empty result', async () => {
    await page.click('[data-testid="open-whatif"]');
    await page.fill('[data-testid="whatif-yaml"]', 'kind: NetworkPolicy\nmetadata: [unclosed\n  name: x\n');
    await page.click('[data-testid="whatif-preview"]');
    await page.waitForSelector('[data-testid="whatif-errors"]');
    const text = (await page.locator('[data-testid="whatif-result"]').textContent()) ?? '';
    expect(text).toContain('could not be previewed');
    expect(text).not.toMatch(/Newly denied|Newly allowed/);
    expect(await page.locator('[data-testid="whatif-table"]').count()).toBe(0);
    await shot('06b-whatif-bad-yaml');
    await page.keyboard.press('Escape');
    await settle();
  });

  it('opens manifests as a second city and diffs it against the demo', async () => {
    await page.click('[data-testid="open-snapshots"]');
    await page.fill('[data-testid="manifests-paths"]', join(ROOT, 'test', 'e2e', 'fixtures', 'shop-manifests'));
    await page.click('[data-testid="manifests-open"]');
    await waitFor("(v.cityId || '').startsWith('manifests:')");
    await settle();
    await shot('08-manifests-city');
    await page.click('[data-testid="open-diff"]');
    await page.selectOption('[data-testid="diff-base"]', 'demo');
    await page.click('[data-testid="diff-run"]');
    await page.waitForSelector('[data-testid="diff-result"]');
    const d = await view((v) => v.diff!);
    expect(d.summary.join(' ')).toMatch(/Pods|Policies|Workloads/);
    expect(d.added.length + d.removed.length).toBeGreaterThan(0);
    // A table grouped by section and namespace, not a raw text dump.
    const table = page.locator('[data-testid="diff-table"]');
    expect(await table.locator('h3').count()).toBeGreaterThan(1);
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(d.rows.some((r) => r.section === 'Policies')).toBe(true);
    await shot('09-diff-dialog');
    await page.keyboard.press('Escape');
    expect(await view((v) => v.overlays.diff)).toBe(true);
    await shot('10-diff-map');
    await page.selectOption('[data-testid="city-select"]', 'demo');
    await settle();
  });

  it('exports the city as SVG', async () => {
    await page.click('[data-testid="open-export"]');
    await page.selectOption('[data-testid="export-format"]', 'svg');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-run"]')]);
    const file = await download.path();
    const svg = readFileSync(file!, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('payments');
    await page.keyboard.press('Escape');
  });

  it('scrubs a time window on the timeline and the roads follow', async () => {
    const before = await view((v) => v.map!.edges.length);
    const box = (await page.locator('[data-testid="timeline"] svg').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('[data-testid="time-window"]');
    await settle();
    const after = await view((v) => v.map!.edges.length);
    expect(after).toBeLessThanOrEqual(before);
    await shot('11-time-window');
    await page.click('[data-testid="time-window"] button');
    await settle();
  });

  it('zooms out to districts and back (semantic zoom)', async () => {
    await page.click('[data-testid="map"]', { position: { x: 5, y: 5 } });
    for (let i = 0; i < 12; i++) await page.keyboard.press('-');
    await waitFor("v.level === 'districts'");
    await shot('12-zoomed-out');
    await page.keyboard.press('f');
    // Levels follow on-screen sizes: fitted, the demo shows its blocks or houses (depending on the window).
    await waitFor("v.level === 'houses' || v.level === 'blocks'");
  });

  it('lists findings that jump to the map', async () => {
    await page.click('[data-testid="tab-findings"]');
    const findings = await view((v) => v.findings.map((f) => f.kind));
    expect(findings).toEqual(expect.arrayContaining(['denied-flows', 'policy-selects-nothing']));
    await page.click('[data-testid="findings"] li.sev-warning button >> nth=0');
    await waitFor("v.selection && v.selection.kind === 'edge'");
    await page.click('[data-testid="tab-details"]');
    await page.waitForSelector('[data-testid="road-panel"]');
    await shot('13-finding');
  });
});
