import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FlowRecord } from '../model/types.js';
import { FlowCapture, planFlows } from './flow-capture.js';
import { flowProbeDaemonSet } from './manifests.js';
import { describePlan, ProbeRefusedError } from './plan.js';
import { ConntrackFlowMapper } from './conntrack-flows.js';
import { SampleReader } from './sample-reader.js';
import { FakeProbeCluster, type LogSource } from '../../test/fakes/probes/fake-probe-cluster.js';
import { inventory } from '../../test/fixtures/conntrack/inventory.js';
import { sleep } from './probe-cluster.js';

const table = readFileSync(new URL('../../test/fixtures/conntrack/conntrack-extended.txt', import.meta.url), 'utf8');
const sampleText = (node: string, epoch: number, body = table) => `@@netcity-sample begin ${epoch} ${node}\n${body}@@netcity-sample end\n`;

/** Splits text into uneven chunks, as a network stream would. */
function* chunks(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('SampleReader', () => {
  const setup = () => {
    const mapper = new ConntrackFlowMapper(inventory);
    const flows: FlowRecord[] = [];
    const warnings: string[] = [];
    const reader = new SampleReader(mapper, 'node-x', (f) => flows.push(f), (w) => warnings.push(`${w.kind}: ${w.message}`), { maxEntriesPerSample: 8, maxLineLength: 1000 });
    return { reader, flows, warnings };
  };

  it('reads samples split across chunks at any point, once per connection', () => {
    const { reader, flows } = setup();
    for (const c of chunks(sampleText('node-1', 1700000000, table.split('\n').slice(0, 4).join('\n') + '\n') + sampleText('node-1', 1700000005, table.split('\n').slice(0, 4).join('\n') + '\n'), 37)) reader.push(c);
    expect(flows).toHaveLength(4);
    expect(flows[0]).toMatchObject({ node: 'node-1', time: 1700000000_000, source: 'probe' });
    expect(reader.stats).toMatchObject({ samples: 2, entries: 8, flows: 4, incomplete: 0 });
  });

  it('counts what exceeds the per-sample bound as lost and warns; drops overlong and bad lines', () => {
    const { reader, flows, warnings } = setup();
    reader.push(sampleText('node-1', 1, table + 'x'.repeat(2000) + '\nipv4 2 tcp 6 nonsense\n'));
    expect(flows).toHaveLength(8);
    // 2 table entries past the bound are not read; the overlong and the malformed line are dropped.
    expect(warnings).toEqual(['lost-events: node node-1: conntrack sample larger than 8 entries; 2 not read']);
    expect(reader.stats.badLines).toBe(2);
    const b = setup();
    b.reader.push(sampleText('node-1', 1, 'x'.repeat(2000) + '\nipv4 2 tcp 6 nonsense\n'));
    expect(b.reader.stats.badLines).toBe(2);
  });

  it('a sample cut by the stream end is closed as incomplete without re-counting later', () => {
    const { reader, flows } = setup();
    reader.push(`@@netcity-sample begin 1 node-1\n${table.split('\n').slice(0, 3).join('\n')}\n`);
    reader.end();
    expect(reader.stats.incomplete).toBe(1);
    expect(flows).toHaveLength(3);
    reader.push(sampleText('node-1', 2, table.split('\n').slice(0, 5).join('\n') + '\n'));
    expect(flows).toHaveLength(5);
  });

  it('reports a probe that cannot read the table', () => {
    const { reader, warnings } = setup();
    reader.push('@@netcity-sample begin 1 node-1\n@@netcity-sample error conntrack table not readable (needs NET_ADMIN and hostNetwork)\n@@netcity-sample end\n');
    expect(warnings[0]).toMatch(/^not-permitted: node node-1: conntrack table not readable/);
  });
});

describe('flow probe manifest', () => {
  it('is least privilege: host network, NET_ADMIN only, labelled, bounded, tolerates taints', () => {
    const ds = flowProbeDaemonSet({ runId: 'r1', kind: 'flows', expiresAt: '2030-01-01T00:00:00.000Z', image: 'example/img:1' }, { namespace: 'ns', intervalSeconds: 5, maxRunSeconds: 600 }) as any;
    const spec = ds.spec.template.spec;
    const c = spec.containers[0];
    expect(spec.hostNetwork).toBe(true);
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN'] });
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(c.securityContext.privileged).toBeUndefined();
    expect(c.image).toBe('example/img:1');
    expect(c.resources.limits).toEqual({ cpu: '250m', memory: '128Mi' });
    expect(spec.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(ds.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'netcity', 'netcity.dev/run-id': 'r1' });
    expect(ds.spec.selector.matchLabels).toEqual(ds.spec.template.metadata.labels);
    expect(c.command[2]).toContain('conntrack -L -o extended,id');
    expect(c.command[2]).toContain('sleep 5');
  });
});

describe('FlowCapture', () => {
  const logs =
    (bodies: Record<string, string[]>): LogSource =>
    async function* (_ns, pod, _c, signal) {
      const node = pod.replace(/^netcity-flows-[a-z0-9]+-/, '');
      for (const text of bodies[node] ?? []) {
        for (const c of chunks(text, 101)) yield c;
        await sleep(1);
      }
      // Follow: stay open until the capture stops.
      if (!signal.aborted) await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
    };

  it('creates the plan\'s probes, streams samples from every node into roads, removes the probes on stop', async () => {
    const fake = new FakeProbeCluster({
      logs: logs({
        'node-1': [sampleText('node-1', 1700000000), sampleText('node-1', 1700000005)],
        'node-2': [sampleText('node-2', 1700000001, table.split('\n').slice(0, 2).join('\n') + '\n')],
      }),
    });
    const plan = planFlows('dev', { intervalSeconds: 5 }, 'f1').confirm();
    expect(describePlan(plan)).toMatch(/CAP_NET_ADMIN only/);
    const capture = new FlowCapture(fake, plan, inventory, { podPollMs: 5 });
    const done = capture.start();
    for (let i = 0; i < 400 && capture.status().stats.samples < 3; i++) await sleep(5);

    expect(fake.managedObjects().map((o) => o.kind).sort()).toEqual(['DaemonSet', 'Namespace']);
    const summary = await capture.stop();
    expect(await done).toBe(summary);
    expect(summary).toMatchObject({ runId: 'f1', flows: 12, ended: 'stopped' });
    expect(summary.stats).toMatchObject({ samples: 3, entries: 22 });
    const roads = capture.roads();
    const cart = roads.find((r) => r.dst === 'wl:shop/Deployment/cart' && r.port === 8080 && r.protocol === 'TCP');
    expect(cart).toMatchObject({ src: 'wl:shop/Deployment/frontend', dstService: 'shop/cart', sources: ['probe'] });
    expect(roads.find((r) => r.verdict === 'UNKNOWN')?.noReply).toBeGreaterThan(0);
    expect(fake.managedObjects()).toEqual([]);
    expect(summary.cleanup?.failed).toEqual([]);
  });

  it('applies the filter and the time window', async () => {
    const fake = new FakeProbeCluster({ logs: logs({ 'node-1': [sampleText('node-1', 100), sampleText('node-1', 200, table.replace(/id=(\d+)/g, 'id=9$1'))] }) });
    const capture = new FlowCapture(fake, planFlows('dev', {}, 'f2').confirm(), inventory, {
      podPollMs: 5,
      window: { from: 50_000, to: 150_000 },
      filter: (f) => f.protocol === 'TCP',
    });
    const summary = await capture.start();
    expect(summary.ended).toBe('window');
    expect(capture.flows().every((f) => f.protocol === 'TCP' && f.time === 100_000)).toBe(true);
    expect(summary.flows).toBe(5);
    expect(fake.managedObjects()).toEqual([]);
  });

  it('a user without pods/log rights is refused before anything is created', async () => {
    const fake = new FakeProbeCluster({ denied: (c) => c.subresource === 'log' });
    const capture = new FlowCapture(fake, planFlows('dev', {}, 'f3').confirm(), inventory);
    await expect(capture.start()).rejects.toBeInstanceOf(ProbeRefusedError);
    expect(fake.calls).toEqual([]);
  });

  it('ends at its time limit, reports stream errors as warnings and still cleans up', async () => {
    let calls = 0;
    const fake = new FakeProbeCluster();
    fake.streamLogs = async () => {
      calls++;
      throw new Error('kubelet unreachable');
    };
    const capture = new FlowCapture(fake, planFlows('dev', { timeLimitMs: 300 }, 'f4').confirm(), inventory, { podPollMs: 5 });
    const summary = await capture.start();
    expect(summary.ended).toBe('time-limit');
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(summary.warnings.some((w) => w.kind === 'stream-error' && /kubelet unreachable/.test(w.message))).toBe(true);
    expect(fake.managedObjects()).toEqual([]);
  });
});
