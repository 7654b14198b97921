import { describe, expect, it } from 'vitest';
import { Inventory } from './inventory.js';
import { topOwner, toPod, toService, toNode, toPolicy } from './convert.js';

const owner = (kind: string, name: string) => ({ ownerReferences: [{ kind, name, controller: true, apiVersion: 'x', uid: 'u' }] });
const pod = (name: string, extra: Record<string, any> = {}, meta: Record<string, any> = {}) => ({
  metadata: { namespace: 'shop', name, resourceVersion: '1', labels: { app: 'cart', 'pod-template-hash': '5d9f' }, ...meta },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }] },
  status: { phase: 'Running', podIP: '10.0.0.5', podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }] },
  ...extra,
});

describe('convert', () => {
  it('reads a pod: IPs (dual stack), node, phase, hostNetwork, named ports, service account', () => {
    const p = toPod(pod('cart-5d9f-abc', { spec: { nodeName: 'n1', hostNetwork: true, serviceAccountName: 'cart', containers: [{ ports: [{ name: 'http', containerPort: 8080 }] }] } }), undefined);
    expect(p).toEqual({
      namespace: 'shop',
      name: 'cart-5d9f-abc',
      labels: { app: 'cart', 'pod-template-hash': '5d9f' },
      ips: ['10.0.0.5', 'fd00::5'],
      node: 'n1',
      phase: 'Running',
      hostNetwork: true,
      ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
      serviceAccount: 'cart',
    });
    expect(toPod({ metadata: { namespace: 'a', name: 'b' }, status: { phase: 'Weird' } }, undefined)).toMatchObject({ phase: 'Unknown', ips: [], hostNetwork: false, serviceAccount: 'default' });
  });

  it('walks owners to the top, inferring from names when the middle object is unknown', () => {
    const known = new Map<string, { kind: string; name: string } | null>([['ReplicaSet/cart-5d9f', { kind: 'Deployment', name: 'cart' }], ['Job/solo', null]]);
    const lookup = (k: string, n: string) => known.get(`${k}/${n}`);
    expect(topOwner({ kind: 'ReplicaSet', name: 'cart-5d9f' }, {}, lookup)).toEqual({ kind: 'Deployment', name: 'cart' });
    expect(topOwner({ kind: 'Job', name: 'solo' }, {}, lookup)).toEqual({ kind: 'Job', name: 'solo' });
    // Not permitted to read ReplicaSets / Jobs: naming conventions.
    expect(topOwner({ kind: 'ReplicaSet', name: 'api-7c4b9' }, { 'pod-template-hash': '7c4b9' }, () => undefined)).toEqual({ kind: 'Deployment', name: 'api' });
    expect(topOwner({ kind: 'ReplicaSet', name: 'odd' }, { 'pod-template-hash': 'zzz' }, () => undefined)).toEqual({ kind: 'ReplicaSet', name: 'odd' });
    expect(topOwner({ kind: 'Job', name: 'report-29384040' }, {}, () => undefined)).toEqual({ kind: 'CronJob', name: 'report' });
    expect(topOwner(undefined, {}, lookup)).toBeUndefined();
  });

  it('reads services (headless, ExternalName, NodePort) and nodes', () => {
    expect(toService({ metadata: { namespace: 'a', name: 'h' }, spec: { clusterIP: 'None', selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http' }] } })).toEqual({
      namespace: 'a', name: 'h', type: 'ClusterIP', clusterIPs: [], selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }],
    });
    expect(toService({ metadata: { namespace: 'a', name: 'e' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } })).toMatchObject({ type: 'ExternalName', externalName: 'db.example.com', ports: [] });
    expect(toService({ metadata: { namespace: 'a', name: 'n' }, spec: { type: 'NodePort', clusterIPs: ['10.96.0.9'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } }).ports).toEqual([{ port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30080 }]);
    expect(toNode({ metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], conditions: [{ type: 'Ready', status: 'False' }] } })).toEqual({
      name: 'n1', labels: {}, addresses: [{ type: 'InternalIP', address: '172.18.0.2' }], podCIDRs: ['10.244.1.0/24'], ready: false,
    });
  });

  it('keeps a policy manifest without managedFields, status or server bookkeeping', () => {
    const p = toPolicy('NetworkPolicy', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { namespace: 'a', name: 'deny', uid: 'u', resourceVersion: '9', managedFields: [{}], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: { podSelector: {} }, status: {},
    });
    expect(p).toEqual({ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'a', name: 'deny', manifest: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'a', name: 'deny' }, spec: { podSelector: {} } } });
  });
});

