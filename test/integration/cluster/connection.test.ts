import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { ClusterConnection } from '../../../main/cluster/connection.js';
import { listContexts } from '../../../main/cluster/kubeconfig.js';
import { ClusterError } from '../../../main/cluster/errors.js';
import { policyKey } from '../../../main/model/ids.js';
import { ciliumObjects, makeUnrelatedCa, startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';
import { nextChange, until } from './helpers.js';

const demo = demoSnapshot();
let api: KubeApiServer;
let kubeconfig: string;
const open: ClusterConnection[] = [];
const fast = { batchMs: 50, backoff: { initialMs: 50, maxMs: 200 } };
const kc = () => ({ path: kubeconfig, searchPath: '' });

async function connect(context: string, extra: Record<string, unknown> = {}): Promise<ClusterConnection> {
  const conn = new ClusterConnection();
  open.push(conn);
  await conn.connect(context, { kubeconfig: kc(), ...fast, ...extra });
  return conn;
}

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demo, objects: ciliumObjects(), bookmarkIntervalMs: 200 });
  kubeconfig = writeTestKubeconfig(api);
});
afterAll(async () => {
  for (const c of open) c.close();
  await api?.close();
});

describe('contexts', () => {
  it('lists the written contexts with server, user, namespace and auth kind, no tokens', async () => {
    const ctxs = await listContexts(kc());
    expect(ctxs.map((c) => c.name)).toEqual(['test-admin', 'test-restricted', 'test-expired']);
    expect(ctxs[1]).toMatchObject({ server: api.url, user: 'test-restricted', namespace: 'shop', auth: 'token' });
    expect(JSON.stringify(ctxs)).not.toContain('admin-token');
  });
});

