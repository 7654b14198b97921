import { describe, expect, it } from 'vitest';
import { UsageError, type CliIO } from '../command.js';
import { createProbeCommand, parseDurationMs, type ProbeDeps } from './probe.js';
import { FakeProbeCluster } from '../../../test/fakes/probes/fake-probe-cluster.js';
import { enforcingNetwork } from '../../../test/fakes/probes/enforcing-network.js';
import { fakeFromPods } from '../../../test/fakes/probes/inventory-fake.js';
import type { PodInfo } from '../../model/types.js';

const io = (signal = new AbortController().signal) => {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: '/tmp', signal };
  return { cli, out: () => out.join(''), err: () => err.join('') };
};

const pods: PodInfo[] = [
  { namespace: 'shop', name: 'web-1', labels: {}, ips: ['10.1.0.2'], phase: 'Running', hostNetwork: false, owner: { kind: 'Deployment', name: 'web' }, ports: [{ containerPort: 8080, protocol: 'TCP' }] },
  { namespace: 'shop', name: 'api-1', labels: {}, ips: ['10.1.0.3'], phase: 'Running', hostNetwork: false, owner: { kind: 'Deployment', name: 'api' }, ports: [{ containerPort: 9000, protocol: 'TCP' }] },
];

const deps = (fake: FakeProbeCluster): ProbeDeps & { contexts: string[] } => {
  const contexts: string[] = [];
  return {
    contexts,
    connect: async (context) => {
      contexts.push(context);
      return fake;
    },
    inventory: async () => ({ pods, workloads: [], nodes: [], services: [] }),
  };
};

