/**
 * Opening a snapshot in the app, by size: a .netcity file of 1k / 10k / 50k / 100k pods (20 pods
 * per namespace, 4 policies per namespace, 10 flows per pod) opened in a fresh process as the app
 * does (bench/open-child.ts): time to the first map (observed roads), to the complete predicted
 * roads, and the peak RSS. Files are kept in the temp folder by size. OPEN_BENCH_SIZES changes the sizes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateScenario } from '../main/model/scenario/generate.js';
import { saveSnapshot } from '../main/store/index.js';
import type { Bench } from './harness.js';
import { measureNode } from './child.js';

const SIZES = (process.env.OPEN_BENCH_SIZES ?? '1000,10000,50000,100000').split(',').map(Number);
const CHILD = fileURLToPath(new URL('./open-child.js', import.meta.url));

function snapshotFile(pods: number): string {
  const file = path.join(os.tmpdir(), 'netcity-bench-snapshots', `v1-${pods}.netcity`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const namespaces = Math.max(1, Math.round(pods / 20));
  const snap = generateScenario({ seed: 5, pods, namespaces, policies: namespaces * 4, flows: pods * 10, maxRawFlows: 10_000 });
  saveSnapshot(`${file}.tmp`, snap);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

const bench: Bench = {
  name: 'snapshot open (app, whole process)',
  async run(report) {
    console.log('  scale table: pods | file | first map | complete roads (count) | peak RSS');
    for (const pods of SIZES) {
      const file = snapshotFile(pods);
      const r = await measureNode([CHILD, file]);
      if (r.code !== 0) throw new Error(`opening the ${pods}-pod snapshot exited ${r.code}: ${r.stderr}`);
      const t = JSON.parse(r.stdout) as { firstMapMs: number; roadsMs: number; roads: number };
      console.log(
        `  | ${pods.toLocaleString('en')} | ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB | ${(t.firstMapMs / 1000).toFixed(2)} s | ${(t.roadsMs / 1000).toFixed(2)} s (${t.roads.toLocaleString('en')}) | ${Math.round(r.maxRssMb)} MB |`,
      );
      if (pods === 100_000) {
        report({ name: 'open a 100,000-pod snapshot: complete roads shown', value: Math.round(t.roadsMs), unit: 'ms', goal: '< 10000 ms', ok: t.roadsMs < 10_000 });
        report({ name: '  same, first map (observed roads)', value: Math.round(t.firstMapMs), unit: 'ms' });
        report({ name: '  same, peak RSS', value: Math.round(r.maxRssMb), unit: 'MB' });
      }
    }
  },
};

export default bench;
