/**
 * End to end against a live (test) cluster: `netcity serve --kubeconfig` in Chromium, connect
 * through the Connect dialog, then a pod added and a policy deleted in the cluster reach the map
 * in place; the restricted user's city shows what is not permitted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../fakes/kube-api-server/index.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT, startServe, type Served } from '../support/serve.js';
import { waitForApp } from '../support/wait.js';

const SHOTS = join(ROOT, 'test-results', 'e2e');
const demo = demoSnapshot();
let api: KubeApiServer;
let served: Served;
let browser: Browser;
let page: Page;
const view = <T>(expr: string): Promise<T> => page.evaluate(`(() => { const v = window.__netcity; return ${expr}; })()`) as Promise<T>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  api = await startKubeApiServer({ snapshot: demo, bookmarkIntervalMs: 500 });
  const kubeconfig = writeTestKubeconfig(api);
  served = await startServe(['--kubeconfig', kubeconfig, '--port', '0']);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
  await page.goto(served.url);
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await api?.close();
});

describe('a live cluster in the browser', () => {
  it('offers the contexts (no demo when a kubeconfig exists) and connects', async () => {
    await page.waitForSelector('[data-testid="contexts"] li');
    const names = await page.locator('[data-testid="contexts"] li strong').allTextContents();
    expect(names).toEqual(['test-admin', 'test-restricted', 'test-expired']);
    await page.screenshot({ path: join(SHOTS, '20-connect-dialog.png') });
    await page.click('[data-testid="contexts"] li:has-text("test-admin") button');
    await waitForApp(page, "v.map && v.map.cityId === 'live:test-admin' && !v.loading && v.drawn.nodes > 0", 30_000);
    expect(await view<number>('v.counts.houses')).toBe(demo.pods.length);
    await page.screenshot({ path: join(SHOTS, '21-live-city.png') });
  });

  it('a pod added and a policy deleted in the cluster reach the map in place', async () => {
    const houses = await view<number>('v.counts.houses');
    api.addPod({ ...demo.pods.find((p) => p.owner?.name === 'cart')!, name: 'cart-live-e2e', ips: ['10.244.2.99'] });
    await waitForApp(page, `v.counts.houses === ${houses + 1} && v.drawn.nodes > 0`, 15_000);
    expect(await view<boolean>("v.map.nodes.some((n) => n.id === 'pod:shop/cart-live-e2e')")).toBe(true);
    const policies = await view<number>('v.findings.length');
    api.deletePolicy('networking.k8s.io/networkpolicies', 'shop', 'allow-orders-legacy');
    // The "selects nothing" finding about that policy goes away with it.
    await waitForApp(page, "!v.findings.some((f) => f.title.includes('allow-orders-legacy'))", 15_000);
    expect(await view<number>('v.findings.length')).toBeLessThan(policies);
    await page.screenshot({ path: join(SHOTS, '22-live-update.png') });
  });

  it('the restricted user gets one namespace and sees what is not permitted', async () => {
    await page.click('[data-testid="open-connect"]');
    await page.waitForSelector('[data-testid="contexts"] li');
    await page.click('[data-testid="contexts"] li:has-text("test-restricted") button');
    await waitForApp(page, "v.map && v.map.cityId === 'live:test-restricted' && !v.loading", 30_000);
    expect(await view<number>('v.counts.districts')).toBe(1);
    await page.click('[data-testid="tab-city"]');
    await expect(page.locator('[data-testid="city-panel"]').textContent()).resolves.toMatch(/Not permitted/);
    await page.screenshot({ path: join(SHOTS, '23-restricted.png') });
  });
});
