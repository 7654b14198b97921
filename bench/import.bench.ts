/**
 * Hubble JSON-lines import (issue #19: >= 100,000 flows/s, decode + aggregate on one core, memory
 * bounded). `npm run bench -- import`.
 *
 * 1. The line decoders alone, on the real captures: the scanner (hubble-scan.ts) against the
 *    JSON.parse path it falls back to.
 * 2. A whole import of a generated capture, default 1 GB (IMPORT_BENCH_MB changes it), in a process
 *    of its own so its peak RSS is the import's: the real captures' lines, a quarter of them to
 *    ever new world addresses (distinct roads without end, as on a busy edge: the road cap and its
 *    "other" roads are exercised). The file goes to a temporary folder, deleted after.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench } from './harness.js';
import { packageRoot } from '../main/flows/proto.js';
import { parseHubbleLine } from '../main/flows/hubble-json.js';
import { parseHubbleLineFast } from '../main/flows/hubble-scan.js';

function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const bench: Bench = {
  name: 'import',
  async run(report) {
    const fixtures = join(packageRoot(), 'test', 'fixtures', 'hubble');
    // Flat strings, as the import reads them (split() would give slices of the whole file).
    const lines = ['sample-400-tcp-flows.jsonl', 'sample-400-udp-flows.jsonl'].flatMap((f) =>
      readFileSync(join(fixtures, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => Buffer.from(l).toString()),
    );

    // 1. Decoders alone (line -> FlowRecord), best of 3 rounds of 100 passes over 800 lines.
    const rounds = 100;
    const rate = (decode: typeof parseHubbleLine): number => {
      const pass = () => {
        for (let r = 0; r < rounds; r++) for (const l of lines) decode(l, { source: 'import' }, 0);
      };
      pass(); // warm-up
      return Math.max(...[0, 1, 2].map(() => (rounds * lines.length) / cpuSeconds(pass)));
    };
    const full = rate(parseHubbleLine);
    const fast = rate(parseHubbleLineFast);
    report({ name: 'line -> flow, JSON.parse path (real captures)', value: Math.round(full), unit: 'lines/cpu-s' });
    report({ name: 'line -> flow, scanner (same lines, same results)', value: Math.round(fast), unit: 'lines/cpu-s' });

    // 2. A whole import of a large capture.
    const dir = mkdtempSync(join(tmpdir(), 'netcity-import-bench-'));
    try {
      const world = JSON.parse(lines[0]);
      world.flow.destination = { identity: 16777217, labels: ['cidr:0.0.0.0/0'] };
      world.flow.destination_names = [];
      world.flow.is_reply = false;
      world.flow.IP.destination = '@IP@';
      const [head, tail] = JSON.stringify(world).split('@IP@');
      const path = join(dir, 'big.jsonl');
      const wantMb = Number(process.env.IMPORT_BENCH_MB ?? 1024);
      let written = 0;
      let total = 0;
      await new Promise<void>((resolve, reject) => {
        const out = createWriteStream(path, { highWaterMark: 1 << 20 });
        out.on('error', reject);
        const more = () => {
          while (written < wantMb * 1024 * 1024) {
            const i = total++;
            const line = (i % 4 === 3 ? `${head}${10 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}.${(i >> 24) & 0xff}${tail}` : lines[i % lines.length]) + '\n';
            written += line.length;
            if (!out.write(line)) return void out.once('drain', more);
          }
          out.end(resolve);
        };
        more();
      });
      const mb = statSync(path).size / 1024 / 1024;
      const script = join(dir, 'import.mjs');
      // The compiled module beside this compiled bench (out/dev/main/...), built from the same source.
      const mod = fileURLToPath(new URL('../main/flows/json-import.js', import.meta.url));
      writeFileSync(
        script,
        `import { importHubbleFile } from ${JSON.stringify(mod)};
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await importHubbleFile(${JSON.stringify(path)});
const s = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ flows: r.flows, invalid: r.invalidCount, s, roads: r.aggregator.roadCount, overflow: r.aggregator.overflowFlows, cpuS: (c.user + c.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }));`,
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let outText = '';
      child.stdout!.on('data', (d) => (outText += d));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`import bench: the import process exited with ${code}`);
      const r = JSON.parse(outText);
      if (r.flows !== total || r.invalid !== 0) throw new Error(`import bench: ${total} lines written, ${r.flows} flows and ${r.invalid} invalid lines read`);
      const wall = r.flows / r.s;
      // Process CPU time: the import's thread plus V8's GC helper threads (so "one core" is conservative).
      const perCpu = r.flows / r.cpuS;
      report({ name: `JSON import, ${total.toLocaleString('en')} flows (${mb.toFixed(0)} MB), per CPU-second`, value: Math.round(perCpu), unit: 'flows/cpu-s', goal: '>= 100000', ok: perCpu >= 100_000 });
      report({ name: 'same import, wall clock', value: Math.round(wall), unit: 'flows/s', goal: '>= 100000', ok: wall >= 100_000 });
      report({ name: 'same import, throughput (wall)', value: Number((mb / r.s).toFixed(1)), unit: 'MB/s' });
      report({ name: `same import, peak RSS (${mb.toFixed(0)} MB capture)`, value: Math.round(r.maxRssMb), unit: 'MB', goal: '< 1000 (bounded)', ok: r.maxRssMb < 1000 });
      report({ name: 'roads kept (cap 100,000; the rest in per-district "other" roads)', value: r.roads, unit: 'roads' });
      report({ name: 'flows counted in "other" roads', value: r.overflow, unit: 'flows' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default bench;
