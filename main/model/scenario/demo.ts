/**
 * The built-in demo city: a small online shop on a 3-node Cilium cluster. It is what the app shows
 * with no kubeconfig (or with --demo): every feature has something to show, including a default
 * deny, allow rules, an AdminNetworkPolicy, an L7 Cilium rule, dropped flows, the world and DNS.
 */
import { WORLD, dnsId } from '../ids.js';
import type {
  FlowEndpoint,
  FlowRecord,
  L7Info,
  NamespaceInfo,
  NodeInfo,
  PodInfo,
  Snapshot,
  Verdict,
} from '../types.js';
import { aggregateFlows } from '../../flows/aggregate.js';
import {
  IpAllocator,
  buildService,
  buildWorkloads,
  ciliumRoadBuilder,
  podEndpoint,
  policy,
  type WorkloadSpec,
} from './build-helpers.js';
import { Random } from './random.js';

/** Fixed so the demo is identical on every run and machine: 2026-11-27 12:00:00 UTC. */
export const DEMO_END = Date.UTC(2026, 10, 27, 12, 0, 0);
export const DEMO_WINDOW_MS = 15 * 60 * 1000;

const ns = (name: string, labels: Record<string, string> = {}): NamespaceInfo => ({
  name,
  labels: { 'kubernetes.io/metadata.name': name, ...labels },
});

const NAMESPACES: NamespaceInfo[] = [
  ns('shop', { team: 'shop', env: 'prod' }),
  ns('payments', { team: 'payments', env: 'prod', pci: 'true' }),
  ns('data', { team: 'data', env: 'prod' }),
  ns('monitoring', { team: 'sre' }),
  ns('kube-system'),
];

const NODES: NodeInfo[] = ['a', 'b', 'c'].map((s, i) => ({
  name: `node-${s}`,
  labels: { 'kubernetes.io/hostname': `node-${s}`, 'topology.kubernetes.io/zone': `eu-west-1${s}` },
  addresses: [
    { type: 'InternalIP', address: `192.168.49.${i + 2}` },
    { type: 'Hostname', address: `node-${s}` },
  ],
  podCIDRs: [`10.244.${i}.0/24`],
  ready: true,
}));

const tcp = (containerPort: number, name?: string) => ({ containerPort, name, protocol: 'TCP' as const });
const udp = (containerPort: number, name?: string) => ({ containerPort, name, protocol: 'UDP' as const });

const WORKLOADS: WorkloadSpec[] = [
  { namespace: 'shop', name: 'frontend', kind: 'Deployment', replicas: 3, labels: { app: 'frontend', tier: 'web' }, ports: [tcp(8080, 'http')] },
  { namespace: 'shop', name: 'catalog', kind: 'Deployment', replicas: 2, labels: { app: 'catalog', tier: 'api' }, ports: [tcp(8080, 'http')] },
  { namespace: 'shop', name: 'cart', kind: 'Deployment', replicas: 2, labels: { app: 'cart', tier: 'api' }, ports: [tcp(7070, 'grpc')] },
  { namespace: 'shop', name: 'checkout', kind: 'Deployment', replicas: 2, labels: { app: 'checkout', tier: 'api' }, ports: [tcp(5050, 'grpc')] },
  { namespace: 'shop', name: 'recommendation', kind: 'Deployment', replicas: 1, labels: { app: 'recommendation', tier: 'api' }, ports: [tcp(8080, 'http')] },
  { namespace: 'shop', name: 'report-nightly', kind: 'CronJob', replicas: 1, labels: { app: 'report-nightly', tier: 'batch' }, ports: [], phase: 'Succeeded' },
  { namespace: 'payments', name: 'payment', kind: 'Deployment', replicas: 2, labels: { app: 'payment' }, ports: [tcp(8443, 'https'), tcp(9090, 'metrics')] },
  { namespace: 'payments', name: 'fraud-check', kind: 'Deployment', replicas: 1, labels: { app: 'fraud-check' }, ports: [tcp(9000, 'api')] },
  { namespace: 'data', name: 'postgres', kind: 'StatefulSet', replicas: 3, labels: { app: 'postgres' }, ports: [tcp(5432, 'postgres')] },
  { namespace: 'data', name: 'redis', kind: 'Deployment', replicas: 1, labels: { app: 'redis' }, ports: [tcp(6379, 'redis')] },
  { namespace: 'monitoring', name: 'prometheus', kind: 'StatefulSet', replicas: 1, labels: { app: 'prometheus' }, ports: [tcp(9090, 'web')] },
  { namespace: 'monitoring', name: 'node-exporter', kind: 'DaemonSet', replicas: 3, labels: { app: 'node-exporter' }, ports: [tcp(9100, 'metrics')], hostNetwork: true },
  { namespace: 'kube-system', name: 'coredns', kind: 'Deployment', replicas: 2, labels: { 'k8s-app': 'kube-dns' }, ports: [udp(53, 'dns'), tcp(53, 'dns-tcp'), tcp(9153, 'metrics')] },
  { namespace: 'kube-system', name: 'hubble-relay', kind: 'Deployment', replicas: 1, labels: { 'k8s-app': 'hubble-relay' }, ports: [tcp(4245, 'grpc')] },
];

