// Calico Goldmane as a flow source: the client against the fake Goldmane (built from the same
// proto), flows -> roads with Calico's policy trace, and `netcity snapshot --context C --flows 3s`
// reaching the goldmane Service in calico-system by a port-forward through the Kubernetes API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import snapshotCommand from '../../../main/cli/commands/snapshot.js';
import { aggregateFlows } from '../../../main/flows/aggregate.js';
import { GoldmaneClient, loadGoldmaneProto } from '../../../main/flows/goldmane-client.js';
import { goldmaneFlowToRecord, goldmaneMapping } from '../../../main/flows/goldmane-flow.js';
import type { FlowRecord, Snapshot } from '../../../main/model/types.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { openSnapshot } from '../../../main/store/index.js';
import { FakeGoldmane, goldmaneFlow } from '../../fakes/goldmane/fake-goldmane.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

const DENY = { kind: 'GlobalNetworkPolicy', name: 'security.block-egress', tier: 'security', action: 'Deny', policy_index: '0', rule_index: '1' };
const ALLOW_NP = { kind: 'NetworkPolicy', namespace: 'shop', name: 'allow-frontend', tier: 'default', action: 'Allow', policy_index: '1', rule_index: '0' };
const PASS = { kind: 'CalicoNetworkPolicy', namespace: 'shop', name: 'platform.pass-all', tier: 'platform', action: 'Pass', policy_index: '0', rule_index: '0' };
const STAGED = { kind: 'StagedNetworkPolicy', namespace: 'shop', name: 'staged:security.lockdown', tier: 'security', action: 'Deny', policy_index: '0', rule_index: '0' };
const END = { kind: 'EndOfTier', tier: 'security', action: 'Deny', policy_index: '1', rule_index: '-1', trigger: { kind: 'GlobalNetworkPolicy', name: 'security.block-egress', tier: 'security' } };

/** The demo city with Goldmane installed (calico-system/goldmane, a ready pod). */
function calicoCity(): Snapshot {
  const s = demoSnapshot();
  return {
    ...s,
    namespaces: [...s.namespaces, { name: 'calico-system', labels: {} }],
    pods: [
      ...s.pods,
      { namespace: 'calico-system', name: 'goldmane-7c9d8b5f4-abcde', labels: { 'k8s-app': 'goldmane' }, ips: ['10.0.9.9'], node: s.nodes[0].name, phase: 'Running', hostNetwork: false, owner: { kind: 'Deployment', name: 'goldmane' }, ports: [{ name: 'grpc', containerPort: 7443, protocol: 'TCP' }] },
    ],
    services: [
      ...s.services,
      { namespace: 'calico-system', name: 'goldmane', type: 'ClusterIP', clusterIPs: ['10.96.7.7'], ports: [{ port: 7443, targetPort: 7443, protocol: 'TCP' }], selector: { 'k8s-app': 'goldmane' }, endpoints: [] },
    ],
  };
}

