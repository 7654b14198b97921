import { describe, expect, it } from 'vitest';
import { FlowInventory, resolverFromSnapshot } from './flow-inventory.js';
import type { FlowRecord, PodInfo } from '../model/types.js';

const f = (over: Partial<FlowRecord>): FlowRecord => ({
  time: 1,
  source: 'import',
  src: { peer: 'pod:shop/cart-7d9f8b6c4-x2kqz', workload: 'wl:shop/Deployment/cart', ip: '10.0.0.5', labels: ['k8s:app=cart', 'k8s:io.kubernetes.pod.namespace=shop', 'k8s:io.cilium.k8s.policy.cluster=default'] },
  dst: { peer: 'world', ip: '1.2.3.4', labels: ['reserved:world'] },
  protocol: 'TCP',
  port: 443,
  verdict: 'FORWARDED',
  node: 'n1',
  ...over,
});

describe('FlowInventory', () => {
  it('derives namespaces, workloads, pods (own labels only) and nodes from flow endpoints', () => {
    const inv = new FlowInventory();
    inv.add(f({}));
    inv.add(f({ src: { peer: 'pod:ops/db-0', ip: '10.0.1.1', labels: ['k8s:app=db'] }, node: 'n2' }));
    inv.add(f({ src: { peer: 'pod:shop/cart-7d9f8b6c4-x2kqz', workload: 'wl:shop/Deployment/cart', ip: '10.0.0.6' } }));
    const p = inv.parts();
    expect(p.namespaces.map((n) => n.name)).toEqual(['ops', 'shop']);
    expect(p.workloads).toEqual([{ namespace: 'shop', name: 'cart', kind: 'Deployment', labels: {}, podLabels: { app: 'cart' } }]);
    expect(p.pods.map((x) => [x.namespace, x.name, x.owner?.name, x.labels, x.ips])).toEqual([
      ['ops', 'db-0', undefined, { app: 'db' }, ['10.0.1.1']],
      ['shop', 'cart-7d9f8b6c4-x2kqz', 'cart', { app: 'cart' }, ['10.0.0.5', '10.0.0.6']],
    ]);
    expect(p.nodes.map((n) => n.name)).toEqual(['n1', 'n2']);
  });

  it('resolves pods to workloads from a snapshot inventory, or gives no resolver for none', () => {
    const pods: PodInfo[] = [
      { namespace: 'a', name: 'web-0', labels: {}, ips: [], phase: 'Running', hostNetwork: false, ports: [], owner: { kind: 'StatefulSet', name: 'web' } },
      { namespace: 'a', name: 'bare', labels: {}, ips: [], phase: 'Running', hostNetwork: false, ports: [] },
    ];
    const r = resolverFromSnapshot({ pods })!;
    expect(r('a', 'web-0')).toBe('wl:a/StatefulSet/web');
    expect(r('a', 'bare')).toBeUndefined();
    expect(resolverFromSnapshot({ pods: [pods[1]] })).toBeUndefined();
  });
});
