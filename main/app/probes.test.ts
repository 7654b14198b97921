/**
 * One probe implementation (issue #14): the app's probes.plan/probes.run and `netcity probe` plan
 * and refuse alike, and a run from the app stores its results as evidence only.
 */
import { describe, expect, it } from 'vitest';
import { FakeProbeCluster } from '../../test/fakes/probes/fake-probe-cluster.js';
import { fakeFromPods } from '../../test/fakes/probes/inventory-fake.js';
import { OpenCities } from './cities.js';
import { inlineTasks, type EventSink, type TaskRunner } from './ports.js';
import { describeMissing, probePermissions, planProbe, probeUseCases } from './probes.js';
import { createProbeCommand } from '../cli/commands/probe.js';
import type { CliIO } from '../cli/command.js';
import { emptySnapshot } from '../model/empty.js';
import type { PodInfo } from '../model/types.js';
import type { ProbeCluster } from '../probes/index.js';

const pods: PodInfo[] = [
  { namespace: 'shop', name: 'web-1', labels: { app: 'web' }, ips: ['10.1.0.2'], phase: 'Running', hostNetwork: false, owner: { kind: 'Deployment', name: 'web' }, ports: [{ containerPort: 8080, protocol: 'TCP' }] },
  { namespace: 'shop', name: 'api-1', labels: { app: 'api' }, ips: ['10.1.0.3'], phase: 'Running', hostNetwork: false, owner: { kind: 'Deployment', name: 'api' }, ports: [{ containerPort: 9000, protocol: 'TCP' }] },
];

function app(cluster: ProbeCluster) {
  const notices: string[] = [];
  const events: EventSink = { emit: (event, data) => void (event === 'notice' && notices.push((data as { message: string }).message)) };
  const running: Promise<unknown>[] = [];
  const inline = inlineTasks(new AbortController().signal);
  const tasks: TaskRunner = {
    start: (label, work, opts) => {
      const r = inline.start(label, work, opts);
      running.push(r.done);
      return r;
    },
    cancel: () => false,
  };
  const cities = new OpenCities(events, tasks);
  const snap = { ...emptySnapshot('shop', 'live'), namespaces: [{ name: 'shop', labels: {} }], pods };
  const city = cities.addCity('live', snap, { id: 'live:dev' });
  const probes = probeUseCases({ cities, tasks, events, settings: () => ({ probeImage: 'netshoot:test', maxRawFlows: 1000 }), clusterOf: async () => ({ cluster, context: 'dev' }) });
  return { probes, city, notices, settled: () => Promise.all(running) };
}

describe('probes: one implementation for the app and the CLI', () => {
  it('the app and the CLI name the same missing permissions, and nothing is created', async () => {
    const fake = new FakeProbeCluster({ denied: (c) => c.resource === 'networkpolicies' });
    const { probes } = app(fake);
    const view = await probes.plan({ cityId: 'live:dev', kind: 'enforcement' });
    const { missing } = await probePermissions(fake, planProbe('dev', { kind: 'enforcement' }, {}).plan);
    expect(missing.length).toBeGreaterThan(0);
    const names = describeMissing(missing).replace(/netcity-probe-[\w-]+/g, 'NS');
    expect(view.refused?.replace(/netcity-probe-[\w-]+/g, 'NS')).toBe(`You may not run this probe with context 'dev': missing ${names}. Nothing was created.`);
    expect(view.needsConnect).toBeUndefined();
    await expect(probes.run({ cityId: 'live:dev', planId: view.planId, consent: true })).rejects.toThrow(/missing create networkpolicies/);

    const out: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: () => undefined, cwd: '/tmp', signal: new AbortController().signal };
    await createProbeCommand({ connect: async () => fake, inventory: async () => ({ pods, workloads: [], nodes: [], services: [] }) }).run(['--context', 'dev', 'enforcement'], io);
    expect(out.join('').replace(/netcity-probe-[\w-]+/g, 'NS')).toContain(`Permissions missing: ${names}\n`);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('a plan needs consent, and a path run from the app adds its result to the city as evidence', async () => {
    const fake = fakeFromPods(pods, { reachability: () => ({ outcome: 'connected', latencyMs: 3 }) });
    const { probes, city, notices, settled } = app(fake);
    const view = await probes.plan({ cityId: 'live:dev', kind: 'path', source: 'pod:shop/web-1', target: 'pod:shop/api-1', port: 9000 });
    expect(view.summary).toBe('Path check from shop/web-1 to pod:shop/api-1 TCP/9000 through an ephemeral debug container');
    expect(view.refused).toBeUndefined();
    await expect(probes.run({ cityId: 'live:dev', planId: view.planId, consent: false })).rejects.toThrow(/needs your consent/);
    await probes.run({ cityId: 'live:dev', planId: view.planId, consent: true });
    await settled();
    expect(city.evidence.probes).toEqual([expect.objectContaining({ src: 'pod:shop/web-1', dst: 'pod:shop/api-1', port: 9000, outcome: 'connected' })]);
    expect(city.evidence.findings).toEqual([]);
    expect(notices).toEqual(['Probe path: connected in 3 ms']);
    await expect(probes.run({ cityId: 'live:dev', planId: view.planId, consent: true })).rejects.toThrow(/unknown or expired/);
  });

  it('a city that is not live gets the plan with needsConnect and a refusal', async () => {
    const cities = new OpenCities({ emit: () => undefined }, inlineTasks(new AbortController().signal));
    cities.addCity('snapshot', emptySnapshot('saved', 'import'), { id: 'file:x' });
    const offline = probeUseCases({ cities, tasks: inlineTasks(new AbortController().signal), events: { emit: () => undefined }, settings: () => ({ probeImage: 'netshoot:test', maxRawFlows: 1000 }), clusterOf: async () => undefined });
    const view = await offline.plan({ cityId: 'file:x', kind: 'flows' });
    expect(view.needsConnect).toBe(true);
    expect(view.refused).toMatch(/saved is not a live cluster/);
    expect(view.permissions.length).toBeGreaterThan(0);
  });
});
