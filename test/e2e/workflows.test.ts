/**
 * End to end: the workflows around the map on the demo, in headless Chromium (`netcity serve
 * --demo`): notices, search, findings, filters, snapshots, capture, probe, flows view, why panel,
 * what-if. Assertions go through the app's state (window.__netcity) and the page; screenshots
 * land in test-results/e2e/ (30-…).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ROOT, startServe, type Served } from '../support/serve.js';
import { waitForApp } from '../support/wait.js';
import { FakeRelay, tsOfMs } from '../fakes/hubble-relay/fake-relay.js';
import { syntheticFlowBody } from '../fakes/hubble-relay/synthetic.js';

const SHOTS = join(ROOT, 'test-results', 'e2e');
let served: Served;
let browser: Browser;
let page: Page;

const view = <T>(expr: string): Promise<T> => page.evaluate(`(() => { const v = window.__netcity; return ${expr}; })()`) as Promise<T>;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
const waitFor = (expr: string, timeout = 20_000) => waitForApp(page, expr, timeout);
/** The element drawn at the centre of a locator's box is that element (nothing covers it). */
const uncovered = (selector: string): Promise<boolean> =>
  page.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!top && (top === el || el.contains(top));
  })()`) as Promise<boolean>;

const libraryFiles = () => {
  const dir = join(served.configDir, 'snapshots');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.netcity')).sort() : [];
};
/** A loopback port nothing listens on. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
const captureState = () => view<string | undefined>("v.city && v.city.capture && v.city.capture.state");

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  served = await startServe(['--demo', '--port', '0']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
  await page.goto(served.url);
  await waitFor('v.drawn.nodes > 0 && !v.loading', 30_000);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('workflows around the map', () => {
  it('two identical errors give one toast, inside the dialog, not over its buttons; the history keeps it', async () => {
    await page.click('[data-testid="open-snapshots"]');
    await page.fill('[data-testid="snapshot-path"]', join(served.configDir, 'missing.netcity'));
    await page.click('[data-testid="snapshot-open"]');
    await waitFor('v.notices.some((n) => n.level === "error")');
    await page.click('[data-testid="snapshot-open"]');
    await waitFor('v.notices.some((n) => n.count === 2)');
    expect(await view<number>('v.notices.filter((n) => n.level === "error").length')).toBe(1);
    expect(await page.locator('[role="dialog"] [data-testid="notice-error"]').count()).toBe(1);
    expect(await uncovered('[data-testid="snapshot-open"]')).toBe(true);
    expect(await uncovered('[data-testid="snapshot-save"]')).toBe(true);
    await shot('30-notice-in-dialog');
    await page.keyboard.press('Escape');
    await page.click('[data-testid="open-notices"]');
    await expect(page.locator('[data-testid="notice-history"]').textContent()).resolves.toContain('missing.netcity');
    await shot('31-notice-history');
    await page.click('[data-testid="open-notices"]');
  });

  it('search app=cart lists the cart workload first, grouped, keyboard-driven; nonsense says no results', async () => {
    await page.click('[data-testid="search"]');
    await page.fill('[data-testid="search"]', 'app=cart');
    await page.waitForSelector('[data-testid="search-hits"] [role="option"]');
    expect(await view<{ kind: string; label: string }>('v.searchHits[0]')).toMatchObject({ kind: 'workload', label: 'shop/cart' });
    const first = page.locator('[data-testid="search-hits"] [role="option"]').first();
    await expect(first.getAttribute('data-kind')).resolves.toBe('workload');
    await expect(page.locator('[data-testid="search-hits"] [role="group"]').first().getAttribute('aria-label')).resolves.toBe('Workloads');
    await shot('32-search-label');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await waitFor("v.nodeDetails && v.nodeDetails.label === 'shop/cart'");
    expect(await view<string>('v.selection.id')).toMatch(/^wl:shop\/.*cart$/);
    await page.fill('[data-testid="search"]', 'zzz-no-such-thing');
    await page.waitForSelector('[data-testid="search-none"]');
    await shot('33-search-none');
    await page.keyboard.press('Escape');
  });

  it('a finding jumps to its road and the list stays open', async () => {
    await page.click('[data-testid="tab-findings"]');
    await page.click('[data-testid="findings"] li.sev-warning button >> nth=0');
    await waitFor("v.selection && v.selection.kind === 'edge' && v.explanation");
    expect(await page.locator('[data-testid="findings"]').isVisible()).toBe(true);
    await shot('34-finding-jump');
  });

  it('a port filter that is not a port is an error and hides nothing; 4 and 5 say why they do nothing', async () => {
    const before = await view<number>('v.drawn.visibleEdges');
    await page.fill('[data-testid="filter-port"]', 'abc');
    await page.waitForSelector('[data-testid="port-error"]');
    expect(await view<number>('v.drawn.visibleEdges')).toBe(before);
    await page.fill('[data-testid="filter-port"]', '');
    await page.click('[data-testid="map"]', { position: { x: 5, y: 5 } });
    await page.keyboard.press('4');
    await waitFor('v.notices.some((n) => n.message.includes("No diff yet"))');
    await page.keyboard.press('5');
    await waitFor('v.notices.some((n) => n.message.includes("No what-if yet"))');
    await shot('35-port-error-and-keys');
  });

  it('probe without a cluster shows the plan it would run and a Connect button that opens Connect', async () => {
    await page.click('[data-testid="open-probe"]');
    await page.click('[data-testid="probe-plan"]');
    await page.waitForSelector('[data-testid="probe-plan-view"]');
    const text = (await page.locator('[data-testid="probe-plan-view"]').textContent()) ?? '';
    expect(text).toContain('Objects NetCity will create');
    expect(text).toContain('checked once connected');
    expect(text).toMatch(/not a live cluster/);
    expect(await page.locator('[data-testid="probe-run"]').count()).toBe(0);
    await shot('37-probe-no-cluster');
    await page.click('[data-testid="probe-connect"]');
    await waitFor("v.dialog === 'connect'");
    await page.keyboard.press('Escape');
    await waitFor("v.dialog === 'none'");
  });

  it('importing another cluster’s flows asks first: new city or merge anyway; a new city leaves the demo as it was', async () => {
    const before = await view<number>('v.city.counts.flows');
    await page.click('[data-testid="open-import"]');
    await page.setInputFiles('[data-testid="import-file"]', join(ROOT, 'test', 'fixtures', 'hubble', 'sample-400-tcp-flows.jsonl'));
    await page.waitForSelector('[data-testid="import-foreign"]');
    expect(await page.locator('[data-testid="import-foreign"]').textContent()).toMatch(/do not look like .*0 match a pod of this city/);
    expect(await view<number>('v.city.counts.flows')).toBe(before);
    await shot('38-import-foreign');
    await page.click('[data-testid="import-new-city"]');
    await waitFor("v.cityId !== 'demo' && !v.loading");
    await page.waitForSelector('[data-testid="import-result"]');
    expect(await view<number>('v.city.counts.flows')).toBeGreaterThan(300);
    await page.keyboard.press('Escape');
    await page.selectOption('[data-testid="city-select"]', 'demo');
    await waitFor("v.cityId === 'demo' && !v.loading");
    expect(await view<number>('v.city.counts.flows')).toBe(before);
  });

  it('renames a snapshot in the dialog itself (no prompt)', async () => {
    await page.click('[data-testid="open-snapshots"]');
    await page.fill('[data-testid="snapshot-name"]', 'before rename');
    await page.click('[data-testid="snapshot-save"]');
    await page.waitForSelector('[data-testid="snapshot-rename"]');
    await page.click('[data-testid="snapshot-rename"]');
    await page.fill('[data-testid="rename-input"]', 'after rename');
    await shot('36-rename');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="snapshot-list"] :text("after rename")');
    await page.keyboard.press('Escape');
    expect(existsSync(join(served.configDir, 'snapshots'))).toBe(true);
    expect(readdirSync(join(served.configDir, 'snapshots')).filter((f) => f.endsWith('.netcity')).length).toBe(1);
  });

  it('the flows view: full width, sorts by drop reason, filters by verdict, exports what it shows', async () => {
    await page.click('[data-testid="open-flows"]');
    await page.waitForSelector('[data-testid="flow-row"] [data-col="time"]');
    const all = await view<number>('v.city.counts.flows');
    const box = (await page.locator('[data-testid="flows-view"]').boundingBox())!;
    expect(box.width).toBeGreaterThan(1400);
    await page.click('[data-testid="sort-dropReason"]');
    await page.waitForSelector('[data-testid="sort-dropReason"]:has-text("▴")');
    await expect.poll(() => page.locator('[data-testid="flow-row"] [data-col="dropReason"]').first().textContent()).toBe('POLICY_DENIED');
    await shot('39-flows-sorted');
    await page.click('[data-testid="flows-verdict-DROPPED"]');
    await expect.poll(async () => {
      const v = await page.locator('[data-testid="flow-row"] [data-col="verdict"]').allTextContents();
      return v.length > 0 && v.every((x) => x === 'DROPPED');
    }).toBe(true);
    const shown = Number((await page.locator('[data-testid="flows-total"]').textContent())!.replace(/[^\d]/g, ''));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(all);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="flows-csv"]')]);
    const csv = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
    expect(csv.length - 1).toBe(shown);
    expect(csv.slice(1).every((l) => l.includes(',DROPPED,'))).toBe(true);
    await shot('40-flows-dropped');
    await page.click('[data-testid="flows-verdict-DROPPED"]');
    await page.click('[data-testid="open-flows"]');
  });

  it('why panel: namespaced title, policy links to YAML, copy as Markdown, draft a policy that what-if shows as newly allowing the road', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin });
    const edgeId = await view<string>("v.map.edges.find((e) => e.observed === 'denied' && e.source.includes('recommendation')).id");
    await page.evaluate(`window.__netcity.select('edge', ${JSON.stringify(edgeId)})`);
    await page.click('[data-testid="tab-details"]');
    await page.waitForSelector('[data-testid="road-panel"]');
    await expect(page.locator('[data-testid="road-panel"] h2').textContent()).resolves.toBe('shop/recommendation → payments/payment');
    await page.click('[data-testid="policy-link"] >> nth=0');
    await expect(page.locator('[data-testid="policy-yaml"]').textContent()).resolves.toContain('kind: NetworkPolicy');
    await page.click('[data-testid="copy-why"]');
    const md = (await page.evaluate('navigator.clipboard.readText()')) as string;
    expect(md.startsWith('### shop/recommendation → payments/payment')).toBe(true);
    expect(md).toContain('TCP 8443: denied');
    await shot('41-why-panel');
    await page.click('[data-testid="draft-policy"]');
    await page.waitForSelector('[data-testid="whatif-yaml"]');
    const yaml = await page.inputValue('[data-testid="whatif-yaml"]');
    expect(yaml).toContain('namespace: payments');
    await page.click('[data-testid="whatif-preview"]');
    await page.waitForSelector('[data-testid="whatif-result"]');
    const w = await view<{ errors: string[]; newlyAllowed: { src: string; dst: string; ports: string }[] }>('v.whatIf');
    expect(w.errors).toEqual([]);
    const [src, dst] = await view<[string, string]>(`[v.map.edges.find((e) => e.id === ${JSON.stringify(edgeId)}).source, v.map.edges.find((e) => e.id === ${JSON.stringify(edgeId)}).target]`);
    expect(w.newlyAllowed.some((c) => c.src === src && c.dst === dst && c.ports.includes('8443'))).toBe(true);
    await shot('42-draft-whatif');
    await page.keyboard.press('Escape');
    await page.click('[data-testid="overlay-whatif"]');
    await waitFor('!v.loading && !v.overlays.whatif');
  });

  it('capture against a closed port says unreachable (why, next retry) within 5 s, writes no file, and stops', async () => {
    const files = libraryFiles();
    const port = await closedPort();
    await page.click('[data-testid="open-capture"]');
    await page.fill('[data-testid="capture-address"]', `127.0.0.1:${port}`);
    await page.click('[data-testid="capture-start"]');
    await waitFor("v.city.capture && v.city.capture.state === 'unreachable'", 5000);
    await page.waitForSelector('[data-testid="capture-badge"][data-state="unreachable"]');
    await expect(page.locator('[data-testid="capture-badge"]').getAttribute('title')).resolves.toMatch(/127\.0\.0\.1|refused|unavailable/i);
    await shot('37-capture-unreachable');
    expect(libraryFiles()).toEqual(files);
    await page.click('[data-testid="capture-stop"]');
    await waitFor("v.city.capture.state === 'stopped'");
    expect(await view<string>('v.city.capture.reason')).toContain('nothing was saved');
    expect(libraryFiles()).toEqual(files);
  });

  it('capture from a relay: capturing with a rate, the file appears with the first flow', async () => {
    const relay = new FakeRelay({ nodes: ['node-a'] });
    const port = await relay.start();
    try {
      const files = libraryFiles();
      await page.click('[data-testid="open-capture"]');
      await page.fill('[data-testid="capture-address"]', `127.0.0.1:${port}`);
      await page.click('[data-testid="capture-start"]');
      await waitFor("v.city.capture.state === 'capturing'");
      expect(libraryFiles()).toEqual(files);
      for (let i = 0; i < 100 && !relay.requests.length; i++) await new Promise((r) => setTimeout(r, 100));
      const now = Date.now();
      relay.emit(Array.from({ length: 20 }, (_, k) => ({ flow: { ...syntheticFlowBody(k), time: tsOfMs(now + k), uuid: `e2e-${k}` } })));
      await waitFor('v.city.capture.flows >= 20 && v.city.capture.file').catch(async (e) => {
        throw new Error(`${(e as Error).message}: ${JSON.stringify(await view('v.city.capture'))} ${JSON.stringify(relay.requests)} ${JSON.stringify(await view('v.history'))}`);
      });
      // The demo was saved to the library above (and renamed): the capture appends to that file.
      const file = await view<string>('v.city.capture.file');
      expect(file).toMatch(/after-rename\.netcity$/);
      expect(existsSync(file)).toBe(true);
      await page.waitForSelector('[data-testid="capture-badge"][data-state="capturing"]');
      await shot('38-capture-capturing');
      await page.click('[data-testid="capture-stop"]');
      await waitFor("v.city.capture.state === 'stopped'");
      expect(await captureState()).toBe('stopped');
    } finally {
      await relay.stop();
    }
  });
});
