/**
 * Export bench: a 10,000-pod synthetic city (generateScenario + the same map the app builds)
 * through every format; prints time and size per format. PNG and PDF run when Chromium is there.
 */
import { spawnSync } from 'node:child_process';
import type { Bench } from './harness.js';
import { timeMs, timeMsAsync } from './harness.js';
import { City } from '../main/city/city.js';
import { exportCity, EXPORT_FORMATS, type ExportFormat } from '../main/export/index.js';
import { ChromiumRasterizer, findChromium } from '../main/export/rasterize.js';
import { generateScenario } from '../main/model/scenario/generate.js';

/** Goals: what "bounded" means for a 10,000-pod city on 2 cores. */
const GOAL_MS: Record<ExportFormat, number> = {
  svg: 3000, png: 20000, html: 5000, pdf: 30000, dot: 2000, mermaid: 2000, 'csv-matrix': 3000, 'csv-flows': 2000, json: 3000,
};
const GOAL_MB: Record<ExportFormat, number> = {
  svg: 40, png: 40, html: 45, pdf: 40, dot: 15, mermaid: 15, 'csv-matrix': 60, 'csv-flows': 20, json: 80,
};

const bench: Bench = {
  name: 'export',
  async run(report) {
    const { result: snapshot, ms: genMs } = timeMs(() =>
      generateScenario({ seed: 7, namespaces: 60, pods: 10_000, policies: 600, flows: 60_000, maxRawFlows: 5_000 }),
    );
    report({ name: 'generate 10,000-pod city (setup)', value: Math.round(genMs), unit: 'ms' });
    const { result: city, ms: mapMs } = timeMs(() => {
      const c = new City({ id: 'bench', kind: 'snapshot', snapshot });
      return { snapshot: c.snapshot, map: c.map() };
    });
    report({ name: `map model (${city.map.counts.houses} houses, ${city.map.counts.roads} roads) (setup)`, value: Math.round(mapMs), unit: 'ms' });

    let raster: ChromiumRasterizer | undefined;
    try {
      findChromium();
      raster = new ChromiumRasterizer();
    } catch (err) {
      report({ name: `png/pdf skipped: ${(err as Error).message.split(':')[0]}`, value: 0, unit: '' });
    }
    try {
      for (const format of EXPORT_FORMATS) {
        if ((format === 'png' || format === 'pdf') && !raster) continue;
        try {
          const { result, ms } = await timeMsAsync(() =>
            exportCity({ snapshot: city.snapshot, map: city.map, format, scale: 1, rasterizer: raster }),
          );
          const bytes = typeof result.data === 'string' ? Buffer.byteLength(result.data) : result.data.length;
          report({ name: `${format} time`, value: Math.round(ms), unit: 'ms', goal: `< ${GOAL_MS[format]} ms`, ok: ms < GOAL_MS[format] });
          report({ name: `${format} size`, value: Math.round((bytes / 1024 / 1024) * 100) / 100, unit: 'MB', goal: `< ${GOAL_MB[format]} MB`, ok: bytes < GOAL_MB[format] * 1024 * 1024 });
          if (format === 'dot') reportGraphviz(String(result.data), report);
        } catch (err) {
          report({ name: `${format} failed: ${(err as Error).message.slice(0, 160)}`, value: 0, unit: '', ok: false });
        }
      }
      const { ms } = await timeMsAsync(() => exportCity({ snapshot: city.snapshot, map: city.map, format: 'json', redact: true }));
      report({ name: 'json redacted time', value: Math.round(ms), unit: 'ms', goal: '< 10000 ms', ok: ms < 10000 });
    } finally {
      await raster?.close();
    }
  },
};

/** The DOT of a big city must still be renderable: time Graphviz on it when it is installed. */
function reportGraphviz(dot: string, report: Parameters<Bench['run']>[0]): void {
  const t0 = performance.now();
  const r = spawnSync('dot', ['-Tsvg', '-o', '/dev/null'], { input: dot, timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return;
  const ms = performance.now() - t0;
  report({ name: 'Graphviz dot -Tsvg of the dot export', value: Math.round(ms), unit: 'ms', goal: '< 10000 ms', ok: r.status === 0 && ms < 10_000 });
}

export default bench;