function demoPolicies() {
  const np = (namespace: string, name: string, spec: Record<string, unknown>) => policy('NetworkPolicy', name, namespace, spec);
  const fromApp = (app: string, namespace?: string) =>
    namespace
      ? { podSelector: { matchLabels: { app } }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }
      : { podSelector: { matchLabels: { app } } };
  const dnsEgress = {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
    ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
  };
  return [
    np('shop', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    np('shop', 'allow-frontend-from-world', {
      podSelector: { matchLabels: { app: 'frontend' } },
      ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }], ports: [{ port: 'http' }] }],
    }),
    np('shop', 'allow-from-frontend', {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['catalog', 'cart', 'checkout', 'recommendation'] }] },
      ingress: [{ from: [fromApp('frontend')] }],
    }),
    np('shop', 'allow-checkout-to-cart', {
      podSelector: { matchLabels: { app: 'cart' } },
      ingress: [{ from: [fromApp('checkout')], ports: [{ protocol: 'TCP', port: 7070 }] }],
    }),
    np('payments', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    np('payments', 'allow-checkout-to-payment', {
      podSelector: { matchLabels: { app: 'payment' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [fromApp('checkout', 'shop')], ports: [{ protocol: 'TCP', port: 'https' }] }],
    }),
    np('payments', 'allow-payment-egress', {
      podSelector: { matchLabels: { app: 'payment' } },
      policyTypes: ['Egress'],
      egress: [
        { to: [fromApp('fraud-check')], ports: [{ protocol: 'TCP', port: 9000 }] },
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
        dnsEgress,
      ],
    }),
    np('payments', 'allow-fraud-check', {
      podSelector: { matchLabels: { app: 'fraud-check' } },
      ingress: [{ from: [fromApp('payment')], ports: [{ protocol: 'TCP', port: 9000 }] }],
      egress: [dnsEgress],
    }),
    np('data', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] }),
    np('data', 'allow-shop-to-postgres', {
      podSelector: { matchLabels: { app: 'postgres' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { team: 'shop' } },
              podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['catalog', 'checkout'] }] },
            },
          ],
          ports: [{ protocol: 'TCP', port: 5432 }],
        },
      ],
    }),
    np('data', 'allow-cart-to-redis', {
      podSelector: { matchLabels: { app: 'redis' } },
      ingress: [{ from: [fromApp('cart', 'shop')], ports: [{ protocol: 'TCP', port: 6379 }] }],
    }),
    // Leftover from a migration: selects pods labelled app=orders, which no longer exist.
    np('shop', 'allow-orders-legacy', {
      podSelector: { matchLabels: { app: 'orders' } },
      ingress: [{ from: [fromApp('frontend')] }],
    }),
    policy('AdminNetworkPolicy', 'allow-monitoring-scrape', undefined, {
      priority: 10,
      subject: { namespaces: {} },
      ingress: [
        {
          name: 'prometheus-scrape',
          action: 'Allow',
          from: [{ namespaces: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ portNumber: { protocol: 'TCP', port: 9090 } }, { portNumber: { protocol: 'TCP', port: 9153 } }],
        },
      ],
    }),
    policy('CiliumNetworkPolicy', 'catalog-http-readonly', 'shop', {
      endpointSelector: { matchLabels: { app: 'catalog' } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { app: 'frontend' } }],
          toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/api/products.*' }] } }],
        },
      ],
    }),
  ];
}

