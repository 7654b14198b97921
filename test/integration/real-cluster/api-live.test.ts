// The app's API (main/api Backend, as the UI and the browser-mode server call it) on a real
// cluster: contexts, connect, the city map, watch changes as city.changed events, Hubble capture
// through the city's own port-forward, disconnect.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backend } from '../../../main/api/backend.js';
import type { ApiEvent, CitySummary, TaskProgress } from '../../../main/api/contract.js';
import { FakeRelay, tsOfMs } from '../../fakes/hubble-relay/fake-relay.js';
import { syntheticFlowBody } from '../../fakes/hubble-relay/synthetic.js';
import { adminContext, announceSkip, fakeRelayPort, restrictedContext, isLocalControlPlane, kubeconfigPath, prepareCluster, waitFor, withFakeRelayPort, type PreparedCluster } from './fixture.js';

const skip = announceSkip(import.meta.filename);
const TEST_NS = 'shop';

describe.skipIf(skip)('API backend on a live cluster', () => {
  let env: PreparedCluster;
  let backend: Backend;
  let configDir: string;
  let city: CitySummary;
  const events: ApiEvent[] = [];

  beforeAll(async () => {
    env = await prepareCluster();
    configDir = mkdtempSync(path.join(tmpdir(), 'netcity-api-live-'));
    backend = new Backend({ mode: 'browser', version: 'integration', configDir, kubeconfigPath: kubeconfigPath() });
    backend.on((e) => events.push(e));
  }, 240_000);

  afterAll(async () => {
    if (city) await backend.call('city.close', { cityId: city.id }).catch(() => undefined);
    await env?.kc
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespacedPod({ namespace: TEST_NS, name: 'api-live-watch', gracePeriodSeconds: 0 })
      .catch(() => undefined);
    rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the contexts and connects to one: a live city with the cluster inventory', async () => {
    const list = await backend.call('contexts.list', {});
    expect(list.error).toBeUndefined();
    const context = adminContext() ?? list.contexts.find((c) => c.current)?.name;
    expect(context, 'a context to connect to').toBeTruthy();
    expect(list.contexts.map((c) => c.name)).toContain(context);
    city = await backend.call('cluster.connect', { context: context! });
    expect(city.kind).toBe('live');
    expect(city.status).toBe('live');
    expect(city.cluster.kubernetesVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(city.counts.namespaces).toBeGreaterThanOrEqual(5);
    expect(city.counts.pods).toBeGreaterThan(20);
    expect(city.counts.policies).toBeGreaterThanOrEqual(14);
  });

  it('draws the city: a district per namespace, houses for pods, highways for services', async () => {
    const map = await backend.call('city.map', { cityId: city.id });
    expect(map.cityId).toBe(city.id);
    expect(map.counts.districts).toBeGreaterThanOrEqual(5);
    expect(map.counts.houses).toBe(city.counts.pods);
    expect(map.counts.highways).toBeGreaterThanOrEqual(12);
  });

  it('turns a pod created in the cluster into a city.changed event and a new house', async () => {
    const core = env.kc.makeApiClient(k8s.CoreV1Api);
    const before = (await backend.call('city.summary', { cityId: city.id })).counts.pods;
    const mark = events.length;
    await core.createNamespacedPod({
      namespace: TEST_NS,
      body: { metadata: { name: 'api-live-watch', labels: { app: 'api-live' } }, spec: { containers: [{ name: 'main', image: 'registry.invalid/x:1' }], terminationGracePeriodSeconds: 0 } },
    });
    await waitFor('city.changed for the new pod', async () => {
      const changed = events.slice(mark).some((e) => {
        if (e.event !== 'city.changed') return false;
        const d = e.data as { cityId: string; reason: string };
        return d.cityId === city.id && d.reason === 'watch';
      });
      const now = (await backend.call('city.summary', { cityId: city.id })).counts.pods;
      return changed && now === before + 1 ? true : undefined;
    }, 30_000, 200);
  });

  it.skipIf(!isLocalControlPlane() || !fakeRelayPort())('captures Hubble flows through the city port-forward to hubble-relay', () =>
    withFakeRelayPort(async (port) => {
      const relay = new FakeRelay({ nodes: ['kwok-node-0'] });
      await relay.start(port);
      try {
        const now = Date.now();
        relay.emit(Array.from({ length: 8 }, (_, k) => ({ flow: { ...syntheticFlowBody(k), time: tsOfMs(now - 8_000 + k * 1000), uuid: `api-${k}` } })));
        const { taskId } = await backend.call('capture.start', { cityId: city.id, source: 'hubble', last: 8 });
        expect(taskId).toBeTruthy();
        const flows = await waitFor(
          'captured flows in the city',
          async () => {
            const n = (await backend.call('city.summary', { cityId: city.id })).counts.flows;
            return n >= 8 ? n : undefined;
          },
          30_000,
          250,
        );
        expect(flows).toBe(8);
        await backend.call('capture.stop', { cityId: city.id });
        // Relay saw a follow request that asked for the last 8 flows.
        expect(relay.requests.some((r) => r.follow === true)).toBe(true);
      } finally {
        await relay.stop();
      }
    }),
  );

  describe('probes through the API', () => {
    const taskEnd = (taskId: string) =>
      waitFor(`task ${taskId} to end`, async () => {
        const ends = events.filter((e) => e.event === 'task.progress' && (e.data as TaskProgress).taskId === taskId && (e.data as TaskProgress).state !== 'running');
        return ends.length ? (ends[ends.length - 1].data as TaskProgress) : undefined;
      }, 90_000, 200);

    it('shows a path-check plan with its ephemeral container and granted permissions; without consent nothing is created', async () => {
      const core = env.kc.makeApiClient(k8s.CoreV1Api);
      const pod = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=frontend' })).items[0];
      const cart = (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=cart' })).items[0];
      const plan = await backend.call('probes.plan', {
        cityId: city.id,
        kind: 'path',
        source: `pod:shop/${pod.metadata!.name}`,
        target: `pod:shop/${cart.metadata!.name}`,
        protocol: 'TCP',
        port: 7070,
      });
      expect(plan.refused).toBeUndefined();
      expect(plan.objects).toEqual([expect.objectContaining({ kind: 'EphemeralContainer', namespace: 'shop' })]);
      expect(plan.permissions.length).toBeGreaterThan(0);
      expect(plan.permissions.every((p) => p.allowed)).toBe(true);
      await expect(backend.call('probes.run', { cityId: city.id, planId: plan.planId, consent: false })).rejects.toThrow(/consent/);
      const after = await core.readNamespacedPod({ namespace: 'shop', name: pod.metadata!.name! });
      expect(after.spec?.ephemeralContainers ?? []).toEqual(pod.spec?.ephemeralContainers ?? []);

      // With consent: the run is a task, and its result lands in the city.
      const probesBefore = events.filter((e) => e.event === 'city.changed' && (e.data as { reason: string }).reason === 'probes').length;
      const { taskId } = await backend.call('probes.run', { cityId: city.id, planId: plan.planId, consent: true });
      const end = await taskEnd(taskId);
      expect(end.state).toBe('done');
      if (isLocalControlPlane()) expect(end.message).toMatch(/^error/); // kwok runs no probe command here
      const added = await core.readNamespacedPod({ namespace: 'shop', name: pod.metadata!.name! });
      expect((added.spec?.ephemeralContainers ?? []).length).toBe((pod.spec?.ephemeralContainers ?? []).length + 1);
      await waitFor('city.changed for the probe result', async () =>
        events.filter((e) => e.event === 'city.changed' && (e.data as { reason: string }).reason === 'probes').length > probesBefore ? true : undefined,
      );
      // The plan was used up: running it again is refused.
      await expect(backend.call('probes.run', { cityId: city.id, planId: plan.planId, consent: true })).rejects.toThrow(/unknown or expired/);
    }, 120_000);
  });

  it.skipIf(!restrictedContext())("opens the restricted user's partial city next to the admin's, saying what it may not see", async () => {
    const partial = await backend.call('cluster.connect', { context: restrictedContext()! });
    try {
      expect(partial.id).not.toBe(city.id);
      expect(partial.status).toBe('live');
      expect(partial.counts.namespaces).toBe(1);
      expect(partial.counts.pods).toBeGreaterThan(0);
      expect(partial.counts.pods).toBeLessThan(city.counts.pods);
      expect(partial.permissions.some((p) => !p.allowed && p.resource === 'nodes')).toBe(true);
      expect(partial.warnings.some((w) => w.kind === 'not-permitted')).toBe(true);
      const map = await backend.call('city.map', { cityId: partial.id });
      expect(map.counts.districts).toBe(1);
    } finally {
      await backend.call('city.close', { cityId: partial.id });
    }
  });

  it('disconnects and forgets the live city', async () => {
    await backend.call('city.close', { cityId: city.id });
    const cities = await backend.call('cities.list', {});
    expect(cities.some((c: CitySummary) => c.id === city.id)).toBe(false);
    city = undefined as unknown as CitySummary;
  });
});
