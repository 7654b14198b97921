/** A small inventory matching the conntrack samples in this folder. */
import type { NodeInfo, PodInfo, ServiceInfo } from '../../model/types.js';
import type { Inventory } from '../address-index.js';

const pod = (namespace: string, name: string, ips: string[], owner?: { kind: string; name: string }, extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace,
  name,
  labels: {},
  ips,
  node: 'node-1',
  phase: 'Running',
  hostNetwork: false,
  owner,
  ports: [],
  ...extra,
});

export const nodes: NodeInfo[] = [
  { name: 'node-1', labels: {}, addresses: [{ type: 'InternalIP', address: '192.168.10.11' }, { type: 'Hostname', address: 'node-1' }], podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
  { name: 'node-2', labels: {}, addresses: [{ type: 'InternalIP', address: '192.168.10.12' }], podCIDRs: ['10.244.2.0/24'] },
  { name: 'node-3', labels: {}, addresses: [{ type: 'InternalIP', address: '192.168.10.13' }], podCIDRs: ['10.244.3.0/24'] },
];

export const pods: PodInfo[] = [
  pod('old', 'finished', ['10.244.3.9'], undefined, { phase: 'Succeeded' }),
  pod('shop', 'frontend-abc', ['10.244.1.5', 'fd00:10:244:1::5'], { kind: 'Deployment', name: 'frontend' }),
  pod('shop', 'cart-xyz', ['10.244.2.7', 'fd00:0010:0244:0002::7'], { kind: 'Deployment', name: 'cart' }, { node: 'node-2' }),
  pod('db', 'postgres-0', ['10.244.3.9', 'fd00:10:244:3::9'], { kind: 'StatefulSet', name: 'postgres' }, { node: 'node-3' }),
  pod('kube-system', 'coredns-1', ['10.244.2.4', 'fd00:10:244:2::4'], { kind: 'Deployment', name: 'coredns' }, { node: 'node-2' }),
  pod('kube-system', 'kube-proxy-1', ['192.168.10.11'], { kind: 'DaemonSet', name: 'kube-proxy' }, { hostNetwork: true }),
];

export const services: ServiceInfo[] = [
  {
    namespace: 'shop', name: 'cart', type: 'NodePort', clusterIPs: ['10.96.0.20', 'fd00:10:96::20'],
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }],
    endpoints: [{ ip: '10.244.2.7', pod: 'shop/cart-xyz', ready: true }],
  },
  {
    namespace: 'kube-system', name: 'kube-dns', type: 'ClusterIP', clusterIPs: ['10.96.0.10', 'fd00:10:96::a'],
    ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }],
    endpoints: [{ ip: '10.244.2.4', pod: 'kube-system/coredns-1', ready: true }],
  },
  {
    namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIPs: ['10.96.0.1'],
    ports: [{ name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' }],
    endpoints: [{ ip: '192.168.10.11', ready: true }],
  },
];

export const inventory: Inventory = { nodes, pods, services };
