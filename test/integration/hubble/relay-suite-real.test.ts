/**
 * The Hubble client suite against Cilium's real hubble-relay over two real Hubble observers
 * (test/hubble/node: pkg/hubble/observer inside pkg/hubble/server, fed from flow files), and the
 * real `hubble observe` against the fake Relay. Run by `npm run test:hubble` (test/hubble/run.sh),
 * which builds the binaries and sets NETCITY_HUBBLE_BIN / NETCITY_HUBBLE_NODE_BIN; skipped without.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRelay, responseFromJson } from '../../fakes/hubble-relay/fake-relay.js';
import { describeHubbleSuite, NODES, perNode, suiteEvents } from './suite.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const BIN = process.env.NETCITY_HUBBLE_BIN;
const NODE_BIN = process.env.NETCITY_HUBBLE_NODE_BIN;
const missing = !BIN || !NODE_BIN ? 'NETCITY_HUBBLE_BIN / NETCITY_HUBBLE_NODE_BIN not set: run `npm run test:hubble`' : !existsSync(join(BIN, 'hubble-relay')) ? `no hubble-relay in ${BIN}` : undefined;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function listening(port: number, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() - t0 > ms) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function run(cmd: string, args: string[], log: string): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d) => appendFileSync(log, d));
  return child;
}

const stop = (c: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!c || c.exitCode !== null || c.signalCode) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

const jsonl = (lines: Obj[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

describeHubbleSuite(
  'Cilium v1.17.8 hubble-relay with two Hubble observers',
  async (events) => {
    const dir = mkdtempSync(join(tmpdir(), 'netcity-hubble-real-'));
    const log = join(dir, 'processes.log');
    const ports = Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await freePort()] as const)));
    const relayPort = await freePort();
    const healthPort = await freePort();
    const peers = NODES.map((n) => `${n}=127.0.0.1:${ports[n]}`).join(',');
    const nodes: Record<string, ChildProcess> = {};
    for (const n of NODES) {
      const file = join(dir, `${n}.jsonl`);
      writeFileSync(file, jsonl(events[n]));
      // The first node also serves the peer service Relay discovers the nodes through.
      nodes[n] = run(NODE_BIN!, ['--name', n, '--listen', `127.0.0.1:${ports[n]}`, '--events', file, ...(n === NODES[0] ? ['--peers', peers] : [])], log);
    }
    for (const n of NODES) await listening(ports[n]);
    const startRelay = () =>
      run(
        join(BIN!, 'hubble-relay'),
        [
          'serve',
          `--peer-service=127.0.0.1:${ports[NODES[0]]}`,
          `--listen-address=127.0.0.1:${relayPort}`,
          `--health-listen-address=127.0.0.1:${healthPort}`,
          '--disable-client-tls',
          '--disable-server-tls',
          '--gops=false',
          '--retry-timeout=1s',
          '--sort-buffer-drain-timeout=100ms',
        ],
        log,
      );
    let relay = startRelay();
    await listening(relayPort);
    return {
      address: `127.0.0.1:${relayPort}`,
      emit: async (node, lines) => appendFileSync(join(dir, `${node}.jsonl`), jsonl(lines)),
      stopNode: async (node) => stop(nodes[node]),
      restartRelay: async () => {
        await stop(relay);
        relay = startRelay();
        await listening(relayPort);
      },
      close: async () => {
        await stop(relay);
        await Promise.all(Object.values(nodes).map(stop));
        if (!process.env.NETCITY_HUBBLE_KEEP) rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { skip: missing },
);

describe.skipIf(Boolean(missing))('the real hubble CLI against the fake Relay', () => {
  const events = suiteEvents(Date.now() - 10 * 60_000);
  const flows = perNode(events, (f) => f);
  const stored = Object.values(events).flat().length;
  let relay: FakeRelay;
  beforeAll(async () => {
    relay = new FakeRelay({ nodes: NODES, bufferSize: 2 * 4095 });
    await relay.start();
    relay.emit(Object.values(events).flat().map(responseFromJson));
  });
  afterAll(() => relay?.stop());

  const observe = async (...args: string[]): Promise<Obj[]> => {
    const { stdout } = await promisify(execFile)(join(BIN!, 'hubble'), ['observe', '--server', relay.address, '--all', '-o', 'jsonpb', ...args], { maxBuffer: 64 << 20 });
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.flow);
  };
  const uuids = (ls: Obj[]) => ls.map((l) => l.flow.uuid).sort();

  it('hubble status passes (health, server status)', async () => {
    const { stdout } = await promisify(execFile)(join(BIN!, 'hubble'), ['status', '--server', relay.address]);
    expect(stdout).toMatch(/Healthcheck \(via .*\): Ok/);
    expect(stdout).toMatch(new RegExp(`Current/Max Flows: ${stored.toLocaleString('en')}/`));
    expect(stdout).toMatch(/Connected Nodes: 2\/2/);
  });

  it('--type l7 returns exactly the L7 flows', async () => {
    const want = flows.filter((f) => f.l7).map((f) => f.uuid).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(uuids(await observe('--type', 'l7'))).toEqual(want);
  });

  it('--http-status 503 returns exactly the HTTP 503 responses', async () => {
    const want = flows.filter((f) => f.l7?.http?.code === 503).map((f) => f.uuid).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(uuids(await observe('--http-status', '503'))).toEqual(want);
  });

  it('--verdict DROPPED returns exactly the drops', async () => {
    const want = flows.filter((f) => f.verdict === 'DROPPED').map((f) => f.uuid).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(uuids(await observe('--verdict', 'DROPPED'))).toEqual(want);
  });

  it('--drop-reason-desc, --workload and --last N (of each node) in time order', async () => {
    const drops = flows.filter((f) => f.drop_reason_desc === 'POLICY_DENIED').map((f) => f.uuid).sort();
    expect(uuids(await observe('--drop-reason-desc', 'POLICY_DENIED'))).toEqual(drops);
    const cart = flows.filter((f) => [f.source, f.destination].some((e) => e?.workloads?.some((w: Obj) => w.name === 'cart'))).map((f) => f.uuid).sort();
    expect(uuids(await observe('--workload', 'cart'))).toEqual(cart);
    const { stdout } = await promisify(execFile)(join(BIN!, 'hubble'), ['observe', '--server', relay.address, '--last', '5', '-o', 'jsonpb']);
    const last = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).flow.uuid);
    expect(last).toEqual(perNode(events, (f) => f.slice(-5)).map((f) => f.uuid));
  });
});