interface TrafficPattern {
  from: string | 'world';
  to: string | { dns: string; ip: string } | 'world';
  port: number;
  protocol: 'TCP' | 'UDP';
  verdict: Verdict;
  perMinute: number;
  dropReason?: string;
  deniedBy?: string[];
  allowedBy?: string[];
  l7?: () => L7Info;
}

function trafficPatterns(random: Random): TrafficPattern[] {
  const httpGet = (paths: string[]) => (): L7Info => ({
    type: 'http',
    method: random.chance(0.85) ? 'GET' : 'POST',
    path: random.pick(paths),
    code: random.chance(0.96) ? 200 : random.pick([404, 500, 503]),
  });
  const dnsQuery = (names: string[]) => (): L7Info => ({
    type: 'dns',
    query: random.pick(names),
    rcode: random.chance(0.95) ? 0 : 3,
  });
  return [
    { from: 'world', to: 'shop/frontend', port: 8080, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 40, allowedBy: ['NetworkPolicy/shop/allow-frontend-from-world'], l7: httpGet(['/', '/cart', '/checkout', '/product/42']) },
    { from: 'shop/frontend', to: 'shop/catalog', port: 8080, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 30, allowedBy: ['NetworkPolicy/shop/allow-from-frontend', 'CiliumNetworkPolicy/shop/catalog-http-readonly'], l7: httpGet(['/api/products', '/api/products/42']) },
    { from: 'shop/frontend', to: 'shop/cart', port: 7070, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 18, allowedBy: ['NetworkPolicy/shop/allow-from-frontend'] },
    { from: 'shop/frontend', to: 'shop/checkout', port: 5050, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 8, allowedBy: ['NetworkPolicy/shop/allow-from-frontend'] },
    { from: 'shop/frontend', to: 'shop/recommendation', port: 8080, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 12, allowedBy: ['NetworkPolicy/shop/allow-from-frontend'] },
    { from: 'shop/checkout', to: 'shop/cart', port: 7070, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 6, allowedBy: ['NetworkPolicy/shop/allow-checkout-to-cart'] },
    { from: 'shop/checkout', to: 'payments/payment', port: 8443, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 6, allowedBy: ['NetworkPolicy/payments/allow-checkout-to-payment'] },
    { from: 'payments/payment', to: 'payments/fraud-check', port: 9000, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 6, allowedBy: ['NetworkPolicy/payments/allow-fraud-check'] },
    { from: 'payments/payment', to: { dns: 'api.stripe.com', ip: '52.14.79.10' }, port: 443, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 5, allowedBy: ['NetworkPolicy/payments/allow-payment-egress'] },
    { from: 'shop/catalog', to: 'data/postgres', port: 5432, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 20, allowedBy: ['NetworkPolicy/data/allow-shop-to-postgres'] },
    { from: 'shop/checkout', to: 'data/postgres', port: 5432, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 6, allowedBy: ['NetworkPolicy/data/allow-shop-to-postgres'] },
    { from: 'shop/cart', to: 'data/redis', port: 6379, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 24, allowedBy: ['NetworkPolicy/data/allow-cart-to-redis'] },
    { from: 'monitoring/prometheus', to: 'payments/payment', port: 9090, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 4, allowedBy: ['AdminNetworkPolicy/allow-monitoring-scrape'] },
    { from: 'monitoring/prometheus', to: 'monitoring/node-exporter', port: 9100, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 4 },
    { from: 'monitoring/prometheus', to: 'kube-system/coredns', port: 9153, protocol: 'TCP', verdict: 'FORWARDED', perMinute: 2, allowedBy: ['AdminNetworkPolicy/allow-monitoring-scrape'] },
    ...['shop/frontend', 'shop/catalog', 'shop/cart', 'shop/checkout', 'payments/payment', 'payments/fraud-check'].map(
      (from): TrafficPattern => ({
        from,
        to: 'kube-system/coredns',
        port: 53,
        protocol: 'UDP',
        verdict: 'FORWARDED',
        perMinute: 6,
        l7: dnsQuery(['catalog.shop.svc.cluster.local', 'postgres.data.svc.cluster.local', 'payment.payments.svc.cluster.local', 'api.stripe.com']),
      }),
    ),
    // The incidents the demo is about: traffic the policies drop.
    { from: 'shop/recommendation', to: 'payments/payment', port: 8443, protocol: 'TCP', verdict: 'DROPPED', perMinute: 3, dropReason: 'POLICY_DENIED', deniedBy: [] },
    { from: 'shop/catalog', to: 'data/redis', port: 6379, protocol: 'TCP', verdict: 'DROPPED', perMinute: 2, dropReason: 'POLICY_DENIED', deniedBy: [] },
    { from: 'shop/report-nightly', to: 'data/postgres', port: 5432, protocol: 'TCP', verdict: 'DROPPED', perMinute: 1, dropReason: 'POLICY_DENIED', deniedBy: [] },
    { from: 'payments/fraud-check', to: 'world', port: 443, protocol: 'TCP', verdict: 'DROPPED', perMinute: 1, dropReason: 'POLICY_DENIED', deniedBy: [] },
  ];
}