describe('netcity probe', () => {
  it('without --yes prints the plan with the permission answers and creates nothing', async () => {
    const fake = new FakeProbeCluster({ denied: (c) => c.resource === 'networkpolicies' });
    const t = io();
    const code = await createProbeCommand(deps(fake)).run(['--context', 'dev', 'enforcement'], t.cli);
    expect(code).toBe(0);
    expect(t.out()).toMatch(/Probe 'enforcement' on context 'dev'/);
    expect(t.out()).toMatch(/NetworkPolicy default-deny-ingress in netcity-probe-/);
    expect(t.out()).toMatch(/Permissions missing: create networkpolicies.networking.k8s.io in netcity-probe-/);
    expect(t.out()).toMatch(/Nothing was created\. Re-run with --yes/);
    expect(fake.calls).toEqual([]);
  });

  it('--json plan is machine-readable', async () => {
    const fake = fakeFromPods(pods);
    const t = io();
    await createProbeCommand(deps(fake)).run(['--context', 'dev', '--json', 'path', '--from', 'shop/web-1', '--to', 'pod:shop/api-1', '--port', '9000'], t.cli);
    const j = JSON.parse(t.out());
    expect(j.created).toBe(false);
    expect(j.plan.ephemeralContainers).toEqual([expect.objectContaining({ namespace: 'shop', pod: 'web-1' })]);
    expect(j.plan.notes[0]).toMatch(/cannot be removed/);
    expect(fake.pods.get('shop/web-1')!.ephemeral).toEqual([]);
  });

  it('--yes runs the enforcement check and reports per capability', async () => {
    const fake = new FakeProbeCluster({ reachability: enforcingNetwork });
    const t = io();
    // Short settle times are not CLI options; the fake answers immediately so the defaults only bound the waits.
    const code = await createProbeCommand(deps(fake)).run(['--context', 'dev', '--yes', 'enforcement'], t.cli);
    expect(code).toBe(0);
    expect(t.out()).toMatch(/enforces NetworkPolicy: yes/);
    expect(t.out()).toMatch(/ingress-isolation\s+yes/);
    expect(fake.managedObjects()).toEqual([]);
  }, 60_000);

  it('--yes path check prints the outcome and latency', async () => {
    const fake = fakeFromPods(pods, { reachability: () => ({ outcome: 'connected', latencyMs: 3 }) });
    const t = io();
    const code = await createProbeCommand(deps(fake)).run(['--context', 'dev', '--yes', 'path', '--from', 'shop/web-1', '--to', 'pod:shop/api-1', '--port', '9000'], t.cli);
    expect(code).toBe(0);
    expect(t.out()).toBe('TCP pod:shop/web-1 -> pod:shop/api-1:9000: connected in 3 ms (Connection to 10.1.0.3 9000 port [tcp/*] succeeded!)\n');
  });

  it('--yes matrix runs every pair', async () => {
    const fake = fakeFromPods(pods);
    const t = io();
    const code = await createProbeCommand(deps(fake)).run(['--context', 'dev', '--yes', '--json', 'matrix', '--namespace', 'shop', '--concurrency', '2'], t.cli);
    expect(code).toBe(0);
    const report = JSON.parse(t.out());
    expect(report.total).toBe(2);
    expect(report.results.map((r: { outcome: string }) => r.outcome)).toEqual(['connected', 'connected']);
  });

  it('--yes flows captures for --duration and prints roads, removing the probes', async () => {
    const table = 'ipv4     2 tcp      6 431999 ESTABLISHED src=10.1.0.2 dst=10.1.0.3 sport=40000 dport=9000 src=10.1.0.3 dst=10.1.0.2 sport=9000 dport=40000 [ASSURED] mark=0 use=1 id=7\n';
    const fake = new FakeProbeCluster({
      logs: async function* (_ns, _pod, _c, signal) {
        yield `@@netcity-sample begin 1700000000 node-1\n${table}@@netcity-sample end\n`;
        if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      },
    });
    const t = io();
    const code = await createProbeCommand(deps(fake)).run(['--context', 'dev', '--yes', 'flows', '--duration', '300ms', '--interval', '1s'], t.cli);
    expect(code).toBe(0);
    expect(t.out()).toMatch(/^1 flow\(s\) on 1 road\(s\)/);
    expect(t.out()).toContain('wl:shop/Deployment/web -> wl:shop/Deployment/api TCP/9000 FORWARDED x1');
    expect(fake.managedObjects()).toEqual([]);
  });

  it('cleanup removes expired leftovers', async () => {
    const fake = new FakeProbeCluster();
    await fake.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'netcity-probe-old', labels: { 'app.kubernetes.io/managed-by': 'netcity' }, annotations: { 'netcity.dev/expires-at': '2000-01-01T00:00:00Z' } } });
    const t = io();
    expect(await createProbeCommand(deps(fake)).run(['--context', 'dev', 'cleanup'], t.cli)).toBe(0);
    expect(t.out()).toMatch(/Removed 1 leftover namespace\(s\): netcity-probe-old/);
  });

  it('bad arguments are usage errors naming the option, before connecting', async () => {
    const d = deps(new FakeProbeCluster());
    const cmd = createProbeCommand(d);
    const bad = async (args: string[], re: RegExp) => {
      const err = await cmd.run(args, io().cli).catch((e) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toMatch(re);
    };
    await bad(['enforcement'], /--context is required/);
    await bad(['--context', 'dev'], /say what to run/);
    await bad(['--context', 'dev', 'ping'], /unknown check "ping"/);
    await bad(['--context', 'dev', 'path', '--from', 'web-1', '--to', 'ip:1.2.3.4', '--port', '80'], /--from NS\/POD/);
    await bad(['--context', 'dev', 'path', '--from', 'shop/web-1', '--to', 'pod:x', '--port', '80'], /destination 'pod:x'/);
    await bad(['--context', 'dev', 'path', '--from', 'shop/web-1', '--to', 'ip:1.2.3.4', '--port', '0'], /--port must be/);
    await bad(['--context', 'dev', 'path', '--from', 'shop/web-1', '--to', 'ip:1.2.3.4', '--port', '80', '--protocol', 'icmp'], /--protocol: expected TCP or UDP/);
    await bad(['--context', 'dev', 'matrix'], /--namespace NS or --select/);
    await bad(['--context', 'dev', '--time-limit', 'soon', 'enforcement'], /--time-limit: expected a duration/);
    await bad(['--context', 'dev', '--bogus', 'flows'], /bogus/);
    expect(d.contexts).toEqual([]);
  });

  it('parseDurationMs', () => {
    expect(parseDurationMs('--x', '90s')).toBe(90_000);
    expect(parseDurationMs('--x', '2m')).toBe(120_000);
    expect(parseDurationMs('--x', '250ms')).toBe(250);
    expect(parseDurationMs('--x', '3')).toBe(3000);
  });
});
