import { describe, expect, it } from 'vitest';
import { cleanupLeftovers } from './cleanup.js';
import { planEnforcement, runEnforcement, type EnforcementOptions } from './enforcement.js';
import { describePlan, ProbeRefusedError } from './plan.js';
import { ProbeNotConfirmedError, runConfirmedPlan } from './run.js';
import { FakeProbeCluster, openNetwork } from '../../test/fakes/probes/fake-probe-cluster.js';
import { enforcingNetwork, flaky } from '../../test/fakes/probes/enforcing-network.js';

const fast: EnforcementOptions = { settleMs: 300, pollMs: 5, waitSeconds: 1, confirmations: 2, podReadyTimeoutMs: 2000 };
const answers = (r: { capabilities: { capability: string; answer: string }[] }) => Object.fromEntries(r.capabilities.map((c) => [c.capability, c.answer]));

describe('enforcement check', () => {
  it('an enforcing road builder: every capability yes, policies applied step by step, everything removed', async () => {
    const fake = new FakeProbeCluster({ reachability: enforcingNetwork, readyAfterPolls: 2 });
    const plan = planEnforcement('dev', fast, 'run1').confirm();
    const report = await runEnforcement(fake, plan, fast);
    expect(answers(report)).toEqual({
      'ingress-isolation': 'yes',
      'egress-isolation': 'yes',
      'namespace-selector': 'yes',
      'named-port': 'yes',
      udp: 'yes',
    });
    expect(report.enforces).toBe(true);
    const creates = fake.calls.filter((c) => c.startsWith('create'));
    expect(creates).toEqual([
      'create Namespace netcity-probe-run1',
      'create Namespace netcity-probe-run1-b',
      'create Pod netcity-probe-run1/server',
      'create Pod netcity-probe-run1/client-a',
      'create Pod netcity-probe-run1-b/client-b',
      'create NetworkPolicy netcity-probe-run1/default-deny-ingress',
      'create NetworkPolicy netcity-probe-run1/allow-http-from-peer-namespace',
      'create NetworkPolicy netcity-probe-run1-b/default-deny-egress',
    ]);
    expect(fake.managedObjects()).toEqual([]);
    expect(report.cleanup?.failed).toEqual([]);
    expect(report.probes.length).toBeGreaterThanOrEqual(10);
    expect(report.probes.every((p) => p.kind === 'enforcement' && p.runId === 'run1')).toBe(true);
    expect(report.probes[0]).toMatchObject({ src: 'pod:netcity-probe-run1/client-a', dst: 'pod:netcity-probe-run1/server', port: 8080, outcome: 'connected' });
  });

  it('a road builder that ignores policies: ingress isolation no, the rest inconclusive', async () => {
    const fake = new FakeProbeCluster({ reachability: openNetwork });
    const report = await runEnforcement(fake, planEnforcement('dev', fast, 'run2').confirm(), fast);
    expect(answers(report)).toMatchObject({ 'ingress-isolation': 'no', udp: 'no', 'namespace-selector': 'inconclusive', 'egress-isolation': 'inconclusive' });
    expect(report.enforces).toBe(false);
    expect(report.capabilities.find((c) => c.capability === 'ingress-isolation')!.evidence).toMatch(/still connected/);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('flaky timeouts do not change the answers (open is retried, blocks are confirmed)', async () => {
    const enforcing = await runEnforcement(new FakeProbeCluster({ reachability: flaky(enforcingNetwork, 0.3, 7) }), planEnforcement('dev', fast, 'run3').confirm(), fast);
    expect(Object.values(answers(enforcing))).toEqual(['yes', 'yes', 'yes', 'yes', 'yes']);
    const open = await runEnforcement(new FakeProbeCluster({ reachability: flaky(openNetwork, 0.3, 11) }), planEnforcement('dev', fast, 'run4').confirm(), fast);
    expect(answers(open)['ingress-isolation']).toBe('no');
  });

  it('a broken network gives inconclusive everywhere, not a false yes', async () => {
    const fake = new FakeProbeCluster({ reachability: () => 'timeout' });
    const report = await runEnforcement(fake, planEnforcement('dev', fast, 'run5').confirm(), fast);
    expect(new Set(Object.values(answers(report)))).toEqual(new Set(['inconclusive']));
    expect(report.enforces).toBe('unknown');
    expect(fake.managedObjects()).toEqual([]);
  });
});

describe('consent, permissions, cleanup', () => {
  it('the plan lists every object, privilege and permission before anything exists', () => {
    const fake = new FakeProbeCluster();
    const plan = planEnforcement('dev', fast, 'run6');
    const text = describePlan(plan);
    expect(text).toContain('Namespace netcity-probe-run6');
    expect(text).toContain('NetworkPolicy default-deny-egress in netcity-probe-run6-b');
    expect(text).toContain('create networkpolicies.networking.k8s.io in netcity-probe-run6');
    expect(text).toContain('create pods/exec in netcity-probe-run6-b');
    expect(plan.objects.every((o) => o.object.metadata.labels?.['app.kubernetes.io/managed-by'] === 'netcity' && o.object.metadata.labels?.['netcity.dev/run-id'] === 'run6')).toBe(true);
    expect(fake.calls).toEqual([]);
  });

  it('refuses to run without consent, creating nothing', async () => {
    const fake = new FakeProbeCluster();
    await expect(runEnforcement(fake, planEnforcement('dev', fast, 'run7'), fast)).rejects.toBeInstanceOf(ProbeNotConfirmedError);
    expect(fake.calls).toEqual([]);
  });

  it('a user without the rights is refused before anything is created, naming what is missing', async () => {
    const fake = new FakeProbeCluster({ denied: (c) => c.resource === 'networkpolicies' || (c.subresource === 'exec' && c.verb === 'create') });
    const err = await runEnforcement(fake, planEnforcement('dev', fast, 'run8').confirm(), fast).catch((e) => e);
    expect(err).toBeInstanceOf(ProbeRefusedError);
    expect(err.message).toMatch(/context 'dev': not permitted to create networkpolicies.networking.k8s.io in netcity-probe-run8/);
    expect(err.message).toMatch(/Nothing was created/);
    expect(err.missing).toHaveLength(4);
    expect(fake.calls).toEqual([]);
    expect(fake.accessReviews).toBeGreaterThan(0);
  });

  it('refuses an object that is not in the confirmed plan', async () => {
    const fake = new FakeProbeCluster();
    const plan = planEnforcement('dev', fast, 'run9').confirm();
    await expect(
      runConfirmedPlan(fake, plan, (run) => run.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sneaky', namespace: 'default' } })),
    ).rejects.toThrow(/Pod default\/sneaky is not in the confirmed plan/);
    expect(fake.calls.filter((c) => c.startsWith('create'))).toEqual([]);
  });

  it('removes everything when a step fails midway', async () => {
    const fake = new FakeProbeCluster({ reachability: enforcingNetwork });
    fake.beforeCall = (op, detail) => {
      if (op === 'create' && detail.includes('allow-http')) throw new Error('admission webhook denied the request');
    };
    await expect(runEnforcement(fake, planEnforcement('dev', fast, 'run10').confirm(), fast)).rejects.toThrow(/admission webhook/);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('cancel mid-run stops and removes everything', async () => {
    const fake = new FakeProbeCluster({ reachability: openNetwork });
    const ac = new AbortController();
    const p = runEnforcement(fake, planEnforcement('dev', fast, 'run11').confirm(), { ...fast, settleMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('cancelled by user')), 50);
    await expect(p).rejects.toThrow(/cancelled by user/);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('a run that hangs hits its time limit and is cleaned up', async () => {
    const fake = new FakeProbeCluster({ reachability: () => ({ outcome: 'timeout', hang: true }) });
    const opts = { ...fast, timeLimitMs: 150 };
    await expect(runEnforcement(fake, planEnforcement('dev', opts, 'run12').confirm(), opts)).rejects.toThrow(/time limit of 0 s|time limit/);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('a crash between create and cleanup leaves objects that the next connect removes once expired', async () => {
    const fake = new FakeProbeCluster({ reachability: enforcingNetwork });
    // The "crash": after the pods exist, the process is gone: no call succeeds any more.
    let dead = false;
    fake.beforeCall = (op, detail) => {
      if (op === 'create' && detail.includes('default-deny-ingress')) dead = true;
      if (dead) throw new Error('process crashed');
    };
    const plan = planEnforcement('dev', { ...fast, timeLimitMs: 60_000 }, 'run13').confirm();
    await expect(runEnforcement(fake, plan, fast)).rejects.toThrow(/crashed/);
    expect(fake.managedObjects().length).toBeGreaterThan(0);

    // Next connect, while the crashed run's time limit has not passed: another NetCity may own it.
    fake.beforeCall = undefined;
    const early = await cleanupLeftovers(fake, { now: Date.now() });
    expect(early.deleted).toEqual([]);
    expect(early.kept.map((r) => r.name).sort()).toEqual(['netcity-probe-run13', 'netcity-probe-run13-b']);

    // After its expiry, everything goes.
    const later = await cleanupLeftovers(fake, { now: Date.parse(plan.expiresAt) + 1 });
    expect(later.deleted.map((r) => r.name).sort()).toEqual(['netcity-probe-run13', 'netcity-probe-run13-b']);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('cleanupLeftovers: force removes live runs except this process\'s active ones; failures are reported', async () => {
    const fake = new FakeProbeCluster();
    for (const id of ['aaa', 'bbb']) {
      await fake.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `netcity-probe-${id}`, labels: { 'app.kubernetes.io/managed-by': 'netcity', 'netcity.dev/run-id': id }, annotations: { 'netcity.dev/expires-at': new Date(Date.now() + 60_000).toISOString() } } });
    }
    await fake.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'no-expiry', labels: { 'app.kubernetes.io/managed-by': 'netcity' } } });
    await fake.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'not-ours' } });
    fake.beforeCall = (op, d) => {
      if (op === 'delete' && d.includes('no-expiry')) throw new Error('forbidden');
    };
    const r = await cleanupLeftovers(fake, { force: true, activeRunIds: ['aaa'] });
    expect(r.deleted.map((x) => x.name)).toEqual(['netcity-probe-bbb']);
    expect(r.kept.map((x) => x.name)).toEqual(['netcity-probe-aaa']);
    expect(r.failed).toEqual([{ ref: expect.objectContaining({ name: 'no-expiry' }), error: 'forbidden' }]);
    expect(fake.objects.has('Namespace||not-ours')).toBe(true);
  });
});