function endpointsFor(
  target: TrafficPattern['from'] | TrafficPattern['to'],
  podsByWorkload: Map<string, PodInfo[]>,
  random: Random,
  port?: number,
): FlowEndpoint {
  if (target === 'world') {
    const ip = `203.0.113.${random.int(1, 254)}`;
    return { peer: WORLD, ip, labels: ['reserved:world'], port };
  }
  if (typeof target === 'object') {
    return { peer: dnsId(target.dns), ip: target.ip, labels: ['reserved:world'], port };
  }
  const pods = podsByWorkload.get(target);
  if (!pods || pods.length === 0) throw new Error(`demo traffic names unknown workload ${target}`);
  return podEndpoint(random.pick(pods), port);
}

function demoFlows(pods: PodInfo[], services: Snapshot['services'], random: Random): FlowRecord[] {
  const podsByWorkload = new Map<string, PodInfo[]>();
  for (const p of pods) {
    const key = `${p.namespace}/${p.owner?.name ?? p.name}`;
    podsByWorkload.set(key, [...(podsByWorkload.get(key) ?? []), p]);
  }
  const serviceOf = (workload: string) => {
    const [namespace] = workload.split('/');
    const backing = new Set((podsByWorkload.get(workload) ?? []).map((p) => `${p.namespace}/${p.name}`));
    const svc = services.find((s) => s.namespace === namespace && s.endpoints.some((e) => e.pod && backing.has(e.pod)));
    return svc ? `${svc.namespace}/${svc.name}` : undefined;
  };
  const flows: FlowRecord[] = [];
  const start = DEMO_END - DEMO_WINDOW_MS;
  for (const pattern of trafficPatterns(random)) {
    const total = Math.round((pattern.perMinute * DEMO_WINDOW_MS) / 60_000);
    for (let i = 0; i < total; i++) {
      const src = endpointsFor(pattern.from, podsByWorkload, random);
      const dst = endpointsFor(pattern.to, podsByWorkload, random, pattern.port);
      src.port = random.int(32768, 60999);
      const toWorkload = typeof pattern.to === 'string' && pattern.to !== 'world' ? pattern.to : undefined;
      // Failed scheduled jobs only run at the start of the window; everything else is spread evenly.
      const time = start + Math.floor(((i + random.next()) / total) * DEMO_WINDOW_MS);
      flows.push({
        time,
        source: 'demo',
        src,
        dst,
        protocol: pattern.protocol,
        port: pattern.port,
        verdict: pattern.verdict,
        dropReason: pattern.dropReason,
        dstService: toWorkload ? serviceOf(toWorkload) : undefined,
        allowedBy: pattern.allowedBy,
        deniedBy: pattern.deniedBy,
        l7: pattern.l7?.(),
        node: undefined,
      });
    }
  }
  flows.sort((a, b) => a.time - b.time);
  return flows;
}

