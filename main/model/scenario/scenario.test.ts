import { describe, expect, it } from 'vitest';
import { demoSnapshot } from './demo.js';
import { forEachSyntheticFlow, generateInventory, generateScenario } from './generate.js';

describe('demo city', () => {
  it('is deterministic', () => {
    expect(JSON.stringify(demoSnapshot())).toBe(JSON.stringify(demoSnapshot()));
  });

  it('has the shop the issue describes', () => {
    const s = demoSnapshot();
    expect(s.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(['shop', 'payments', 'data', 'monitoring']));
    const kinds = new Set(s.workloads.map((w) => w.kind));
    for (const k of ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']) expect(kinds).toContain(k);
    expect(s.workloads.length).toBeGreaterThanOrEqual(12);
    expect(s.policies.some((p) => p.kind === 'NetworkPolicy' && p.name.startsWith('default-deny'))).toBe(true);
    expect(s.flows.some((f) => f.verdict === 'DROPPED')).toBe(true);
    expect(s.flows.some((f) => f.src.peer === 'world')).toBe(true);
    expect(s.flows.some((f) => f.l7?.type === 'dns')).toBe(true);
    expect(s.roads.some((r) => r.verdict === 'DROPPED')).toBe(true);
  });

  it('gives every pod a unique IP inside its node pod CIDR and services their endpoints', () => {
    const s = demoSnapshot();
    const ips = s.pods.filter((p) => !p.hostNetwork).map((p) => p.ips[0]);
    expect(new Set(ips).size).toBe(ips.length);
    for (const p of s.pods.filter((x) => !x.hostNetwork)) {
      const node = s.nodes.find((n) => n.name === p.node)!;
      expect(p.ips[0].startsWith(node.podCIDRs[0].split('.').slice(0, 3).join('.'))).toBe(true);
    }
    const frontend = s.services.find((x) => x.name === 'frontend')!;
    expect(frontend.endpoints).toHaveLength(3);
  });
});

describe('synthetic generator', () => {
  it('produces the requested sizes deterministically', () => {
    const a = generateScenario({ seed: 7, namespaces: 20, pods: 500, policies: 60, flows: 5000 });
    const b = generateScenario({ seed: 7, namespaces: 20, pods: 500, policies: 60, flows: 5000 });
    expect(a.pods).toHaveLength(500);
    expect(a.namespaces).toHaveLength(20);
    expect(a.policies).toHaveLength(60);
    expect(a.roads.reduce((n, r) => n + r.count, 0)).toBe(5000);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = generateScenario({ seed: 8, namespaces: 20, pods: 500, policies: 60, flows: 5000 });
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('keeps raw flows bounded and streams the rest', () => {
    const s = generateScenario({ namespaces: 5, pods: 100, policies: 10, flows: 20_000, maxRawFlows: 1000 });
    expect(s.flows).toHaveLength(1000);
    let n = 0;
    forEachSyntheticFlow(generateInventory({ namespaces: 5, pods: 100, policies: 10, flows: 0 }), 3000, 1, () => n++);
    expect(n).toBe(3000);
  });
});
