/**
 * The city map (issue 15's figures): layout of 10,000 pods (goal < 300 ms), the full matrix behind
 * every predicted road (< 2 s), and in headless Chromium (software rendering) the demo's first
 * frame (< 1 s), the 10,000-pod city's first frame with district roads (< 3 s), click / filter /
 * level change (< 200 ms median), and the frame rate while zooming and panning.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend } from '../main/api/backend.js';
import { City } from '../main/city/city.js';
import { rendererDir } from '../main/app-paths.js';
import { buildMapModel } from '../main/map/build.js';
import { generateScenario } from '../main/model/scenario/generate.js';
import { startServer } from '../main/serve/server.js';
import { launchChromium } from '../test/support/chromium.js';
import { waitForApp } from '../test/support/wait.js';
import { timeMs, type Bench } from './harness.js';

const bench: Bench = {
  name: 'map (layout and viewer)',
  async run(report) {
    const big = generateScenario({ seed: 7, namespaces: 500, pods: 10_000, policies: 2000, flows: 300_000, maxRawFlows: 20_000 });
    buildMapModel(big); // warm up the JIT
    const runs = Array.from({ length: 5 }, () => timeMs(() => buildMapModel(big)));
    const median = runs.map((r) => r.ms).sort((a, b) => a - b)[2];
    const layout = runs[0];
    report({ name: 'layout + encoding, 10,000 pods (no policy engine), median of 5', value: Math.round(median), unit: 'ms', goal: '< 300 ms', ok: median < 300 });
    report({ name: 'roads drawn for that city (workload level)', value: layout.result.counts.roads, unit: 'roads' });

    const backend = new Backend({ mode: 'browser', version: 'bench', configDir: mkdtempSync(join(tmpdir(), 'netcity-bench-')) });
    backend.openDemo();
    // The background work behind every predicted road: the engine's full matrix, on a fresh city.
    const matrixCity = new City({ id: 'm', kind: 'snapshot', snapshot: big });
    const tm = performance.now();
    await matrixCity.computeRoads({}, () => undefined);
    const matrixMs = performance.now() - tm;
    report({ name: 'predicted roads for all levels (full matrix + map), 10,000 pods', value: Math.round(matrixMs), unit: 'ms', goal: '< 2000 ms', ok: matrixMs < 2000 });

    const t0 = performance.now();
    backend.addCity('snapshot', big, { id: 'big', select: false });
    const full = timeMs(() => backend.city('big').map());
    report({ name: 'map model with policy verdicts and fences, 10,000 pods', value: Math.round(full.ms + (performance.now() - t0 - full.ms)), unit: 'ms' });

    const server = await startServer({ backend, rendererDir: rendererDir() });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 950 } });
      const start = Date.now();
      await page.goto(server.url);
      await waitForApp(page, 'v.drawn.nodes > 0', 60_000);
      await waitForApp(page, 'v.drawn.renderMs > 0', 60_000);
      const demoMs = Date.now() - start;
      report({ name: 'demo city: page load to first drawn frame', value: demoMs, unit: 'ms', goal: '< 1000 ms', ok: demoMs < 1000 });

      const t1 = Date.now();
      await page.selectOption('[data-testid="city-select"]', 'big');
      await waitForApp(page, 'v.map && v.map.cityId === "big" && !v.loading && v.drawn.renderMs > 0 && v.map.districtRoads && v.map.districtRoads.length > 0', 120_000);
      const bigMs = Date.now() - t1;
      const drawn = (await page.evaluate('window.__netcity.drawn')) as { nodes: number; edges: number; renderer: string };
      report({ name: `10,000-pod city: select to first frame with district roads (${drawn.renderer})`, value: bigMs, unit: 'ms', goal: '< 3000 ms', ok: bigMs < 3000 });
      report({ name: `elements on the canvas at the first zoom level (${await page.evaluate('window.__netcity.level')})`, value: drawn.nodes + drawn.edges, unit: 'elements' });

      // Frame rate: count animation frames while zooming and panning with the mouse for ~3 s.
      const box = (await page.locator('[data-testid="map"]').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.evaluate('window.__frames = 0; (function f(){ window.__frames++; requestAnimationFrame(f); })()');
      const f0 = (await page.evaluate('window.__frames')) as number;
      const t2 = Date.now();
      for (let i = 0; i < 30; i++) {
        await page.mouse.wheel(0, i < 15 ? -120 : 120);
        await page.mouse.move(box.x + box.width / 2 + (i % 2 ? 60 : -60), box.y + box.height / 2, { steps: 3 });
      }
      const f1 = (await page.evaluate('window.__frames')) as number;
      const fps = ((f1 - f0) * 1000) / (Date.now() - t2);
      report({ name: 'zoom + pan frame rate, 10,000-pod city', value: Math.round(fps * 10) / 10, unit: 'frames/s' });

      // Interactions on the 10k city, each timed from the action to the app's answer (medians of 5).
      await page.keyboard.press('f');
      await waitForApp(page, '!v.loading && v.map.roadBudget.complete', 120_000);
      const median5 = async (act: (i: number) => Promise<void>) => {
        const ms: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = Date.now();
          await act(i);
          ms.push(Date.now() - t);
        }
        return ms.sort((a, b) => a - b)[2];
      };
      // Selecting a district (what a click does after the canvas hit test): the API call and its panel.
      const districts = (await page.evaluate('window.__netcity.map.nodes.filter((n) => n.kind === "district").slice(40, 45).map((n) => n.id)')) as string[];
      const click = await median5(async (i) => {
        await page.evaluate(`void window.__netcity.select('node', ${JSON.stringify(districts[i])})`);
        await waitForApp(page, `v.nodeDetails && v.nodeDetails.id === ${JSON.stringify(districts[i])} && document.querySelector('[data-testid="node-panel"]')`, 30_000, 5);
      });
      report({ name: 'select a district to its panel with peers, 10,000-pod city (median of 5)', value: click, unit: 'ms', goal: '< 200 ms', ok: click < 200 });
      await page.keyboard.press('Escape');
      const filter = await median5(async (i) => {
        const before = (await page.evaluate('window.__netcity.drawn.visibleEdges')) as number;
        await page.click('[data-testid="filter-denied"]');
        await waitForApp(page, `v.drawn.visibleEdges !== ${before} || ${i % 2 === 1}`, 30_000, 5);
      });
      report({ name: 'verdict filter on/off, 10,000-pod city (median of 5)', value: filter, unit: 'ms', goal: '< 200 ms', ok: filter < 200 });
      const level = await median5(async (i) => {
        const from = (await page.evaluate('window.__netcity.level')) as string;
        await page.evaluate(`window.__netcityMap.zoomBy(${i % 2 ? 1 / 8 : 8})`);
        await waitForApp(page, `v.level !== ${JSON.stringify(from)}`, 30_000, 5);
      });
      report({ name: 'zoom level change (districts <-> blocks), 10,000-pod city (median of 5)', value: level, unit: 'ms', goal: '< 200 ms', ok: level < 200 });
    } finally {
      await browser.close();
      await server.close();
      await backend.dispose();
    }
  },
};

export default bench;
