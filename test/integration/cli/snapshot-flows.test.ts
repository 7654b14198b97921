// `netcity snapshot --context C --flows 3s`: inventory from the Kubernetes API test server, flows from
// the fake Hubble Relay reached by a port-forward to the hubble-relay Service through that API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snapshotCommand from '../../../main/cli/commands/snapshot.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { openSnapshot } from '../../../main/store/index.js';
import { FakeRelay, readJsonFlows, tsOfMs } from '../../fakes/hubble-relay/fake-relay.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

const TCP = fileURLToPath(new URL('../../fixtures/hubble/sample-400-tcp-flows.jsonl', import.meta.url));
let relay: FakeRelay;
let api: KubeApiServer;
let kubeconfig: string;

beforeAll(async () => {
  relay = new FakeRelay();
  const relayPort = await relay.start();
  api = await startKubeApiServer({ snapshot: demoSnapshot(), portForwardTarget: (ns, _pod, port) => (ns === 'kube-system' && port === 4245 ? relayPort : undefined) });
  kubeconfig = writeTestKubeconfig(api);
});
afterAll(async () => {
  await relay?.stop();
  await api?.close();
});

function cli() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => (out += t), err: (t: string) => (err += t), cwd: process.cwd(), signal: new AbortController().signal }, out: () => out, err: () => err };
}

describe('netcity snapshot --context --flows', () => {
  it('captures Hubble flows through the port-forward into the snapshot', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netcity-snapflows-')), 'live.netcity');
    const c = cli();
    const lines = readJsonFlows(TCP);
    // Relay gets new flows while the capture runs (follow mode from "now").
    const pump = setInterval(() => relay.emit(lines.slice(0, 40).map((r) => ({ ...r, flow: { ...r.flow, time: tsOfMs(Date.now()) } }))), 250);
    try {
      const code = await snapshotCommand.run(['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '3s', '--out', file], c.io);
      expect(code, c.err()).toBe(0);
    } finally {
      clearInterval(pump);
    }
    const snap = openSnapshot(file);
    expect(snap.pods.length).toBe(demoSnapshot().pods.length);
    expect(snap.flows.length).toBeGreaterThan(0);
    expect(snap.roads.reduce((n, r) => n + r.count, 0)).toBeGreaterThanOrEqual(snap.flows.length);
    expect(snap.flows.every((f) => f.source === 'hubble')).toBe(true);
  });

  it('keeps the inventory and warns when Relay cannot be reached', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netcity-snapflows-')), 'norelay.netcity');
    const c = cli();
    const code = await snapshotCommand.run(['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '1s', '--hubble-address', '127.0.0.1:1', '--out', file], c.io);
    expect(code).toBe(0);
    expect(c.err()).toMatch(/warning: Hubble: .*127\.0\.0\.1:1/);
    expect(c.err()).toMatch(/no flows were captured/);
    expect(openSnapshot(file).pods.length).toBe(demoSnapshot().pods.length);
  });
});
