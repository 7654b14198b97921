import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../model/types.js';
import { estimateMatrix, matrixChecks, planMatrix, representatives, runMatrix } from './matrix.js';
import { describePlan, EPHEMERAL_WARNING, ProbeRefusedError } from './plan.js';
import { parsePathTarget, planPath, runPath } from './path-check.js';
import { FakeProbeCluster, openNetwork } from '../../test/fakes/probes/fake-probe-cluster.js';
import { flaky } from '../../test/fakes/probes/enforcing-network.js';
import { fakeFromPods } from '../../test/fakes/probes/inventory-fake.js';

const pod = (namespace: string, name: string, ip: string, owner: string | undefined, ports: PodInfo['ports'] = [], extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace,
  name,
  labels: { app: owner ?? name },
  ips: [ip],
  phase: 'Running',
  hostNetwork: false,
  owner: owner ? { kind: 'Deployment', name: owner } : undefined,
  ports,
  ...extra,
});

const pods: PodInfo[] = [
  pod('shop', 'web-2', '10.1.0.3', 'web', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  pod('shop', 'web-1', '10.1.0.2', 'web', [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]),
  pod('shop', 'api-1', '10.1.0.4', 'api', [{ name: 'grpc', containerPort: 9000, protocol: 'TCP' }, { name: 'metrics', containerPort: 9100, protocol: 'TCP' }]),
  pod('shop', 'dns-1', '10.1.0.5', 'dns', [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }]),
  pod('shop', 'batch', '10.1.0.6', undefined, []),
  pod('shop', 'old-1', '10.1.0.7', 'old', [], { phase: 'Succeeded' }),
  pod('shop', 'agent', '192.168.0.11', 'agent', [{ containerPort: 9999, protocol: 'TCP' }], { hostNetwork: true }),
  pod('other', 'x-1', '10.2.0.2', 'x', [{ containerPort: 80, protocol: 'TCP' }]),
];
const inv = { pods, workloads: [] };
const fast = { waitSeconds: 1, pollMs: 5, containerReadyTimeoutMs: 1000 };

describe('parsePathTarget', () => {
  it('reads peer ids, bare IPs and names', () => {
    expect(parsePathTarget('pod:shop/web-1')).toEqual({ type: 'pod', namespace: 'shop', name: 'web-1' });
    expect(parsePathTarget('svc:shop/api')).toEqual({ type: 'service', namespace: 'shop', name: 'api' });
    expect(parsePathTarget('dns:example.com')).toEqual({ type: 'dns', name: 'example.com' });
    expect(parsePathTarget('ip:10.0.0.1')).toEqual({ type: 'ip', address: '10.0.0.1' });
    expect(parsePathTarget('fd00::1')).toEqual({ type: 'ip', address: 'fd00::1' });
    expect(parsePathTarget('db.internal')).toEqual({ type: 'dns', name: 'db.internal' });
  });
  it('names the bad input and the accepted forms', () => {
    expect(() => parsePathTarget('pod:nonamespace')).toThrow(/destination 'pod:nonamespace': expected pod:<ns>\/<name>/);
    expect(() => parsePathTarget('a b')).toThrow(/destination 'a b'/);
    expect(() => parsePathTarget('ip:10.0.0.0/8')).toThrow(/expected/);
  });
});