describe('Goldmane flows -> FlowRecords', () => {
  const map = goldmaneMapping(demoSnapshot());
  it('maps endpoints to workloads by generate-name prefix, the action to the verdict, the trace to enforced and pending rules', () => {
    const f = goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Deny', reporter: 'Src', enforced: [PASS, DENY], pending: [STAGED] });
    const r = goldmaneFlowToRecord({ ...f, start_time: '1700000000' }, map)!;
    expect(r).toMatchObject({
      time: 1_700_000_000_000,
      source: 'goldmane',
      src: { peer: 'wl:shop/Deployment/frontend', workload: 'wl:shop/Deployment/frontend' },
      dst: { peer: 'wl:shop/Deployment/cart', port: 8080 },
      protocol: 'TCP',
      port: 8080,
      verdict: 'DROPPED',
      deniedBy: ['tier platform, policy shop/pass-all, egress rule 1: Pass', 'tier security, policy block-egress, egress rule 2: Deny'],
      pendingBy: ['tier security, policy shop/lockdown, egress rule 1: Deny (StagedNetworkPolicy)'],
      bytes: 500,
      packets: 5,
    });
    expect(r.allowedBy).toBeUndefined();
  });

  it('names end-of-tier and Kubernetes policies; non-workload ends become world or their node', () => {
    const f = goldmaneFlow({ src: ['', 'pub'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 80, action: 'Allow', enforced: [ALLOW_NP] });
    f.Key.source_type = 'Network';
    const r = goldmaneFlowToRecord(f, map)!;
    expect(r.src).toMatchObject({ peer: 'world', labels: ['network:pub'] });
    expect(r.allowedBy).toEqual(['tier default, policy shop/allow-frontend, ingress rule 1: Allow (NetworkPolicy)']);
    const e = goldmaneFlowToRecord(goldmaneFlow({ src: ['shop', 'cart-q2wrso1dg-*'], dst: ['data', 'db-*'], port: 5432, action: 'Deny', enforced: [END] }), map)!;
    expect(e.deniedBy).toEqual(['tier security: end of tier, default action Deny; selected by block-egress']);
    // An unknown prefix: a Deployment guessed from the ReplicaSet-style name.
    expect(e.dst.peer).toBe('wl:data/Deployment/db');
    const h = goldmaneFlow({ src: ['', demoSnapshot().nodes[0].name], dst: ['shop', 'cart-q2wrso1dg-*'], port: 80, action: 'Allow' });
    h.Key.source_type = 'HostEndpoint';
    expect(goldmaneFlowToRecord(h, map)!.src.peer).toBe(`node:${demoSnapshot().nodes[0].name}`);
  });

  it('roads keep the verdict and the trace (pending apart)', () => {
    const flows = [
      goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Deny', reporter: 'Src', enforced: [DENY], pending: [STAGED] }),
      goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Deny', reporter: 'Src', enforced: [DENY] }),
    ].map((f) => goldmaneFlowToRecord(f, map)!) as FlowRecord[];
    const [road] = aggregateFlows(flows);
    expect(road).toMatchObject({ src: 'wl:shop/Deployment/frontend', dst: 'wl:shop/Deployment/cart', verdict: 'DROPPED', count: 2, sources: ['goldmane'] });
    expect(road.deniedBy).toEqual(['tier security, policy block-egress, egress rule 2: Deny']);
    expect(road.pendingBy).toEqual(['tier security, policy shop/lockdown, egress rule 1: Deny (StagedNetworkPolicy)']);
  });
});

describe('GoldmaneClient against the fake Goldmane', () => {
  let fake: FakeGoldmane;
  let port: number;
  beforeAll(async () => {
    fake = new FakeGoldmane();
    port = await fake.start();
  });
  afterAll(async () => fake?.stop());

  it('is built from the same proto: the Flows service with List and Stream', () => {
    const svc = loadGoldmaneProto().Flows.service;
    expect(Object.values(svc).map((m) => m.path).sort()).toEqual(['/goldmane.Flows/List', '/goldmane.Flows/Stream']);
  });

  it('lists a window page by page', async () => {
    const now = Math.floor(Date.now() / 1000);
    fake.emit(Array.from({ length: 5 }, (_, i) => goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8000 + i, action: 'Allow', start: now - 60 + i })));
    const flows = await new GoldmaneClient({ address: `127.0.0.1:${port}` }).list({ startTimeGte: -120, pageSize: 2 });
    expect(flows.map((f) => Number(f.Key.dest_port))).toEqual([8000, 8001, 8002, 8003, 8004]);
    expect(fake.requests.filter((r) => r.method === 'List').map((r) => Number(r.req.page))).toEqual([0, 1, 2]);
  });

  it('streams new flows until stopped, mapped', async () => {
    const got: FlowRecord[] = [];
    const stop = new AbortController();
    const client = new GoldmaneClient({ address: `127.0.0.1:${port}` });
    const running = client.stream(goldmaneMapping(demoSnapshot()), (f) => got.push(f), { signal: stop.signal });
    while (fake.openStreams === 0) await new Promise((r) => setTimeout(r, 20));
    fake.emit([goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 9090, action: 'Deny', enforced: [DENY] })]);
    while (got.length === 0) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await running).toBe(1);
    expect(got[0]).toMatchObject({ port: 9090, verdict: 'DROPPED', deniedBy: ['tier security, policy block-egress, ingress rule 2: Deny'] });
  });

  it('says where it failed when Goldmane is not there', async () => {
    await expect(new GoldmaneClient({ address: '127.0.0.1:1', connectTimeoutMs: 500 }).list()).rejects.toThrow(/Goldmane at 127\.0\.0\.1:1: not reachable/);
  });
});

