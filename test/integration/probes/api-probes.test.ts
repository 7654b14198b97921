// Probes through the app's API against the Kubernetes API test server: a plan before anything,
// consent required for that exact plan, RBAC refusals before creation.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';

let api: KubeApiServer;
let backend: Backend;
// Writes other than access reviews (which only ask, and create nothing).
const creates = () => [...api.requests.entries()].filter(([k]) => /^(POST|CREATE|PATCH|PUT|DELETE)/.test(k) && !/selfsubject/i.test(k)).reduce((n, [, c]) => n + c, 0);

beforeAll(async () => {
  api = await startKubeApiServer({ snapshot: demoSnapshot() });
  backend = new Backend({ mode: 'browser', version: 'test', configDir: mkdtempSync(path.join(os.tmpdir(), 'netcity-probes-api-')), kubeconfigPath: writeTestKubeconfig(api) });
});
afterAll(async () => {
  await backend?.dispose();
  await api?.close();
});

describe('probes through the API', () => {
  it('on a city that is not a live cluster, shows the plan it would run (objects, RBAC unchecked) and the way forward, and runs nothing', async () => {
    backend.openDemo();
    const before = creates();
    for (const kind of ['enforcement', 'flows'] as const) {
      const plan = await backend.call('probes.plan', { cityId: 'demo', kind });
      expect(plan.needsConnect).toBe(true);
      expect(plan.refused).toMatch(/not a live cluster.*Connect to a context/);
      expect(plan.objects.length).toBeGreaterThan(0);
      expect(plan.permissions.length).toBeGreaterThan(0);
      expect(plan.permissions.every((p) => p.allowed === undefined)).toBe(true);
      await expect(backend.call('probes.run', { cityId: 'demo', planId: plan.planId, consent: true })).rejects.toThrow(/unknown or expired/);
    }
    const matrix = await backend.call('probes.plan', { cityId: 'demo', kind: 'matrix', namespace: 'shop' });
    expect(matrix.checks).toBeGreaterThan(1);
    expect(matrix.needsConnect).toBe(true);
    expect(creates()).toBe(before);
  });

  it('shows the plan — objects, privileges, permissions, estimate — and creates nothing', async () => {
    const city = await backend.call('cluster.connect', { context: 'test-admin' });
    const before = creates();
    const plan = await backend.call('probes.plan', { cityId: city.id, kind: 'enforcement' });
    expect(plan.objects.length).toBeGreaterThan(0);
    expect(plan.objects.some((o) => o.kind === 'Namespace' && o.name.startsWith('netcity-probe-'))).toBe(true);
    expect(plan.permissions.length).toBeGreaterThan(0);
    expect(plan.permissions.every((p) => p.allowed)).toBe(true);
    expect(plan.refused).toBeUndefined();
    expect(plan.estimatedSeconds).toBeGreaterThan(0);
    expect(creates()).toBe(before);
    await expect(backend.call('probes.run', { cityId: city.id, planId: plan.planId, consent: false })).rejects.toThrow(/needs your consent/);
    expect(creates()).toBe(before);
    await expect(backend.call('probes.run', { cityId: city.id, planId: 'made-up', consent: true })).rejects.toThrow(/unknown or expired/);
  });

  it('warns that ephemeral containers cannot be removed in a path check plan', async () => {
    const cityId = 'live:test-admin';
    const pod = demoSnapshot().pods.find((p) => p.owner?.name === 'frontend')!;
    const plan = await backend.call('probes.plan', { cityId, kind: 'path', source: `pod:shop/${pod.name}`, target: 'svc:payments/payment', port: 443 });
    expect(plan.objects.some((o) => o.kind === 'EphemeralContainer')).toBe(true);
    expect(plan.warnings.join(' ')).toMatch(/ephemeral/i);
  });

  it('refuses a user without the rights before anything is created', async () => {
    const city = await backend.call('cluster.connect', { context: 'test-restricted' });
    const before = creates();
    const plan = await backend.call('probes.plan', { cityId: city.id, kind: 'enforcement' });
    expect(plan.refused).toMatch(/missing .*create/);
    expect(plan.permissions.some((p) => p.allowed === false)).toBe(true);
    await expect(backend.call('probes.run', { cityId: city.id, planId: plan.planId, consent: true })).rejects.toThrow(/Nothing was created/);
    expect(creates()).toBe(before);
  });
});
