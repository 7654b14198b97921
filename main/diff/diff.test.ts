import { describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { PolicyObject, Snapshot } from '../model/types.js';
import { diffPolicies, diffSnapshots, hasChanges } from './diff.js';
import { diffPolicyRules } from './policy-rules.js';

const clone = (s: Snapshot): Snapshot => structuredClone(s);
const policyOf = (s: Snapshot, ns: string | undefined, name: string): PolicyObject => s.policies.find((p) => p.name === name && p.namespace === ns)!;
const np = (spec: Record<string, unknown>): PolicyObject => ({
  kind: 'NetworkPolicy',
  apiVersion: 'networking.k8s.io/v1',
  namespace: 'shop',
  name: 'p',
  manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec },
});

describe('diffSnapshots', () => {
  it('finds nothing between a snapshot and itself', () => {
    const a = demoSnapshot();
    const d = diffSnapshots(a, clone(a));
    expect(hasChanges(d)).toBe(false);
    expect(d.connectivity.status).toBe('computed');
    expect(d.connectivity.pairsCompared).toBeGreaterThan(0);
    expect(d.sameCluster).toBe(true);
  });

  it('reports inventory added, removed and changed with per-key label changes', () => {
    const a = demoSnapshot();
    const b = clone(a);
    b.namespaces.push({ name: 'orders', labels: { team: 'orders' } });
    b.namespaces = b.namespaces.filter((n) => n.name !== 'monitoring');
    b.namespaces.find((n) => n.name === 'shop')!.labels.env = 'staging';
    const cart = b.workloads.find((w) => w.name === 'cart')!;
    cart.replicas = 5;
    b.services.find((s) => s.name === 'redis')!.ports[0].port = 6380;
    const d = diffSnapshots(a, b, { connectivity: false });
    expect(d.namespaces.map((e) => [e.id, e.change])).toEqual([
      ['ns:monitoring', 'removed'],
      ['ns:orders', 'added'],
      ['ns:shop', 'changed'],
    ]);
    expect(d.namespaces[2].fields).toEqual([{ field: 'labels.env', before: 'prod', after: 'staging' }]);
    expect(d.workloads).toEqual([{ type: 'workload', id: 'wl:shop/Deployment/cart', change: 'changed', fields: [{ field: 'replicas', before: 2, after: 5 }] }]);
    expect(d.services.map((s) => [s.id, s.fields.map((f) => f.field)])).toEqual([['svc:data/redis', ['ports']]]);
    expect(d.overlay.peers['ns:orders']).toBe('added');
    expect(d.connectivity.status).toBe('skipped');
  });

  it('reports roads new, vanished and verdict flipped', () => {
    const a = demoSnapshot();
    const b = clone(a);
    const [first, second, ...rest] = b.roads;
    b.roads = [...rest.filter((r) => !(r.src === second.src && r.dst === second.dst && r.port === second.port && r.protocol === second.protocol))];
    const flipped = { ...first, verdict: first.verdict === 'DROPPED' ? ('FORWARDED' as const) : ('DROPPED' as const) };
    flipped.key = `${flipped.src}|${flipped.dst}|${flipped.protocol}|${flipped.port ?? ''}|${flipped.verdict}`;
    b.roads.push(flipped, { ...first, key: 'world|x|TCP|1|FORWARDED', src: 'world', dst: 'wl:shop/Deployment/x', port: 1, verdict: 'FORWARDED' });
    const d = diffSnapshots(a, b, { connectivity: false });
    const byChange = Object.fromEntries(d.roads.map((r) => [r.change, r]));
    expect(byChange['verdict-flipped']).toMatchObject({ src: first.src, dst: first.dst, before: { verdicts: [first.verdict] }, after: { verdicts: [flipped.verdict] } });
    expect(byChange['vanished']).toMatchObject({ src: second.src, dst: second.dst });
    expect(byChange['new']).toMatchObject({ src: 'world', dst: 'wl:shop/Deployment/x', port: 1 });
    expect(d.overlay.roads[byChange['new'].id]).toBe('new');
  });

  it('explains connectivity newly allowed and denied by the policy change that caused it', () => {
    const a = demoSnapshot();
    const b = clone(a);
    // Open redis to checkout too; stop checkout reaching cart.
    const redis = policyOf(b, 'data', 'allow-cart-to-redis');
    const spec = redis.manifest.spec as { ingress: { from: unknown[] }[] };
    spec.ingress[0].from.push({
      podSelector: { matchLabels: { app: 'checkout' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
    });
    b.policies = b.policies.filter((p) => !(p.name === 'allow-checkout-to-cart' || p.name === 'allow-from-frontend'));
    const d = diffSnapshots(a, b);
    expect(d.connectivity.status).toBe('computed');
    const allowed = d.connectivity.changes.find((c) => c.src === 'wl:shop/Deployment/checkout' && c.dst === 'wl:data/Deployment/redis');
    expect(allowed).toMatchObject({ change: 'newly-allowed', ports: { TCP: '6379' }, causes: ['NetworkPolicy/data/allow-cart-to-redis'] });
    expect(allowed!.because).toMatch(/allow-cart-to-redis changed \(ingress rule 1: peers/);
    const denied = d.connectivity.changes.find((c) => c.src === 'wl:shop/Deployment/checkout' && c.dst === 'wl:shop/Deployment/cart');
    expect(denied).toMatchObject({ change: 'newly-denied' });
    expect(denied!.causes).toContain('NetworkPolicy/shop/allow-checkout-to-cart');
    expect(d.policies.map((p) => [p.key, p.change])).toEqual([
      ['NetworkPolicy/data/allow-cart-to-redis', 'changed'],
      ['NetworkPolicy/shop/allow-checkout-to-cart', 'removed'],
      ['NetworkPolicy/shop/allow-from-frontend', 'removed'],
    ]);
    expect(d.overlay.connectivity).toContainEqual({ src: 'wl:shop/Deployment/checkout', dst: 'wl:data/Deployment/redis', change: 'newly-allowed' });
  });

  it('says when the policy engine could not compute connectivity, and still diffs the rest', () => {
    const a = demoSnapshot();
    const b = clone(a);
    b.namespaces.pop();
    const d = diffSnapshots(a, b, {
      connectivityFn: () => {
        throw new Error('boom');
      },
    });
    expect(d.connectivity).toEqual({ status: 'unavailable', reason: 'policy engine failed: boom', changes: [], pairsCompared: 0 });
    expect(d.namespaces).toHaveLength(1);
  });

  it('diffs two different clusters', () => {
    const a = demoSnapshot();
    const b = { ...clone(a), cluster: { ...a.cluster, name: 'other', server: 'https://other:6443' } };
    const d = diffSnapshots(a, b, { connectivity: false });
    expect(d.sameCluster).toBe(false);
    expect(d.a.cluster).toBe('demo');
    expect(d.b.cluster).toBe('other');
  });
});

describe('semantic policy diff', () => {
  it('ignores metadata, key order and list order', () => {
    const a = np({ podSelector: { matchLabels: { app: 'a' } }, ingress: [{ from: [{ podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 80 }, { port: 443 }] }] });
    const b = structuredClone(a);
    (b.manifest.metadata as Record<string, unknown>).resourceVersion = '99';
    const rule = (b.manifest.spec as { ingress: { from: unknown[]; ports: unknown[] }[] }).ingress[0];
    rule.from.reverse();
    rule.ports.reverse();
    expect(diffPolicies([a], [b])).toEqual([]);
  });

  it('reports ports changed on a rule that kept its peers', () => {
    const a = np({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }] });
    const b = np({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }] }] });
    const [c] = diffPolicyRules(a, b);
    expect(c).toMatchObject({ kind: 'rule-changed', section: 'ingress', index: 0, parts: ['ports'] });
    expect(c.description).toBe('ingress rule 1: ports TCP/8080 -> TCP/8080, TCP/9090');
  });

  it('reports peers changed on a rule that kept its ports, and selector changes', () => {
    const a = np({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ port: 5432 }] }] });
    const b = np({ podSelector: { matchLabels: { app: 'db', tier: 'data' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'y' } } }], ports: [{ port: 5432 }] }] });
    const changes = diffPolicyRules(a, b);
    expect(changes.map((c) => c.kind).sort()).toEqual(['rule-changed', 'selector-changed']);
    expect(changes.find((c) => c.kind === 'selector-changed')!.description).toBe('podSelector app=db -> app=db, tier=data');
    expect(changes.find((c) => c.kind === 'rule-changed')!.description).toBe('ingress rule 1: peers from pod app=x -> from pod app=y');
  });

  it('reports rules added and removed, and policyTypes changes', () => {
    const keep = { from: [{ podSelector: { matchLabels: { app: 'k' } } }], ports: [{ port: 1 }] };
    const a = np({ podSelector: {}, ingress: [keep, { from: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 22 }] }] });
    const b = np({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [keep], egress: [{ to: [{ namespaceSelector: {} }] }] });
    const changes = diffPolicyRules(a, b);
    expect(changes.map((c) => c.description)).toEqual([
      'policyTypes (unset) -> Ingress, Egress',
      'ingress rule 2 removed: from 10.0.0.0/8 on TCP/22',
      'egress rule 1 added: to namespace all on all ports',
    ]);
  });

  it('reports a moved rule only where order decides (AdminNetworkPolicy)', () => {
    const r1 = { name: 'deny-x', action: 'Deny', from: [{ namespaces: { matchLabels: { a: 'x' } } }] };
    const r2 = { name: 'allow-all', action: 'Allow', from: [{ namespaces: {} }] };
    const anp = (ingress: unknown[]): PolicyObject => ({
      kind: 'AdminNetworkPolicy',
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      name: 'a',
      manifest: { spec: { priority: 5, subject: { namespaces: {} }, ingress } },
    });
    const moved = diffPolicyRules(anp([r1, r2]), anp([r2, r1]));
    expect(moved.map((c) => [c.kind, c.fromIndex, c.index])).toEqual([
      ['rule-moved', 1, 0],
      ['rule-moved', 0, 1],
    ]);
    const action = diffPolicyRules(anp([r1]), anp([{ ...r1, action: 'Pass' }]));
    expect(action).toMatchObject([{ kind: 'rule-changed', parts: ['action'], description: 'ingress rule 1: action Deny -> Pass' }]);
    const prio = diffPolicyRules(anp([r1]), { ...anp([r1]), manifest: { spec: { priority: 50, subject: { namespaces: {} }, ingress: [r1] } } });
    expect(prio.map((c) => c.description)).toEqual(['priority 5 -> 50']);
    // NetworkPolicy rules are unordered: swapping them is no change.
    const x = { from: [{ podSelector: {} }] };
    const y = { from: [{ ipBlock: { cidr: '1.2.3.0/24' } }] };
    expect(diffPolicyRules(np({ podSelector: {}, ingress: [x, y] }), np({ podSelector: {}, ingress: [y, x] }))).toEqual([]);
  });

  it('diffs Cilium toPorts and endpointSelector', () => {
    const cnp = (port: string, app: string): PolicyObject => ({
      kind: 'CiliumNetworkPolicy',
      apiVersion: 'cilium.io/v2',
      namespace: 'shop',
      name: 'c',
      manifest: { spec: { endpointSelector: { matchLabels: { app } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port, protocol: 'TCP' }] }] }] } },
    });
    expect(diffPolicyRules(cnp('80', 'api'), cnp('8080', 'api2')).map((c) => c.description)).toEqual([
      'endpointSelector app=api -> app=api2',
      'ingress rule 1: ports TCP/80 -> TCP/8080',
    ]);
  });
});

describe('directionsOf', () => {
  it('reads NetworkPolicy policyTypes and defaults, and rule lists of other kinds', async () => {
    const { directionsOf } = await import('./connectivity.js');
    expect(directionsOf(np({ podSelector: {} }))).toEqual(['ingress']);
    expect(directionsOf(np({ podSelector: {}, egress: [] }))).toEqual(['ingress', 'egress']);
    expect(directionsOf(np({ podSelector: {}, policyTypes: ['Egress'] }))).toEqual(['egress']);
    const cnp: PolicyObject = { kind: 'CiliumNetworkPolicy', apiVersion: 'cilium.io/v2', namespace: 'a', name: 'c', manifest: { spec: { endpointSelector: {}, egressDeny: [] } } };
    expect(directionsOf(cnp)).toEqual(['egress']);
    const anp: PolicyObject = { kind: 'AdminNetworkPolicy', apiVersion: 'v1alpha1', name: 'x', manifest: { spec: { subject: {} } } };
    expect(directionsOf(anp)).toEqual(['ingress', 'egress']);
  });
});
