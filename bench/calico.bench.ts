/**
 * Calico figures: the policy engine on the 10,000-pod synthetic city with 300 Calico policies in
 * two tiers on top (platform 100, security 200 with default action Pass) — engine build and the
 * full workload matrix, CPU time beside wall time — and Goldmane flow mapping throughput
 * (goldmane.Flow -> FlowRecord -> road).
 */
import type { Bench } from './harness.js';
import { timeMs } from './harness.js';
import { generateInventory } from '../main/model/scenario/generate.js';
import { createPolicyEngine } from '../main/policy/index.js';
import { goldmaneFlowToRecord, goldmaneMapping } from '../main/flows/goldmane-flow.js';
import { RoadAggregator } from '../main/flows/aggregate.js';
import type { PolicyObject } from '../main/model/types.js';

const cal = (kind: PolicyObject['kind'], name: string, spec: Record<string, unknown>, namespace?: string): PolicyObject => ({
  kind,
  apiVersion: 'projectcalico.org/v3',
  name,
  ...(namespace ? { namespace } : {}),
  manifest: { metadata: { name, ...(namespace ? { namespace } : {}) }, spec },
});

const bench: Bench = {
  name: 'calico',
  async run(report) {
    const inv = generateInventory({ seed: 11, namespaces: 500, pods: 10_000, policies: 2_000, flows: 0 });
    const nss = inv.namespaces.map((n) => n.name);
    const extra: PolicyObject[] = [cal('CalicoTier', 'platform', { order: 100 }), cal('CalicoTier', 'security', { order: 200, defaultAction: 'Pass' })];
    for (let i = 0; i < 300; i++)
      extra.push(
        cal('CalicoNetworkPolicy', `security.p${i}`, { tier: 'security', order: i % 7, selector: 'all()', ingress: [{ action: 'Deny', source: { namespaceSelector: `projectcalico.org/name == '${nss[(i * 7) % nss.length]}'` } }, { action: 'Pass' }] }, nss[i % nss.length]),
      );
    extra.push(cal('CalicoGlobalNetworkPolicy', 'platform.dns', { tier: 'platform', order: 1, selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow', protocol: 'UDP', destination: { ports: [53] } }, { action: 'Pass' }] }));
    const input = { namespaces: inv.namespaces, pods: inv.pods, nodes: inv.nodes, policies: [...inv.policies, ...extra], services: inv.services };
    const c0 = process.cpuUsage();
    const build = timeMs(() => createPolicyEngine(input));
    const c1 = process.cpuUsage(c0);
    report({ name: 'engine build, 10k pods, 2,300 policies incl. 301 Calico in 2 tiers', value: Math.round(build.ms), unit: 'ms' });
    report({ name: 'engine build, CPU time', value: Math.round((c1.user + c1.system) / 1000), unit: 'ms' });
    const c2 = process.cpuUsage();
    const m = timeMs(() => build.result.connectivity({ includeIpRanges: true }));
    const c3 = process.cpuUsage(c2);
    const cpu = (c3.user + c3.system) / 1000;
    report({ name: 'full workload matrix with tiers (compact)', value: Math.round(m.ms), unit: 'ms', goal: '< 2000 ms', ok: m.ms < 2000 });
    report({ name: 'full workload matrix with tiers, CPU time', value: Math.round(cpu), unit: 'ms', goal: '< 2000 ms', ok: cpu < 2000 });

    const map = goldmaneMapping(inv);
    const pods = inv.pods.slice(0, 200);
    const N = 200_000;
    const flows = Array.from({ length: 1000 }, (_, i) => {
      const a = pods[i % pods.length];
      const b = pods[(i * 7 + 3) % pods.length];
      return {
        Key: {
          source_name: `${a.name.replace(/-[^-]+$/, '')}-*`, source_namespace: a.namespace, source_type: 'WorkloadEndpoint',
          dest_name: `${b.name.replace(/-[^-]+$/, '')}-*`, dest_namespace: b.namespace, dest_type: 'WorkloadEndpoint',
          dest_port: String(8000 + (i % 50)), proto: 'tcp', reporter: i % 2 ? 'Src' : 'Dst', action: i % 5 ? 'Allow' : 'Deny',
          policies: { enforced_policies: [{ kind: 'CalicoNetworkPolicy', namespace: b.namespace, name: 'security.p1', tier: 'security', action: 'Pass', rule_index: '1' }, { kind: 'NetworkPolicy', namespace: b.namespace, name: 'allow', tier: 'default', action: i % 5 ? 'Allow' : 'Deny', rule_index: '0' }], pending_policies: [] },
        },
        start_time: String(1_700_000_000 + i),
        packets_in: '3', bytes_in: '300',
      };
    });
    const agg = new RoadAggregator({ maxRawFlows: 10_000 });
    const t = timeMs(() => {
      for (let i = 0; i < N; i++) agg.add(goldmaneFlowToRecord(flows[i % flows.length], map)!);
    });
    const rate = Math.round(N / (t.ms / 1000));
    report({ name: 'Goldmane flows mapped and aggregated into roads', value: rate, unit: 'flows/s', goal: '> 100000 flows/s', ok: rate > 100_000 });
  },
};

export default bench;