describe('path check', () => {
  it('plans only a debug container, says it cannot be removed, and asks for the exec rights', () => {
    const plan = planPath('dev', { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget('svc:shop/api'), protocol: 'TCP', port: 9000 }, fast, 'p1');
    expect(plan.objects).toEqual([]);
    expect(plan.ephemeralContainers).toHaveLength(1);
    expect(plan.notes[0]).toBe(EPHEMERAL_WARNING);
    const text = describePlan(plan);
    expect(text).toMatch(/patch pods\/ephemeralcontainers in shop/);
    expect(text).toMatch(/shop\/web-1: container netcity-p1/);
  });

  it('connects to a pod by its IP and reports latency', async () => {
    const fake = fakeFromPods(pods, { reachability: () => ({ outcome: 'connected', latencyMs: 7 }) });
    const plan = planPath('dev', { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget('pod:shop/api-1'), protocol: 'TCP', port: 9000 }, fast, 'p2').confirm();
    const r = await runPath(fake, plan, { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget('pod:shop/api-1'), protocol: 'TCP', port: 9000 }, fast);
    expect(r).toMatchObject({ kind: 'path', src: 'pod:shop/web-1', dst: 'pod:shop/api-1', outcome: 'connected', latencyMs: 7, port: 9000, runId: 'p2' });
    expect(fake.calls).toContain('exec shop/web-1 TCP 10.1.0.4:9000');
    expect(fake.pods.get('shop/web-1')!.ephemeral.map((e) => e.name)).toEqual(['netcity-p2']);
    expect(fake.pods.get('shop/web-1')!.ephemeral[0].securityContext).toMatchObject({ runAsNonRoot: true, capabilities: { drop: ['ALL'] } });

  });

  it('does not sweep namespaces after a run that created none (the user may not list them)', async () => {
    const fake = fakeFromPods(pods);
    fake.beforeCall = (op) => {
      if (op === 'list') throw new Error('namespaces is forbidden');
    };
    const req = { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget('ip:10.1.0.4'), protocol: 'TCP' as const, port: 9000 };
    let failed: unknown[] | undefined;
    await runPath(fake, planPath('dev', req, fast).confirm(), req, { ...fast, onCleanup: (r) => (failed = r.failed) });
    expect(failed).toEqual([]);
  });

  it('reports refused, timeout and DNS failure', async () => {
    const outcomes = [] as string[];
    for (const [reach, target] of [
      [() => 'refused', 'pod:shop/api-1'],
      [() => 'timeout', 'ip:10.1.0.4'],
      [openNetwork, 'svc:shop/missing'],
    ] as const) {
      const fake = fakeFromPods(pods, { reachability: reach as never });
      const req = { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget(target), protocol: 'TCP' as const, port: 9000 };
      const r = await runPath(fake, planPath('dev', req, fast).confirm(), req, fast);
      outcomes.push(r.outcome);
      if (target.startsWith('svc')) expect(r).toMatchObject({ dst: 'svc:shop/missing', dstTarget: 'missing.shop.svc' });
    }
    expect(outcomes).toEqual(['refused', 'timeout', 'dns-failure']);
  });

  it('refuses a user who may not add debug containers, before touching the pod', async () => {
    const fake = fakeFromPods(pods, { denied: (c) => c.subresource === 'ephemeralcontainers' });
    const req = { source: { namespace: 'shop', pod: 'web-1' }, target: parsePathTarget('ip:10.1.0.4'), protocol: 'TCP' as const, port: 9000 };
    await expect(runPath(fake, planPath('dev', req, fast).confirm(), req, fast)).rejects.toBeInstanceOf(ProbeRefusedError);
    expect(fake.calls).toEqual([]);
    expect(fake.pods.get('shop/web-1')!.ephemeral).toEqual([]);
  });

  it('a missing source pod gives an error result that says so', async () => {
    const fake = new FakeProbeCluster();
    const req = { source: { namespace: 'shop', pod: 'gone' }, target: parsePathTarget('ip:10.1.0.4'), protocol: 'TCP' as const, port: 80 };
    const r = await runPath(fake, planPath('dev', req, fast).confirm(), req, fast);
    expect(r.outcome).toBe('error');
    expect(r.detail).toMatch(/gone/);
  });
});

