// The cluster connection behind the app's API (main/api Backend), end to end against the API
// test server: contexts without credentials, connect, a live change reaching the map, stale
// state when the server goes away, and the restricted user's partial city.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import type { ApiEvent } from '../../../main/api/contract.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';
import { until } from './helpers.js';

const demo = demoSnapshot();
let api: KubeApiServer;
let backend: Backend;
const events: ApiEvent[] = [];

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demo, bookmarkIntervalMs: 200 });
  backend = new Backend({ mode: 'browser', version: 'test', configDir: mkdtempSync(path.join(os.tmpdir(), 'netcity-backend-')), kubeconfigPath: writeTestKubeconfig(api) });
  backend.on((e) => events.push(e));
});
afterAll(async () => {
  for (const id of [...backend.cities.keys()]) await backend.call('city.close', { cityId: id }).catch(() => undefined);
  await api?.close();
});

describe('live cluster through the app API', () => {
  it('lists contexts without credentials', async () => {
    const r = await backend.call('contexts.list', {});
    expect(r.contexts.map((c) => c.name)).toEqual(['test-admin', 'test-restricted', 'test-expired']);
    expect(JSON.stringify(r)).not.toMatch(/admin-token|restricted-token/);
  });

  it('connects, and an added pod and a deleted policy reach the map', async () => {
    const city = await backend.call('cluster.connect', { context: 'test-admin' });
    expect(city).toMatchObject({ status: 'live', counts: { pods: demo.pods.length, policies: demo.policies.length } });
    const before = await backend.call('city.map', { cityId: city.id });
    expect(before.nodes.some((n) => n.id === 'pod:shop/e2e-new')).toBe(false);

    const mark = events.length;
    api.addPod({ ...demo.pods.find((p) => p.namespace === 'shop')!, name: 'e2e-new', ips: ['10.0.77.7'] });
    api.deletePolicy('networking.k8s.io/networkpolicies', 'shop', 'allow-orders-legacy');
    await until(() => events.slice(mark).some((e) => e.event === 'city.changed' && (e.data as { cityId: string }).cityId === city.id), 5000, 'city.changed');
    await until(() => {
      const s = backend.cities.get(city.id)!.snapshot;
      return s.pods.some((p) => p.name === 'e2e-new') && !s.policies.some((p) => p.name === 'allow-orders-legacy');
    }, 5000, 'both changes in the city');
    const after = await backend.call('city.map', { cityId: city.id });
    expect(after.nodes.some((n) => n.id === 'pod:shop/e2e-new')).toBe(true);
    expect((await backend.call('city.summary', { cityId: city.id })).counts.policies).toBe(demo.policies.length - 1);
  });

  it("gives the restricted user one namespace's city, with the refusals as warnings", async () => {
    const city = await backend.call('cluster.connect', { context: 'test-restricted' });
    expect(city.counts.namespaces).toBe(1);
    expect(city.warnings.some((w) => w.kind === 'not-permitted' && w.subject === 'nodes')).toBe(true);
  });

  it('an expired token fails the connect with the reason', async () => {
    await expect(backend.call('cluster.connect', { context: 'test-expired' })).rejects.toThrow(/rejected.*log in again/);
  });

  it('marks the city stale while the API server is away, keeping the last known state, then live again', async () => {
    const id = 'live:test-admin';
    const pods = backend.cities.get(id)!.snapshot.pods.length;
    await api.suspend();
    await until(() => backend.cities.get(id)!.status === 'stale', 8000, 'stale');
    const summary = await backend.call('city.summary', { cityId: id });
    expect(summary.statusMessage).toMatch(/unreachable.*last known state/);
    expect(summary.counts.pods).toBe(pods);
    await api.resume();
    await until(() => backend.cities.get(id)!.status === 'live', 10_000, 'live again');
  });
});
