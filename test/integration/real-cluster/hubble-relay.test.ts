// Hubble Relay through the cluster, the way the app reaches it: find the hubble-relay Service and
// a ready pod behind it (main/flows/relay-locator.ts), port-forward to the pod's port through the
// API server (ClusterConnection.forwardPort), and speak gRPC over it (HubbleClient). On the local
// control plane kwok connects that pod port to the fake relay (test/fakes/hubble-relay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { HubbleClient, type RelayConnection } from '../../../main/flows/hubble-client.js';
import { locateHubbleRelay, relayConnector, type PortForward, type RelayClusterLister } from '../../../main/flows/relay-locator.js';
import type { FlowRecord } from '../../../main/model/types.js';
import { FakeRelay, tsOfMs } from '../../fakes/hubble-relay/fake-relay.js';
import { syntheticFlowBody } from '../../fakes/hubble-relay/synthetic.js';
import { acquireFakeRelayPort, adminContext, announceSkip, fakeRelayPort, isLocalControlPlane, kubeconfigPath, prepareCluster, waitFor } from './fixture.js';

const skip = announceSkip(import.meta.filename);
const local = isLocalControlPlane() && fakeRelayPort() !== undefined;
if (!skip && !local) console.warn('[hubble-relay.test.ts] not the local control plane (test/cluster/up.sh): no kwok port-forward to a fake relay; skipped');

const flowResponse = (k: number, timeMs: number) => ({ flow: { ...syntheticFlowBody(k), time: tsOfMs(timeMs), uuid: `it-${k}` } });

describe.skipIf(skip || !local)('Hubble Relay via port-forward to the hubble-relay pod', () => {
  const relay = new FakeRelay({ nodes: ['kwok-node-0', 'kwok-node-1'], version: '1.17.0-fake' });
  const conn = new ClusterConnection();
  const opened: RelayConnection[] = [];
  let lister: RelayClusterLister;
  let portForward: PortForward;
  let releasePort: (() => void) | undefined;

  beforeAll(async () => {
    await prepareCluster();
    const held = await acquireFakeRelayPort();
    releasePort = held.release;
    await relay.start(held.port);
    const now = Date.now();
    relay.emit(Array.from({ length: 6 }, (_, k) => flowResponse(k, now - 6_000 + k * 1000)));
    await conn.connect(adminContext(), {
      kubeconfig: { path: kubeconfigPath(), searchPath: process.env.PATH ?? '' },
      pageSize: 500,
      backoff: { initialMs: 200, maxMs: 5_000 },
      watchTimeoutSeconds: 300,
    });
    const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    lister = {
      listServices: async (ns) => conn.snapshot().services.filter((s) => s.namespace === ns),
      listPods: async (ns, sel) => conn.snapshot().pods.filter((p) => p.namespace === ns && matches(sel, p.labels)),
    };
    portForward = async (namespace, pod, port) => {
      const fp = await conn.forwardPort({ namespace, pod, port });
      const c: RelayConnection = { host: fp.host, port: fp.port, close: () => fp.close() };
      opened.push(c);
      return c;
    };
  }, 240_000);

  afterAll(async () => {
    for (const c of opened) await c.close();
    conn.close();
    await relay.stop();
    releasePort?.();
  });

  it('locates Relay: service port 80 targets pod port 4245 of a Running pod', async () => {
    const loc = await locateHubbleRelay(lister);
    expect(loc).toMatchObject({ namespace: 'kube-system', service: 'hubble-relay', servicePort: 80, podPort: 4245 });
    expect(loc.pod).toMatch(/^hubble-relay-/);
  });

  it('answers ServerStatus and GetNodes through the port-forward', async () => {
    const client = new HubbleClient({ connect: relayConnector(lister, portForward), label: 'hubble-relay (kube-system) via port-forward', connectTimeoutMs: 10_000 });
    const status = await client.serverStatus();
    expect(status.version).toBe('1.17.0-fake');
    expect(status.numFlows).toBe(6);
    expect(status.numConnectedNodes).toBe(2);
    const nodes = await client.getNodes();
    expect(nodes.map((n) => n.name).sort()).toEqual(['kwok-node-0', 'kwok-node-1']);
  });

  it('streams the last flows and then follows new ones', async () => {
    const client = new HubbleClient({ connect: relayConnector(lister, portForward), label: 'hubble-relay via port-forward', connectTimeoutMs: 10_000 });
    const last: FlowRecord[] = [];
    const r = await client.streamFlows({ last: 4 }, { onFlow: (f) => last.push(f) });
    expect(r.reason).toBe('complete');
    expect(last).toHaveLength(4);
    expect(last.every((f) => f.source === 'hubble')).toBe(true);

    const followed: FlowRecord[] = [];
    const stop = new AbortController();
    const streaming = client.streamFlows({ follow: true, since: Date.now() }, { onFlow: (f) => followed.push(f) }, { signal: stop.signal });
    try {
      // Emit until the follow stream (opened through a fresh port-forward) has delivered one.
      await waitFor('a followed flow through the port-forward', async () => {
        relay.emit([flowResponse(100 + followed.length, Date.now())]);
        return followed.length > 0 ? true : undefined;
      }, 20_000, 250);
    } finally {
      stop.abort();
    }
    const result = await streaming;
    expect(result.reason).toBe('cancelled');
    expect(followed[0].time).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reconnects through a new port-forward after Relay cuts the stream, without losing or repeating flows', async () => {
    const client = new HubbleClient({ connect: relayConnector(lister, portForward), label: 'hubble-relay via port-forward', connectTimeoutMs: 10_000 });
    const got: FlowRecord[] = [];
    const stop = new AbortController();
    const forwardsBefore = opened.length;
    const start = Date.now();
    const streaming = client.streamFlows(
      { follow: true, since: start },
      { onFlow: (f) => got.push(f) },
      { signal: stop.signal, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 } },
    );
    let k = 0;
    const emitOne = () => relay.emit([{ flow: { ...syntheticFlowBody(200 + k), time: tsOfMs(Date.now()), uuid: `rc-${k++}` } }]);
    try {
      await waitFor('the first followed flow', async () => {
        emitOne();
        return got.length > 0 ? true : undefined;
      }, 20_000, 200);
      relay.cutStreams('integration test: relay restarts');
      await waitFor('flows after the cut', async () => {
        emitOne();
        return got.length >= 5 ? true : undefined;
      }, 30_000, 200);
    } finally {
      stop.abort();
    }
    const result = await streaming;
    expect(result.reconnects).toBeGreaterThanOrEqual(1);
    // Each attempt located Relay again and opened its own port-forward.
    expect(opened.length - forwardsBefore).toBeGreaterThanOrEqual(2);
    // Every flow emitted since the stream started arrived (the last one may still have been in flight).
    expect(got.length).toBeLessThanOrEqual(k);
    expect(got.length).toBeGreaterThanOrEqual(k - 1);
    const times = got.map((f) => f.time);
    expect(new Set(got.map((f) => `${f.time}/${f.src.port}/${f.dst.peer}`)).size).toBe(got.length);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