describe('netcity snapshot --context --flows on a Calico city with Goldmane', () => {
  let fake: FakeGoldmane;
  let api: KubeApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    fake = new FakeGoldmane();
    const port = await fake.start();
    api = await startKubeApiServer({ snapshot: calicoCity(), portForwardTarget: (ns, _pod, p) => (ns === 'calico-system' && p === 7443 ? port : undefined) });
    kubeconfig = writeTestKubeconfig(api);
  });
  afterAll(async () => {
    await fake?.stop();
    await api?.close();
  });

  it('fills roads with Calico policy traces through the port-forward', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netcity-goldmane-')), 'live.netcity');
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t), cwd: process.cwd(), signal: new AbortController().signal };
    const pump = setInterval(
      () =>
        fake.emit([
          goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'cart-q2wrso1dg-*'], port: 8080, action: 'Deny', reporter: 'Src', enforced: [DENY], pending: [STAGED] }),
          goldmaneFlow({ src: ['shop', 'frontend-1v8faai1h-*'], dst: ['shop', 'catalog-hl6gm913p-*'], port: 80, action: 'Allow', enforced: [PASS, ALLOW_NP] }),
        ]),
      250,
    );
    try {
      const code = await snapshotCommand.run(['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '3s', '--out', file], io);
      expect(code, err).toBe(0);
    } finally {
      clearInterval(pump);
    }
    expect(err).toContain('flow source: Calico Goldmane');
    expect(err).not.toMatch(/warning: (Goldmane|no flows)/);
    const snap = openSnapshot(file);
    expect(snap.flows.length).toBeGreaterThan(0);
    expect(snap.flows.every((f) => f.source === 'goldmane')).toBe(true);
    const denied = snap.roads.find((r) => r.src === 'wl:shop/Deployment/frontend' && r.dst === 'wl:shop/Deployment/cart' && r.port === 8080)!;
    expect(denied).toMatchObject({ verdict: 'DROPPED', deniedBy: ['tier security, policy block-egress, egress rule 2: Deny'], pendingBy: ['tier security, policy shop/lockdown, egress rule 1: Deny (StagedNetworkPolicy)'] });
    const allowed = snap.roads.find((r) => r.dst === 'wl:shop/Deployment/catalog')!;
    expect(allowed.allowedBy).toEqual(['tier default, policy shop/allow-frontend, ingress rule 1: Allow (NetworkPolicy)', 'tier platform, policy shop/pass-all, ingress rule 1: Pass']);
  });

  it('keeps the inventory and warns when Goldmane cannot be reached', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'netcity-goldmane-')), 'none.netcity');
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t), cwd: process.cwd(), signal: new AbortController().signal };
    const code = await snapshotCommand.run(['--context', 'test-admin', '--kubeconfig', kubeconfig, '--flows', '1s', '--goldmane-address', '127.0.0.1:1', '--out', file], io);
    expect(code).toBe(0);
    expect(err).toMatch(/warning: Goldmane: .*127\.0\.0\.1:1/);
    expect(openSnapshot(file).pods.length).toBe(calicoCity().pods.length);
  });
});
