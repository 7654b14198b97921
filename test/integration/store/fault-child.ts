/**
 * Child process for the store fault tests (bundled by the test, run with plain node).
 *   capture <file> <flushMs>   writes flows in a loop, printing "added <count> <wallclock>" after each batch
 *   try <op> <file>            runs open | save | append | validate and prints {ok, code, message} as JSON
 */
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import type { FlowRecord } from '../../../main/model/types.js';
import { SnapshotFileError } from '../../../main/store/errors.js';
import { openSnapshot, saveSnapshot, validateSnapshotFile } from '../../../main/store/snapshot-file.js';
import { SnapshotWriter } from '../../../main/store/writer.js';

const [, , mode, a, b] = process.argv;

const flow = (i: number): FlowRecord => ({
  time: i,
  source: 'hubble',
  src: { peer: `pod:shop/client-${i % 7}`, workload: 'wl:shop/Deployment/client', ip: '10.0.0.1' },
  dst: { peer: 'pod:shop/server-0', workload: 'wl:shop/Deployment/server', ip: '10.0.0.2', port: 8080 },
  protocol: 'TCP',
  port: 8080,
  verdict: i % 10 === 0 ? 'DROPPED' : 'FORWARDED',
});

async function capture(file: string, flushMs: number): Promise<void> {
  const w = SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [], window: {} }, { flushIntervalMs: flushMs });
  let n = 0;
  process.stdout.write(`ready ${Date.now()}\n`);
  for (;;) {
    const batch: FlowRecord[] = [];
    for (let i = 0; i < 50; i++) batch.push(flow(n++));
    w.addFlows(batch);
    process.stdout.write(`added ${n} ${Date.now()}\n`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function attempt(op: string, file: string): void {
  try {
    if (op === 'open') openSnapshot(file);
    else if (op === 'validate') validateSnapshotFile(file);
    else if (op === 'save') saveSnapshot(file, demoSnapshot());
    else if (op === 'append') SnapshotWriter.append(file).close();
    else throw new Error(`unknown op ${op}`);
    process.stdout.write(JSON.stringify({ ok: true }) + '\n');
  } catch (err) {
    const e = err as Error;
    process.stdout.write(JSON.stringify({ ok: false, code: err instanceof SnapshotFileError ? err.code : undefined, message: e.message }) + '\n');
  }
}

if (mode === 'capture') void capture(a, Number(b));
else if (mode === 'try') attempt(a, b);
else {
  process.stderr.write('usage: fault-child capture <file> <flushMs> | try <op> <file>\n');
  process.exit(2);
}