describe('Inventory', () => {
  it('resolves owners when the ReplicaSet arrives after its pods, and reports that as a pod update', () => {
    const inv = new Inventory();
    inv.apply('pods', 'add', pod('cart-x-1', {}, owner('ReplicaSet', 'cart-x')));
    inv.takeChanges();
    // Without the ReplicaSet, the pod-template-hash does not match "cart-x": the RS is the owner.
    expect(inv.pods.get('shop/cart-x-1')!.owner).toEqual({ kind: 'ReplicaSet', name: 'cart-x' });
    inv.apply('replicasets', 'add', { metadata: { namespace: 'shop', name: 'cart-x', ...owner('Deployment', 'cart') }, spec: { template: { metadata: { labels: { app: 'cart' } } } } });
    inv.apply('deployments', 'add', { metadata: { namespace: 'shop', name: 'cart', labels: { team: 'a' } }, spec: { replicas: 2, template: { metadata: { labels: { app: 'cart' } } } } });
    const ch = inv.takeChanges()!;
    expect(ch.pods!.updated.map((p) => p.owner)).toEqual([{ kind: 'Deployment', name: 'cart' }]);
    expect(ch.workloads!.removed).toEqual(['wl:shop/ReplicaSet/cart-x']);
    expect(ch.workloads!.added).toEqual([{ namespace: 'shop', name: 'cart', kind: 'Deployment', labels: { team: 'a' }, podLabels: { app: 'cart' }, replicas: 2 }]);
  });

  it('infers workloads for pods whose controllers cannot be read, and bare pods are their own block', () => {
    const inv = new Inventory();
    inv.apply('pods', 'add', pod('web-5d9f-aaaaa', {}, owner('ReplicaSet', 'web-5d9f')));
    inv.apply('pods', 'add', pod('debug', {}, { labels: { run: 'debug' } }));
    const wls = [...inv.workloads().values()];
    expect(wls).toEqual([
      { namespace: 'shop', name: 'web', kind: 'Deployment', labels: { app: 'cart' }, podLabels: { app: 'cart' } },
      { namespace: 'shop', name: 'debug', kind: 'Pod', labels: { run: 'debug' }, podLabels: { run: 'debug' } },
    ]);
  });

  it('joins EndpointSlices to their service and reports the service as updated', () => {
    const inv = new Inventory();
    inv.apply('services', 'add', { metadata: { namespace: 'shop', name: 'cart' }, spec: { clusterIP: '10.96.0.10', selector: { app: 'cart' }, ports: [{ port: 80, targetPort: 8080 }] } });
    expect(inv.takeChanges()!.services!.added[0].endpoints).toEqual([]);
    const slice = (name: string, ip: string, ready: boolean) => ({
      metadata: { namespace: 'shop', name, labels: { 'kubernetes.io/service-name': 'cart' } },
      endpoints: [{ addresses: [ip], conditions: { ready }, nodeName: 'n1', targetRef: { kind: 'Pod', name: `p-${ip}` } }],
    });
    inv.apply('endpointslices', 'add', slice('cart-a', '10.0.0.1', true));
    inv.apply('endpointslices', 'add', slice('cart-b', '10.0.0.2', false));
    const ch = inv.takeChanges()!;
    expect(ch.services!.updated[0].endpoints).toEqual([
      { ip: '10.0.0.1', pod: 'shop/p-10.0.0.1', node: 'n1', ready: true },
      { ip: '10.0.0.2', pod: 'shop/p-10.0.0.2', node: 'n1', ready: false },
    ]);
    inv.apply('endpointslices', 'delete', slice('cart-a', '10.0.0.1', true));
    expect(inv.takeChanges()!.services!.updated[0].endpoints.map((e) => e.ip)).toEqual(['10.0.0.2']);
  });

  it('batches add-then-delete within one batch into nothing, and deletes of known items into removed ids', () => {
    const inv = new Inventory();
    inv.apply('pods', 'add', pod('a'));
    inv.apply('pods', 'delete', pod('a'));
    expect(inv.takeChanges()?.pods).toBeUndefined();
    inv.apply('networkpolicies', 'add', { metadata: { namespace: 'shop', name: 'deny' }, apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', spec: {} });
    inv.apply('ciliumclusterwidenetworkpolicies', 'add', { metadata: { name: 'ccnp' }, apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', spec: {} });
    expect(inv.takeChanges()!.policies!.added.map((p) => p.kind)).toEqual(['NetworkPolicy', 'CiliumClusterwideNetworkPolicy']);
    inv.apply('ciliumclusterwidenetworkpolicies', 'delete', { metadata: { name: 'ccnp' } });
    expect(inv.takeChanges()!.policies!.removed).toEqual(['CiliumClusterwideNetworkPolicy/ccnp']);
  });
});
