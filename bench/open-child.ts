/**
 * Child process of bench/snapshot-open.bench.ts: opens a .netcity file as the app does (the store's
 * open, a City), draws the first map, then computes the complete (predicted) roads; prints the
 * phase times as JSON on stdout.
 */
import { openSnapshot } from '../main/store/index.js';
import { City } from '../main/city/city.js';

const file = process.argv[2];
const t0 = performance.now();
const snap = openSnapshot(file, { maxRawFlows: 10_000 });
const opened = performance.now();
const city = new City({ id: 'bench', kind: 'snapshot', snapshot: snap, filePath: file });
const first = city.firstMap();
const firstMap = performance.now();
await city.computeRoads({}, () => {});
const full = city.firstMap();
const roads = performance.now();
process.stdout.write(
  JSON.stringify({
    openMs: opened - t0,
    firstMapMs: firstMap - t0,
    roadsMs: roads - t0,
    pods: snap.pods.length,
    firstRoads: first.model.counts.roads,
    roads: full.model.counts.roads,
    pending: full.pending,
  }),
);