describe('inventory (admin)', () => {
  let conn: ClusterConnection;
  beforeAll(async () => {
    conn = await connect('test-admin');
  });

  it('reads the whole city: pods with IPs, node, phase, hostNetwork, top owner and named ports', () => {
    const snap = conn.snapshot();
    expect(snap.cluster).toMatchObject({ name: 'test-admin', server: api.url, source: 'live', kubernetesVersion: 'v1.34.2' });
    expect(snap.pods).toHaveLength(demo.pods.length);
    const live = new Map(snap.pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    for (const p of demo.pods) {
      const got = live.get(`${p.namespace}/${p.name}`);
      expect(got, `${p.namespace}/${p.name}`).toBeDefined();
      expect(got).toMatchObject({ ips: p.ips, node: p.node, phase: p.phase, hostNetwork: p.hostNetwork, ports: p.ports });
      expect(got!.owner).toEqual(p.owner);
    }
  });

  it('reads nodes, namespaces, workloads, services with endpoints and all policy kinds served', () => {
    const snap = conn.snapshot();
    expect(snap.namespaces.map((n) => n.name).sort()).toEqual(demo.namespaces.map((n) => n.name).sort());
    expect(snap.nodes.map((n) => ({ name: n.name, podCIDRs: n.podCIDRs, addresses: n.addresses }))).toEqual(
      demo.nodes.map((n) => ({ name: n.name, podCIDRs: n.podCIDRs, addresses: n.addresses })),
    );
    const wl = (s: typeof snap) => s.workloads.map((w) => `${w.namespace}/${w.kind}/${w.name}`).sort();
    // The seeded Cilium DaemonSet is a workload too.
    expect(wl(snap)).toEqual([...wl(demo), 'kube-system/DaemonSet/cilium'].sort());
    const svc = new Map(snap.services.map((s) => [`${s.namespace}/${s.name}`, s]));
    for (const s of demo.services) {
      const got = svc.get(`${s.namespace}/${s.name}`)!;
      expect(got).toMatchObject({ type: s.type, clusterIPs: s.clusterIPs, ports: s.ports, selector: s.selector });
      expect(got.endpoints.map((e) => e.ip).sort()).toEqual(s.endpoints.map((e) => e.ip).sort());
    }
    const keys = (ps: typeof snap.policies) => ps.map((p) => policyKey(p.kind, p.name, p.namespace)).sort();
    expect(keys(snap.policies)).toEqual(keys(demo.policies));
    expect(snap.permissions.every((p) => p.allowed)).toBe(true);
    expect(snap.warnings).toEqual([]);
  });

  it('detects the road builder from the cluster objects', () => {
    const rb = conn.snapshot().roadBuilder;
    expect(rb).toMatchObject({ name: 'cilium', version: '1.18.4', mode: 'overlay (vxlan)', enforcesNetworkPolicy: true, flowSources: ['hubble', 'probe'] });
    expect(rb.details['hubble-relay']).toBe('kube-system/hubble-relay');
    expect(conn.status()).toMatchObject({ state: 'live', context: 'test-admin' });
  });

  it('sends an added pod, a modified pod and a deleted policy as incremental batches', async () => {
    const added = nextChange(conn, (c) => Boolean(c.pods?.added.some((p) => p.name === 'cart-new')));
    api.addPod({ ...demo.pods.find((p) => p.namespace === 'shop')!, name: 'cart-new', ips: ['10.0.9.9'] });
    const c1 = await added;
    expect(c1.pods!.added.map((p) => p.name)).toEqual(['cart-new']);
    expect(c1.namespaces).toBeUndefined(); // never a full reload

    const target = api.store.get('pods', 'shop/cart-new')!;
    const modified = nextChange(conn, (c) => Boolean(c.pods?.updated.some((p) => p.name === 'cart-new')));
    api.put('pods', { ...target, status: { ...target.status, phase: 'Failed' } });
    expect((await modified).pods!.updated[0].phase).toBe('Failed');

    const deleted = nextChange(conn, (c) => Boolean(c.policies?.removed.length));
    api.deletePolicy('networking.k8s.io/networkpolicies', 'shop', 'allow-orders-legacy');
    expect((await deleted).policies!.removed).toEqual(['NetworkPolicy/shop/allow-orders-legacy']);
    expect(conn.snapshot().policies.some((p) => p.name === 'allow-orders-legacy')).toBe(false);
  });

  it('re-detects the road builder when the CNI DaemonSet goes and comes back', async () => {
    // Without the DaemonSet only the cilium.io API group is left as (weaker) evidence.
    const gone = nextChange(conn, (c) => Boolean(c.roadBuilder?.details.confidence));
    const ds = api.remove('apps/daemonsets', 'kube-system', 'cilium')!;
    const c = await gone;
    expect(c.roadBuilder).toMatchObject({ name: 'cilium', mode: 'unknown', evidence: ['API group cilium.io is served (CRDs)'] });
    expect(c.roadBuilder!.version).toBeUndefined();
    expect(c.workloads!.removed).toEqual(['wl:kube-system/DaemonSet/cilium']);
    const back = nextChange(conn, (x) => x.roadBuilder?.name === 'cilium');
    api.put('apps/daemonsets', ds);
    expect((await back).roadBuilder!.version).toBe('1.18.4');
  });

  it('reconnects after a dropped watch and relists after 410 Gone, reporting only the difference', async () => {
    const listsBefore = api.requests.get('LIST pods') ?? 0;
    // Watch down, then a change and a compaction: the informer's resourceVersion is now too old.
    api.dropWatches();
    api.remove('pods', 'shop', 'cart-new');
    api.compact();
    const removed = nextChange(conn, (c) => Boolean(c.pods?.removed.includes('pod:shop/cart-new')));
    const c = await removed;
    expect(c.pods!.added).toEqual([]);
    expect(api.requests.get('LIST pods') ?? 0).toBeGreaterThan(listsBefore);
    await until(() => conn.status().state === 'live', 5000, 'live again');
  });
});

describe('RBAC', () => {
  it('gives a user limited to one namespace that namespace city and records what is not permitted', async () => {
    const conn = await connect('test-restricted');
    const snap = conn.snapshot();
    expect(snap.namespaces.map((n) => n.name)).toEqual(['shop']);
    expect(new Set(snap.pods.map((p) => p.namespace))).toEqual(new Set(['shop']));
    expect(snap.pods.length).toBe(demo.pods.filter((p) => p.namespace === 'shop').length);
    expect(snap.permissions).toContainEqual({ resource: 'nodes', verb: 'list', allowed: false });
    expect(snap.permissions).toContainEqual({ resource: 'pods', namespace: 'shop', verb: 'list', allowed: true });
    expect(snap.warnings.filter((w) => w.kind === 'not-permitted').map((w) => w.subject)).toEqual(
      expect.arrayContaining(['nodes', 'namespaces', 'adminnetworkpolicies.policy.networking.k8s.io']),
    );
    // Owners resolve through the namespace's ReplicaSets.
    expect(snap.pods.find((p) => p.name.startsWith('frontend-'))!.owner).toEqual({ kind: 'Deployment', name: 'frontend' });
    expect(conn.status().namespaces).toEqual(['shop']);
  });

  it('records a 403 from the list itself when no access review is possible', async () => {
    const conn = await connect('test-restricted', { accessCheck: async () => undefined, namespaces: ['shop', 'payments'] });
    const snap = conn.snapshot();
    expect(snap.pods.every((p) => p.namespace === 'shop')).toBe(true);
    expect(snap.permissions).toContainEqual({ resource: 'pods', namespace: 'payments', verb: 'list', allowed: false });
    const w = snap.warnings.find((x) => x.subject === 'pods')!;
    expect(w.message).toMatch(/403|forbidden/i);
    expect(w.message).toContain('payments');
  });
});

describe('faults', () => {
  const fails = async (context: string, path: string) => {
    const conn = new ClusterConnection();
    const err = await conn.connect(context, { kubeconfig: { path, searchPath: '' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect(conn.status().state).toBe('failed');
    expect(conn.status().lastError?.message).toBe((err as Error).message);
    return err as ClusterError;
  };

  it('expired token: 401 says the credentials were rejected', async () => {
    const err = await fails('test-expired', kubeconfig);
    expect(err.code).toBe('unauthorized');
    expect(err.message).toMatch(/test-expired.*rejected.*log in again/);
  });

  it('unreachable server names the server and what to check', async () => {
    const err = await fails('test-admin', writeTestKubeconfig(api, { server: 'https://127.0.0.1:1' }));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/https:\/\/127\.0\.0\.1:1.*unreachable \(ECONNREFUSED\)/);
  });

  it('a CA that did not sign the server certificate gives a TLS error', async () => {
    const err = await fails('test-admin', writeTestKubeconfig(api, { caPem: makeUnrelatedCa() }));
    expect(err.code).toBe('tls');
    expect(err.message).toMatch(/TLS error.*certificate-authority/);
  });

  it('unknown context and malformed kubeconfig', async () => {
    const err = await fails('prod', kubeconfig);
    expect(err.code).toBe('context-not-found');
    expect(err.message).toMatch(/context 'prod' not found \(have: test-admin, test-restricted, test-expired\)/);
    const { writeFileSync } = await import('node:fs');
    const bad = `${kubeconfig}.bad`;
    writeFileSync(bad, 'contexts: [[[');
    expect((await fails('x', bad)).code).toBe('kubeconfig');
  });

  it('keeps the last known city, marked stale, while the server is away, and goes live again', async () => {
    const own = await startKubeApiServer({ snapshot: demo, bookmarkIntervalMs: 200 });
    try {
      const conn = new ClusterConnection();
      open.push(conn);
      await conn.connect('test-admin', { kubeconfig: { path: writeTestKubeconfig(own), searchPath: '' }, ...fast });
      const errors: ClusterError[] = [];
      conn.on('error', (e) => errors.push(e));
      await own.suspend();
      await until(() => conn.status().state === 'stale', 5000, 'stale');
      const snap = conn.snapshot();
      expect(snap.pods).toHaveLength(demo.pods.length);
      expect(snap.warnings.find((w) => w.kind === 'stale')!.message).toMatch(/last known state.*unreachable/);
      expect(conn.status().lastError!.code).toBe('unreachable');
      expect(errors.length).toBeGreaterThan(0);
      await own.resume();
      await until(() => conn.status().state === 'live', 8000, 'live');
      expect(conn.snapshot().warnings.some((w) => w.kind === 'stale')).toBe(false);
    } finally {
      await own.close();
    }
  });

  it('a token rejected mid-session marks the city stale; a new token in the kubeconfig brings it back', async () => {
    const own = await startKubeApiServer({ snapshot: demo, bookmarkIntervalMs: 200 });
    try {
      const file = writeTestKubeconfig(own);
      const conn = new ClusterConnection();
      open.push(conn);
      await conn.connect('test-admin', { kubeconfig: { path: file, searchPath: '' }, ...fast });
      own.users[0].token = 'rotated-token'; // the old token is revoked
      own.dropWatches();
      // First the dropped stream, then the reconnects meet the 401.
      await until(() => conn.status().state === 'stale' && conn.status().lastError?.code === 'unauthorized', 5000, 'stale with 401');
      expect(conn.status().lastError!.message).toMatch(/rejected.*log in again/);
      writeTestKubeconfig(own, { file }); // the user logs in again: the file has the new token
      await until(() => conn.status().state === 'live', 10_000, 'live with the new token');
      const added = nextChange(conn, (c) => Boolean(c.pods?.added.some((p) => p.name === 'after-relogin')));
      own.addPod({ ...demo.pods[0], name: 'after-relogin' });
      await added;
    } finally {
      await own.close();
    }
  });

  it('cancellation through the AbortSignal stops the connection', async () => {
    const ac = new AbortController();
    const conn = await connect('test-admin', { signal: ac.signal });
    ac.abort();
    expect(conn.status().state).toBe('closed');
    expect(conn.snapshot().pods.length).toBe(demo.pods.length + 0);
  });
});

describe('several clusters at once', () => {
  it('keeps one independent city per context', async () => {
    const [a, b] = await Promise.all([connect('test-admin'), connect('test-restricted')]);
    expect(a.snapshot().namespaces.length).toBe(demo.namespaces.length);
    expect(b.snapshot().namespaces.map((n) => n.name)).toEqual(['shop']);
    const seenA = nextChange(a, (c) => Boolean(c.pods?.added.some((p) => p.name === 'both-see-me')));
    const seenB = nextChange(b, (c) => Boolean(c.pods?.added.some((p) => p.name === 'both-see-me')));
    api.addPod({ ...demo.pods.find((p) => p.namespace === 'shop')!, name: 'both-see-me' });
    const [ca, cb] = await Promise.all([seenA, seenB]);
    expect(ca.context).toBe('test-admin');
    expect(cb.context).toBe('test-restricted');
  });
});
