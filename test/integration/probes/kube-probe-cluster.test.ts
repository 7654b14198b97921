/**
 * The probes against the Kubernetes API test server (HTTPS on loopback) through client-node:
 * access reviews, create/delete/list of labelled objects, pod logs and exec over WebSocket, with
 * exec outcomes from a simulated road builder.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveContext } from '../../../main/cluster/kubeconfig.js';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { cleanupLeftovers } from '../../../main/probes/cleanup.js';
import { planEnforcement, runEnforcement } from '../../../main/probes/enforcement.js';
import { FlowCapture, planFlows } from '../../../main/probes/flow-capture.js';
import { KubeProbeCluster } from '../../../main/probes/kube-probe-cluster.js';
import { parsePathTarget, planPath, runPath } from '../../../main/probes/path-check.js';
import { ProbeRefusedError } from '../../../main/probes/plan.js';
import { probeTargetOf, RESULT_MARKER } from '../../../main/probes/probe-command.js';
import { inventory } from '../../fixtures/conntrack/inventory.js';
import { startKubeApiServer, writeTestKubeconfig, type KubeApiServer } from '../../fakes/kube-api-server/index.js';
import type { ExecContext } from '../../fakes/kube-api-server/index.js';

const demo = demoSnapshot();
const table = readFileSync(new URL('../../fixtures/conntrack/conntrack-extended.txt', import.meta.url), 'utf8');
let api: KubeApiServer;
let kubeconfig: string;
let network: 'enforcing' | 'open' = 'open';

const policyExists = (ns: string, name: string): boolean => !!api.store.get('networking.k8s.io/networkpolicies', `${ns}/${name}`);

/** A road builder simulated at the exec: it reads the probe's target and the policies in the store. */
function execProbe(ctx: ExecContext) {
  const t = probeTargetOf(ctx.command);
  if (!t) return { stderr: 'unknown command\n', exitCode: 127 };
  const server = [...api.store.table('pods').values()].find((p) => p.status?.podIP === t.host);
  const listening = server && (server.spec?.containers ?? []).some((c: any) => (c.ports ?? []).some((p: any) => p.containerPort === t.port && (p.protocol ?? 'TCP') === t.protocol));
  let blocked = false;
  if (network === 'enforcing' && server) {
    const dstNs = server.metadata.namespace;
    const srcNs = ctx.namespace;
    if (policyExists(dstNs, 'default-deny-ingress')) {
      const allowed = policyExists(dstNs, 'allow-http-from-peer-namespace') && srcNs !== dstNs && t.port === 8080 && t.protocol === 'TCP';
      blocked = !allowed;
    }
    if (policyExists(srcNs, 'default-deny-egress')) blocked = true;
  }
  if (!server || blocked) return { stdout: t.protocol === 'UDP' ? `${RESULT_MARKER} rc=0 ms=2000\n` : `nc: connect to ${t.host} port ${t.port} (tcp) timed out: Operation now in progress\n${RESULT_MARKER} rc=1 ms=2000\n`, exitCode: 0 };
  if (!listening) return { stdout: `nc: connect to ${t.host} port ${t.port} (tcp) failed: Connection refused\n${RESULT_MARKER} rc=1 ms=1\n`, exitCode: 0 };
  return { stdout: t.protocol === 'UDP' ? `netcity-ping\n${RESULT_MARKER} rc=0 ms=1\n` : `Connection to ${t.host} ${t.port} port [tcp/*] succeeded!\n${RESULT_MARKER} rc=0 ms=2\n`, exitCode: 0 };
}

const cluster = async (context = 'test-admin') => {
  const { kubeConfig } = await resolveContext(context, { path: kubeconfig, searchPath: '' });
  return new KubeProbeCluster(kubeConfig, context, { logIdleTimeoutMs: 2000 });
};
const fast = { settleMs: 300, pollMs: 20, waitSeconds: 1, confirmations: 1, podReadyTimeoutMs: 5000 };
const netcityNamespaces = () => [...api.store.table('namespaces').values()].filter((n) => n.metadata.labels?.['app.kubernetes.io/managed-by'] === 'netcity');

beforeAll(async () => {
  api = await startKubeApiServer({
    snapshot: demo,
    exec: execProbe,
    logs: (_ns, pod) => (pod.startsWith('netcity-flows-') ? `@@netcity-sample begin 1700000000 node-1\n${table}@@netcity-sample end\n` : ''),
  });
  kubeconfig = writeTestKubeconfig(api);
});
afterAll(async () => {
  await api?.close();
});

