/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints
 * their figures with the goals from the issues. Figures are for this machine: say which when
 * you quote them (`nproc`, CPU model are printed first).
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, Figure } from './harness.js';

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const wanted = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
    .sort();
  console.log(`NetCity benchmarks — ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  const all: Figure[] = [];
  let failed = 0;
  for (const file of files) {
    const bench = (await import(pathToFileURL(join(here, file)).href)).default as Bench;
    console.log(`\n## ${bench.name}`);
    const t0 = performance.now();
    try {
      await bench.run((f) => {
        const fig = { bench: bench.name, ...f };
        all.push(fig);
        const value = Number.isInteger(f.value) ? f.value.toLocaleString('en-US') : f.value.toLocaleString('en-US', { maximumFractionDigits: 2 });
        const goal = f.goal ? `  (goal ${f.goal}${f.ok === undefined ? '' : f.ok ? ': met' : ': NOT met'})` : '';
        console.log(`  ${f.name.padEnd(58)} ${value.padStart(14)} ${f.unit}${goal}`);
      });
    } catch (err) {
      failed++;
      console.log(`  FAILED: ${(err as Error).stack ?? err}`);
    }
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const missed = all.filter((f) => f.ok === false);
  console.log(`\n${all.length} figures from ${files.length} benchmarks; ${missed.length} goals not met; ${failed} benchmarks failed.`);
  process.exitCode = failed ? 1 : 0;
}

void main();