describe('matrix', () => {
  it('one running pod per workload, host-network and finished pods left out', () => {
    const reps = representatives(inv, { namespace: 'shop' });
    expect(reps.map((r) => `${r.workload}=${r.pod.name}`)).toEqual([
      'wl:shop/Deployment/api=api-1',
      'wl:shop/Pod/batch=batch',
      'wl:shop/Deployment/dns=dns-1',
      'wl:shop/Deployment/web=web-1',
    ]);
    expect(representatives(inv, { selection: ['wl:shop/Deployment/web', 'pod:other/x-1'] }).map((r) => r.pod.name)).toEqual(['x-1', 'web-1']);
  });

  it('every ordered pair on the destination\'s declared ports; estimate before running', () => {
    const reps = representatives(inv, { namespace: 'shop' });
    const checks = matrixChecks(reps);
    // 3 sources towards api (2 ports), dns (2), web (1); batch declares nothing.
    expect(checks).toHaveLength(3 * 2 + 3 * 2 + 3 * 1);
    expect(checks.filter((c) => c.dst.pod.name === 'dns-1').map((c) => c.protocol).sort()).toEqual(['TCP', 'TCP', 'TCP', 'UDP', 'UDP', 'UDP']);
    const { plan } = planMatrix('dev', inv, { namespace: 'shop' }, { concurrency: 4, waitSeconds: 3 }, 'm0');
    expect(plan.estimate).toEqual(estimateMatrix(15, 4, { concurrency: 4, waitSeconds: 3 }));
    expect(plan.estimate!.seconds).toBe(1 * 10 + 4 * 4);
    expect(plan.ephemeralContainers.map((e) => e.pod)).toEqual(['api-1', 'batch', 'dns-1', 'web-1']);
  });

  it('runs every check with bounded concurrency and reports progress', async () => {
    let inFlight = 0;
    let peak = 0;
    const fake = fakeFromPods(pods, { reachability: openNetwork });
    const exec = fake.exec.bind(fake);
    fake.exec = async (...args) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      try {
        return await exec(...args);
      } finally {
        inFlight--;
      }
    };
    const planned = planMatrix('dev', inv, { namespace: 'shop' }, { ...fast, concurrency: 3 }, 'm1');
    planned.plan.confirm();
    const progress: number[] = [];
    const report = await runMatrix(fake, planned, { ...fast, concurrency: 3, onProgress: (p) => progress.push(p.done) });
    expect(report.results).toHaveLength(15);
    expect(report.stopped).toBeUndefined();
    expect(peak).toBe(3);
    expect(progress).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(report.results.every((r) => r.outcome === 'connected')).toBe(true);
    // One debug container per source pod, even with concurrent checks from it.
    expect(fake.calls.filter((c) => c.startsWith('ephemeral'))).toHaveLength(4);
  });

  it('cancel mid-matrix stops scheduling and keeps the partial results', async () => {
    const fake = fakeFromPods(pods, { reachability: openNetwork });
    const planned = planMatrix('dev', inv, { namespace: 'shop' }, { ...fast, concurrency: 2 }, 'm2');
    planned.plan.confirm();
    const ac = new AbortController();
    const report = await runMatrix(fake, planned, {
      ...fast,
      concurrency: 2,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done === 5) ac.abort();
      },
    });
    expect(report.stopped).toBe('cancelled');
    expect(report.results.length).toBeGreaterThanOrEqual(5);
    expect(report.results.length).toBeLessThan(15);
    const execsAfter = fake.calls.filter((c) => c.startsWith('exec')).length;
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.calls.filter((c) => c.startsWith('exec')).length).toBe(execsAfter);
  });

  it('flaky timeouts show up as timeouts, never as connected', async () => {
    const fake = fakeFromPods(pods, { reachability: flaky(openNetwork, 0.4, 3) });
    const planned = planMatrix('dev', inv, { namespace: 'shop' }, fast, 'm3');
    planned.plan.confirm();
    const report = await runMatrix(fake, planned, fast);
    const counts = report.results.reduce<Record<string, number>>((m, r) => ((m[r.outcome] = (m[r.outcome] ?? 0) + 1), m), {});
    expect(counts.timeout).toBeGreaterThan(0);
    expect(counts.connected).toBeGreaterThan(0);
    expect((counts.timeout ?? 0) + (counts.connected ?? 0)).toBe(15);
  });

  it('a matrix that runs past its time limit stops with what it has', async () => {
    const fake = fakeFromPods(pods, { reachability: () => ({ outcome: 'timeout', hang: true }) });
    const planned = planMatrix('dev', inv, { namespace: 'shop' }, { ...fast, timeLimitMs: 100 }, 'm4');
    planned.plan.confirm();
    const report = await runMatrix(fake, planned, fast);
    expect(report.stopped).toBe('time-limit');
    expect(report.results.length).toBeLessThan(15);
  });
});