describe('probes through client-node against the API test server', () => {
  it('enforcement check on an enforcing road builder: all yes, then nothing left', async () => {
    network = 'enforcing';
    const c = await cluster();
    const report = await runEnforcement(c, planEnforcement('test-admin', fast).confirm(), fast);
    expect(Object.fromEntries(report.capabilities.map((x) => [x.capability, x.answer]))).toEqual({
      'ingress-isolation': 'yes',
      'egress-isolation': 'yes',
      'namespace-selector': 'yes',
      'named-port': 'yes',
      udp: 'yes',
    });
    expect(report.cleanup?.failed).toEqual([]);
    expect(netcityNamespaces()).toEqual([]);
    expect([...api.store.table('pods').values()].filter((p) => p.metadata.namespace?.startsWith('netcity-probe-'))).toEqual([]);
    expect(api.requests.get('POST selfsubjectaccessreviews')).toBeGreaterThan(0);
  });

  it('enforcement check on a road builder that ignores policies', async () => {
    network = 'open';
    const report = await runEnforcement(await cluster(), planEnforcement('test-admin', fast).confirm(), fast);
    expect(report.enforces).toBe(false);
    expect(netcityNamespaces()).toEqual([]);
  });

  it('a restricted user is refused before anything is created', async () => {
    const before = api.requests.get('CREATE namespaces') ?? 0;
    const err = await runEnforcement(await cluster('test-restricted'), planEnforcement('test-restricted', fast).confirm(), fast).catch((e) => e);
    expect(err).toBeInstanceOf(ProbeRefusedError);
    expect(err.message).toMatch(/not permitted to create namespaces \(cluster-wide\)/);
    expect(api.requests.get('CREATE namespaces') ?? 0).toBe(before);
  });

  it('flow probes: DaemonSet created, logs parsed into probe flows, everything removed on stop', async () => {
    const c = await cluster();
    const plan = planFlows('test-admin', { intervalSeconds: 1 }).confirm();
    const capture = new FlowCapture(c, plan, inventory, { podPollMs: 50 });
    const done = capture.start();
    const ns = `netcity-probe-${plan.runId}`;
    // The test server does not run controllers: play the DaemonSet controller once it exists.
    for (let i = 0; i < 100 && !api.store.get('apps/daemonsets', `${ns}/netcity-flows-${plan.runId}`); i++) await new Promise((r) => setTimeout(r, 20));
    const ds = api.store.get('apps/daemonsets', `${ns}/netcity-flows-${plan.runId}`)!;
    expect(ds.spec.template.spec.hostNetwork).toBe(true);
    api.put('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `netcity-flows-${plan.runId}-node-1`, namespace: ns, labels: ds.spec.template.metadata.labels },
      spec: { nodeName: 'node-1', hostNetwork: true, containers: [{ name: 'conntrack', image: 'x' }] },
      status: { phase: 'Running', podIP: '192.168.10.11', podIPs: [{ ip: '192.168.10.11' }] },
    });
    for (let i = 0; i < 200 && capture.status().stats.samples < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const summary = await capture.stop();
    await done;
    // The same table served twice (a reconnect) is counted once.
    expect(summary.stats.samples).toBeGreaterThanOrEqual(2);
    expect(summary.flows).toBe(10);
    expect(capture.roads().some((r) => r.dstService === 'shop/cart' && r.src === 'wl:shop/Deployment/frontend')).toBe(true);
    expect(netcityNamespaces()).toEqual([]);
    expect(api.store.get('apps/daemonsets', `${ns}/netcity-flows-${plan.runId}`)).toBeUndefined();
  });

  it('cleanupLeftovers removes an expired probe namespace from a crashed run, keeps a live one', async () => {
    const mk = (name: string, expires: number) =>
      api.put('namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'netcity', 'netcity.dev/run-id': name.slice(-4) }, annotations: { 'netcity.dev/expires-at': new Date(expires).toISOString() } },
      });
    mk('netcity-probe-dead', Date.now() - 1000);
    mk('netcity-probe-live', Date.now() + 600_000);
    const report = await cleanupLeftovers(await cluster());
    expect(report.deleted.map((r) => r.name)).toEqual(['netcity-probe-dead']);
    expect(report.kept.map((r) => r.name)).toEqual(['netcity-probe-live']);
    expect(api.store.get('namespaces', 'netcity-probe-dead')).toBeUndefined();
    api.remove('namespaces', undefined, 'netcity-probe-live');
  });

  it('path check: a server that cannot add ephemeral containers gives an error result naming the call', async () => {
    const src = demo.pods.find((p) => p.namespace === 'shop' && !p.hostNetwork)!;
    const req = { source: { namespace: src.namespace, pod: src.name }, target: parsePathTarget('ip:10.0.0.1'), protocol: 'TCP' as const, port: 80 };
    const r = await runPath(await cluster(), planPath('test-admin', req).confirm(), req, { containerReadyTimeoutMs: 1000 });
    expect(r.outcome).toBe('error');
    expect(r.detail).toMatch(/add debug container netcity-\w+ to pod shop\//);
    expect(r.detail).toMatch(/HTTP 405/);
  });
});
