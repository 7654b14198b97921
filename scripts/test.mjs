// `npm test`: a test build (scripts/build-test.mjs), then every suite (unit + integration, component, end-to-end) even when
// one fails, reports each, and exits non-zero at the end if any failed.
import { spawnSync } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const steps = [
  // The e2e suites drive the app through its test hooks, which only a test build has.
  { name: 'build (with test hooks)', cmd: process.execPath, args: ['scripts/build-test.mjs'], required: true },
  { name: 'unit + integration', cmd: npx, args: ['vitest', 'run', '--project', 'unit'] },
  { name: 'component', cmd: npx, args: ['vitest', 'run', '--project', 'component'] },
  { name: 'end-to-end (Chromium)', cmd: npx, args: ['vitest', 'run', '--project', 'e2e'] },
];
const extra = process.argv.slice(2);
const results = [];
for (const step of steps) {
  process.stdout.write(`\n=== npm test: ${step.name}\n`);
  const started = Date.now();
  const r = spawnSync(step.cmd, [...step.args, ...(step.required ? [] : extra)], { stdio: 'inherit' });
  const ok = r.status === 0;
  results.push({ name: step.name, ok, seconds: Math.round((Date.now() - started) / 1000), why: r.error?.message });
  if (!ok && step.required) break;
}
process.stdout.write('\n=== npm test: summary\n');
for (const r of results) process.stdout.write(`  ${r.ok ? 'ok    ' : 'FAILED'}  ${r.name} (${r.seconds} s)${r.why ? `: ${r.why}` : ''}\n`);
const skipped = steps.slice(results.length).map((s) => s.name);
if (skipped.length) process.stdout.write(`  not run (the build failed): ${skipped.join(', ')}\n`);
const failed = results.filter((r) => !r.ok).length;
process.exitCode = failed || skipped.length ? 1 : 0;
