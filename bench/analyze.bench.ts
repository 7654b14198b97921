/**
 * The CLI measured whole, as a user runs it (a child process: start-up, reading, engine, output):
 * `netcity --help`; `netcity analyze D --format json` on 500 / 2,000 / 10,000 pods beside the
 * reference tool's figures stored in bench/reference-netpolicy.json; and a scale table
 * (1k, 10k, 50k pods: wall, CPU, peak RSS; 100k too with ANALYZE_BENCH_100K=1, ~1 min more).
 * Manifest folders come from bench/manifest-folder.ts (cached in the temp folder).
 * ANALYZE_BENCH_SIZES=1000,10000 sets the scale table, ANALYZE_BENCH_RUNS the runs per median
 * (default 3). The load average is printed at the start and the end: wall times on a shared
 * machine follow it (CPU times much less).
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../main/app-paths.js';
import type { Bench } from './harness.js';
import { measureNode, medianOf, type ChildRun } from './child.js';
import { manifestFolder } from './manifest-folder.js';

const RUNS = Number(process.env.ANALYZE_BENCH_RUNS ?? 3);
const SIZES = (process.env.ANALYZE_BENCH_SIZES ?? `1000,10000,50000${process.env.ANALYZE_BENCH_100K === '1' ? ',100000' : ''}`).split(',').map(Number);
const load = () => loadavg().map((l) => l.toFixed(2)).join(', ');
/** Goals from issue #18: wall ms and peak RSS MB by pod count. */
const GOALS: Record<number, { wallMs: number; rssMb: number }> = { 10_000: { wallMs: 2000, rssMb: 400 }, 100_000: { wallMs: 15_000, rssMb: 2048 } };

interface Reference {
  source: string;
  runs: { pods: number; netpolicyWallMs: number; netcityWallMsAtFiling: number }[];
}

const bench: Bench = {
  name: 'analyze (CLI, whole process)',
  async run(report) {
    const cli = join(packageRoot(), 'bin', 'netcity.mjs');
    const analyze = async (pods: number, runs: number): Promise<ChildRun & { policies: number; namespaces: number }> => {
      const folder = manifestFolder({ pods });
      const r = await medianOf(runs, () => measureNode([cli, 'analyze', folder.dir, '--format', 'json']));
      if (r.code !== 0) throw new Error(`netcity analyze of ${pods} pods exited ${r.code}: ${r.stderr}`);
      return { ...r, policies: folder.policies, namespaces: folder.namespaces };
    };

    console.log(`  load average at start: ${load()}`);
    const bare = await medianOf(5, () => measureNode(['-e', '0']));
    report({ name: 'node -e 0 (Node alone, the floor under every figure here)', value: Math.round(bare.wallMs), unit: `ms, ${Math.round(bare.cpuMs)} cpu-ms` });
    const help = await medianOf(5, () => measureNode([cli, '--help']));
    report({ name: 'netcity --help (whole process, median of 5)', value: Math.round(help.wallMs), unit: 'ms', goal: '< 150 ms', ok: help.wallMs < 150 });
    report({ name: 'netcity --help, CPU time', value: Math.round(help.cpuMs), unit: 'cpu-ms' });
    report({ name: '  what NetCity adds to Node alone (--help minus node -e 0)', value: Math.round(help.wallMs - bare.wallMs), unit: `ms, ${Math.round(help.cpuMs - bare.cpuMs)} cpu-ms` });

    const ref = JSON.parse(readFileSync(join(packageRoot(), 'bench', 'reference-netpolicy.json'), 'utf8')) as Reference;
    console.log(`  reference: ${ref.source}`);
    for (const { pods, netpolicyWallMs, netcityWallMsAtFiling } of ref.runs) {
      const r = await analyze(pods, RUNS);
      const ratio = r.wallMs / netpolicyWallMs;
      report({ name: `analyze ${pods.toLocaleString('en')} pods: wall, median of ${RUNS} (netpolicy ${netpolicyWallMs} ms; ${netcityWallMsAtFiling} ms at filing)`, value: Math.round(r.wallMs), unit: 'ms' });
      report({ name: `  ratio to netpolicy (${pods.toLocaleString('en')} pods)`, value: Math.round(ratio * 100) / 100, unit: 'x', goal: '<= 1.0', ok: ratio <= 1 });
      report({ name: `  CPU time / peak RSS (${pods.toLocaleString('en')} pods)`, value: Math.round(r.cpuMs), unit: `cpu-ms, ${Math.round(r.maxRssMb)} MB` });
    }

    // Parsing on a worker thread: the same 10,000-pod folder with the worker off and on.
    for (const workers of ['0', '1']) {
      const folder = manifestFolder({ pods: 10_000 });
      const r = await medianOf(RUNS, () => measureNode([cli, 'analyze', folder.dir, '--format', 'json'], { NETCITY_PARSE_WORKERS: workers }));
      report({ name: `analyze 10,000 pods, parse worker ${workers === '1' ? 'on' : 'off'}: wall / CPU`, value: Math.round(r.wallMs), unit: `ms, ${Math.round(r.cpuMs)} cpu-ms` });
    }

    // The same 10,000 pods as one `kind: List` JSON document per namespace (`kubectl get -o json`): JSON.parse, no YAML reader.
    {
      const folder = manifestFolder({ pods: 10_000, format: 'json' });
      const r = await medianOf(RUNS, () => measureNode([cli, 'analyze', folder.dir, '--format', 'json']));
      if (r.code !== 0) throw new Error(`netcity analyze of the JSON folder exited ${r.code}: ${r.stderr}`);
      report({ name: `analyze 10,000 pods from JSON (${(folder.bytes / 2 ** 20).toFixed(1)} MB): wall / CPU / peak RSS`, value: Math.round(r.wallMs), unit: `ms, ${Math.round(r.cpuMs)} cpu-ms, ${Math.round(r.maxRssMb)} MB` });
    }

    console.log('  scale table: pods | namespaces | policies | wall | CPU | peak RSS | output');
    for (const pods of SIZES) {
      const r = await analyze(pods, pods <= 10_000 ? RUNS : 1);
      const goal = GOALS[pods];
      console.log(
        `  | ${pods.toLocaleString('en')} | ${r.namespaces.toLocaleString('en')} | ${r.policies.toLocaleString('en')} | ${(r.wallMs / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${Math.round(r.maxRssMb)} MB | ${(r.stdoutBytes / 2 ** 20).toFixed(1)} MB |`,
      );
      if (goal) {
        report({ name: `analyze ${pods.toLocaleString('en')} pods / ${r.namespaces} ns / ${r.policies} policies: wall`, value: Math.round(r.wallMs), unit: 'ms', goal: `< ${goal.wallMs} ms`, ok: r.wallMs < goal.wallMs });
        report({ name: `  same, peak RSS`, value: Math.round(r.maxRssMb), unit: 'MB', goal: `< ${goal.rssMb} MB`, ok: r.maxRssMb < goal.rssMb });
        report({ name: `  same, CPU time (what it costs when the machine is shared)`, value: Math.round(r.cpuMs), unit: 'cpu-ms' });
      }
    }
    console.log(`  load average at the end: ${load()}`);
  },
};

export default bench;
