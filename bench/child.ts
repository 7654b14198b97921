/** Runs a Node script as a child process and measures it whole: wall time, CPU time, peak RSS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildRun {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  code: number | null;
  stdoutBytes: number;
  /** The first 64 kB of stdout. */
  stdout: string;
  stderr: string;
}

const HOOK = fileURLToPath(new URL('./usage-hook.js', import.meta.url));

export async function measureNode(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'netcity-bench-usage-'));
  const usageFile = join(dir, 'usage.json');
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', HOOK, ...args], { env: { ...process.env, ...env, NETCITY_USAGE_FILE: usageFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (stdout.length < 65_536) stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    const wallMs = performance.now() - t0;
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssMb: number; cpuMs: number };
    return { wallMs, ...usage, code, stdoutBytes, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function medianOf(n: number, run: () => Promise<ChildRun>): Promise<ChildRun> {
  const runs: ChildRun[] = [];
  for (let i = 0; i < n; i++) runs.push(await run());
  const mid = <K extends 'wallMs' | 'cpuMs' | 'maxRssMb'>(k: K) => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(n / 2)];
  return { ...runs[runs.length - 1], wallMs: mid('wallMs'), cpuMs: mid('cpuMs'), maxRssMb: mid('maxRssMb') };
}