/** The demo shop city. Pure and deterministic: two calls give equal snapshots. */
export function demoSnapshot(): Snapshot {
  const random = new Random(20261127);
  const ips = new IpAllocator(NODES);
  const { workloads, pods } = buildWorkloads(WORKLOADS, NODES, ips);
  const svc = (namespace: string, name: string, selector: Record<string, string>, ports: Snapshot['services'][number]['ports'], ip: string, type?: string) =>
    buildService(namespace, name, selector, ports, ip, pods, type);
  const port = (p: number, targetPort: number | string, name?: string, protocol: 'TCP' | 'UDP' = 'TCP') => ({ port: p, targetPort, name, protocol });
  const services = [
    svc('shop', 'frontend', { app: 'frontend' }, [port(80, 'http', 'http')], '10.96.10.10', 'LoadBalancer'),
    svc('shop', 'catalog', { app: 'catalog' }, [port(8080, 'http', 'http')], '10.96.10.11'),
    svc('shop', 'cart', { app: 'cart' }, [port(7070, 'grpc', 'grpc')], '10.96.10.12'),
    svc('shop', 'checkout', { app: 'checkout' }, [port(5050, 'grpc', 'grpc')], '10.96.10.13'),
    svc('shop', 'recommendation', { app: 'recommendation' }, [port(8080, 8080, 'http')], '10.96.10.14'),
    svc('payments', 'payment', { app: 'payment' }, [port(443, 'https', 'https'), port(9090, 'metrics', 'metrics')], '10.96.20.10'),
    svc('payments', 'fraud-check', { app: 'fraud-check' }, [port(9000, 9000, 'api')], '10.96.20.11'),
    svc('data', 'postgres', { app: 'postgres' }, [port(5432, 5432, 'postgres')], '10.96.30.10'),
    svc('data', 'redis', { app: 'redis' }, [port(6379, 6379, 'redis')], '10.96.30.11'),
    svc('monitoring', 'prometheus', { app: 'prometheus' }, [port(9090, 9090, 'web')], '10.96.40.10'),
    svc('kube-system', 'kube-dns', { 'k8s-app': 'kube-dns' }, [port(53, 53, 'dns', 'UDP'), port(53, 53, 'dns-tcp'), port(9153, 9153, 'metrics')], '10.96.0.10'),
    svc('kube-system', 'hubble-relay', { 'k8s-app': 'hubble-relay' }, [port(80, 4245, 'grpc')], '10.96.0.20'),
  ];
  const flows = demoFlows(pods, services, random);
  const snapshot: Snapshot = {
    model: 1,
    id: 'demo',
    name: 'Demo shop',
    createdAt: DEMO_END,
    cluster: { name: 'demo', context: 'demo', server: 'https://demo.netcity.invalid:6443', kubernetesVersion: 'v1.34.2', source: 'demo' },
    roadBuilder: ciliumRoadBuilder(),
    window: { from: DEMO_END - DEMO_WINDOW_MS, to: DEMO_END },
    namespaces: NAMESPACES.map((n) => ({ name: n.name, labels: { ...n.labels } })),
    nodes: NODES.map((n) => ({ ...n, addresses: n.addresses.map((a) => ({ ...a })), podCIDRs: [...n.podCIDRs], labels: { ...n.labels } })),
    workloads,
    pods,
    services,
    policies: demoPolicies(),
    flows,
    roads: aggregateFlows(flows),
    probes: [],
    findings: [],
    warnings: [],
    permissions: [],
    positions: {},
    notes: [],
  };
  return snapshot;
}
