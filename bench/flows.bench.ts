/**
 * Flows bench: decode + aggregate rate from the fake relay over loopback (relay in its own
 * process), heap under a sustained 50,000 flows/s capture, and the JSON import parse rate.
 *
 * The issue asks for a flat heap over 10 minutes at 50,000 flows/s; this bench runs the same
 * capture for FLOWS_BENCH_SUSTAIN_S seconds (default 30) to stay within the bench budget. Run the
 * full figure with FLOWS_BENCH_SUSTAIN_S=600 npm run bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Bench } from './harness.js';
import { heapMb } from './harness.js';
import { HubbleClient } from '../main/flows/hubble-client.js';
import { HubbleCapture } from '../main/flows/hubble-capture.js';
import { RoadAggregator } from '../main/flows/aggregate.js';
import { importHubbleFile } from '../main/flows/json-import.js';
import { packageRoot } from '../main/flows/proto.js';

const gc = (globalThis as { gc?: () => void }).gc;
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The compiled fake relay entry point next to this compiled bench (out/dev/...). */
function relayScript(): string {
  const beside = fileURLToPath(new URL('../test/fakes/hubble-relay/cli.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return join(packageRoot(), 'out', 'dev', 'test', 'fakes', 'hubble-relay', 'cli.js');
}

async function startRelay(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [relayScript(), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake relay exited with ${code} before listening`)));
    rl.once('line', (l) => resolve(JSON.parse(l).port));
  });
  return { port, child };
}

function stopRelay(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const bench: Bench = {
  name: 'flows',
  async run(report) {
    // 1. Decode + aggregate, as fast as the client can: Relay answers "last N" from a full buffer.
    const N = Number(process.env.FLOWS_BENCH_N ?? 300_000);
    {
      const { port, child } = await startRelay(['--prefill', String(N), '--buffer', String(N)]);
      try {
        // The live configuration: HubbleCapture (roads + raw flows as bytes in a bounded ring).
        const client = new HubbleClient({ address: `127.0.0.1:${port}` });
        const cap = new HubbleCapture(client, { maxRawFlows: 10_000, statusEveryMs: 0 });
        await client.serverStatus(); // connection warm-up, not timed
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await cap.start({ last: N });
        const t1 = performance.now();
        const c = process.cpuUsage(c0);
        const n = cap.stats().flows;
        if (n !== N) throw new Error(`flows bench: expected ${N} flows, got ${n}${cap.stats().error ? ` (${cap.stats().error})` : ''}`);
        const rate = n / ((t1 - t0) / 1000);
        const perCpu = n / ((c.user + c.system) / 1e6);
        report({ name: 'decode+aggregate from fake relay (loopback, wall clock)', value: Math.round(rate), unit: 'flows/s', goal: '>= 100000', ok: rate >= 100_000 });
        // Per CPU-second of this process (HTTP/2 + gRPC framing + decode + aggregate): what one core
        // sustains, whatever else shares the machine (the relay runs in its own process).
        report({ name: 'decode+aggregate per client CPU-second', value: Math.round(perCpu), unit: 'flows/cpu-s', goal: '>= 100000', ok: perCpu >= 100_000 });
        report({ name: 'roads from synthetic capture', value: cap.stats().roads, unit: 'roads' });
      } finally {
        await stopRelay(child);
      }
    }

    // 2. Sustained capture at 50,000 flows/s: heap must stay flat (roads complete, raw flows ringed).
    {
      const seconds = Number(process.env.FLOWS_BENCH_SUSTAIN_S ?? 30);
      const rate = 50_000;
      const { port, child } = await startRelay(['--rate', String(rate)]);
      try {
        const cap = new HubbleCapture(new HubbleClient({ address: `127.0.0.1:${port}` }), { maxRawFlows: 10_000, statusEveryMs: 5000 });
        let delivered = 0;
        cap.onFlows((b) => {
          delivered += b.length;
        });
        const running = cap.start({ follow: true });
        // Let the ring fill and the JIT warm up before the baseline.
        const warm = Math.min(10, Math.max(2, seconds / 3));
        await new Promise((r) => setTimeout(r, warm * 1000));
        await settle();
        const base = heapMb();
        const baseFlows = cap.stats().flows;
        const tBase = performance.now();
        let cpuUs = 0; // client CPU while capturing, without the forced GCs of the heap samples
        let peak = base;
        const samples: number[] = [];
        const end = performance.now() + (seconds - warm) * 1000;
        while (performance.now() < end) {
          const c0 = process.cpuUsage();
          await new Promise((r) => setTimeout(r, 2000));
          const c = process.cpuUsage(c0);
          cpuUs += c.user + c.system;
          await settle();
          const h = heapMb();
          samples.push(h);
          peak = Math.max(peak, h);
        }
        const received = cap.stats().flows - baseFlows;
        const wall = (performance.now() - tBase) / 1000;
        const achieved = received / wall;
        // Cores this process needs for 50,000 flows/s, from its CPU time per flow received.
        const coresAt50k = (cpuUs / 1e6 / Math.max(1, received)) * rate;
        const lost = cap.stats().lostEvents;
        await cap.stop();
        await running;
        const last = samples.at(-1) ?? base;
        const growth = last - base;
        report({ name: `sustained capture: flows/s received (${seconds} s, 50,000/s offered)`, value: Math.round(achieved), unit: 'flows/s', goal: '>= 47500', ok: achieved >= rate * 0.95 });
        report({ name: 'client CPU needed for 50,000 flows/s (incl. GC and sampling)', value: Number(coresAt50k.toFixed(2)), unit: 'cores', goal: '< 1', ok: coresAt50k < 1 });
        report({ name: 'heap after warm-up (after GC)', value: Number(base.toFixed(1)), unit: 'MB' });
        report({ name: 'heap growth over the sustained run (after GC)', value: Number(growth.toFixed(1)), unit: 'MB', goal: '< 20 (flat)', ok: growth < 20 });
        report({ name: 'heap peak during the sustained run (after GC)', value: Number(peak.toFixed(1)), unit: 'MB' });
        report({ name: 'flows delivered to listeners', value: delivered, unit: 'flows' });
        report({ name: 'flows the relay dropped for falling behind (lost events, shown as warnings)', value: lost, unit: 'flows' });
      } finally {
        await stopRelay(child);
      }
    }

    // 3. JSON import parse rate (jsonpb lines from the real captures, repeated).
    {
      const dir = mkdtempSync(join(tmpdir(), 'netcity-flows-bench-'));
      try {
        const fixtures = join(packageRoot(), '..', 'shared', 'fixtures', 'hubble');
        let lines: string[];
        try {
          lines = ['sample-400-tcp-flows.jsonl', 'sample-400-udp-flows.jsonl'].flatMap((f) => readFileSync(join(fixtures, f), 'utf8').split('\n').filter(Boolean));
        } catch {
          // Without the shared fixtures, use a synthetic line in the same format.
          lines = [JSON.stringify({ flow: { time: '2026-01-01T00:00:00.123456789Z', verdict: 'FORWARDED', IP: { source: '10.0.0.1', destination: '10.0.0.2' }, l4: { TCP: { source_port: 40000, destination_port: 80 } }, source: { namespace: 'a', pod_name: 'web-6d9f8b7c5d-x2k2q', labels: ['k8s:app=web'] }, destination: { namespace: 'a', pod_name: 'db-0', labels: ['k8s:app=db'] }, Type: 'L3_L4', node_name: 'n1' } })];
        }
        const path = join(dir, 'big.jsonl');
        const total = 100_000;
        await new Promise<void>((resolve, reject) => {
          const out = createWriteStream(path);
          out.on('error', reject);
          for (let i = 0; i < total; i++) out.write(lines[i % lines.length] + '\n');
          out.end(resolve);
        });
        const mb = statSync(path).size / 1024 / 1024;
        const t0 = performance.now();
        const r = await importHubbleFile(path, { aggregator: new RoadAggregator({ maxRawFlows: 10_000 }) });
        const s = (performance.now() - t0) / 1000;
        report({ name: `JSON import parse+aggregate (${total} lines, ${mb.toFixed(0)} MB)`, value: Math.round(r.flows / s), unit: 'lines/s' });
        report({ name: 'JSON import throughput', value: Number((mb / s).toFixed(1)), unit: 'MB/s' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  },
};

export default bench;
