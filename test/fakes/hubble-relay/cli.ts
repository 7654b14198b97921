/**
 * Runs the fake relay as its own process (benches use it so the server does not share the
 * client's event loop). Prints one JSON line {"port": n} once listening; stops on SIGTERM or
 * when stdin closes.
 *   node out/dev/test/fakes/hubble-relay/cli.js [--prefill N] [--rate N] [--buffer N] [--replay FILE]
 */
import { parseArgs } from 'node:util';
import { FakeRelay, readJsonFlows } from './fake-relay.js';
import { SyntheticFlows } from './synthetic.js';

const { values } = parseArgs({
  options: {
    prefill: { type: 'string', default: '0' },
    rate: { type: 'string', default: '0' },
    buffer: { type: 'string', default: '4095' },
    replay: { type: 'string' },
    port: { type: 'string', default: '0' },
  },
});

const relay = new FakeRelay({ bufferSize: Number(values.buffer) });
const syn = new SyntheticFlows(relay, 1024);
const prefill = Number(values.prefill);
if (prefill > 0) {
  const t0 = Date.now() - prefill / 1000;
  const resps = [];
  const enc = [];
  for (let i = 0; i < prefill; i++) {
    const { resp, encoded } = syn.make(i, t0 + i / 1000);
    resps.push(resp);
    enc.push(encoded);
  }
  relay.emit(resps, enc);
}
if (values.replay) relay.emit(readJsonFlows(values.replay));
const port = await relay.start(Number(values.port));
if (Number(values.rate) > 0) relay.produce(Number(values.rate), syn.make);
process.stdout.write(JSON.stringify({ port }) + '\n');

const stop = async () => {
  await relay.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
