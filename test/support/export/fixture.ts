/**
 * A small hand-built city for export tests: a snapshot and the map model a builder would draw
 * from it. Names and IPs are distinctive so redaction tests can search for them.
 */
import type { MapEdge, MapModel, MapNode } from '../../../main/map/model.js';
import type { FlowRecord, PodInfo, RoadAggregate, Snapshot } from '../../../main/model/types.js';
import { podId, roadKey, serviceId, workloadId } from '../../../main/model/ids.js';

export const SECRET_POD_NAMES = ['frontend-7f9c4-zqx2p', 'frontend-7f9c4-mmk8r', 'cart-55d6b-q1w2e', 'db-0', 'payapi-6c8d9-hh3jj'];
export const SECRET_IPS = ['10.244.1.17', '10.244.1.18', '10.244.2.33', '10.244.2.40', '10.244.3.9', '10.96.12.34', '203.0.113.77', '192.168.49.2'];
export const SECRET_LABEL_VALUES = ['team-zebra-payments', 'pci-scope-alpha'];
export const SECRET_NODE_NAMES = ['ip-192-168-49-2.ec2.internal'];

const T0 = Date.UTC(2026, 10, 27, 20, 0, 0);

function pod(ns: string, name: string, wl: string, ip: string, labels: Record<string, string>, phase: PodInfo['phase'] = 'Running'): PodInfo {
  return {
    namespace: ns, name, labels, ips: [ip], node: SECRET_NODE_NAMES[0], phase, hostNetwork: false,
    owner: { kind: wl === 'db' ? 'StatefulSet' : 'Deployment', name: wl }, ports: [{ containerPort: 8080, protocol: 'TCP' }],
  };
}

export function fixtureSnapshot(): Snapshot {
  const pods: PodInfo[] = [
    pod('shop', SECRET_POD_NAMES[0], 'frontend', SECRET_IPS[0], { app: 'frontend', tier: 'web' }),
    pod('shop', SECRET_POD_NAMES[1], 'frontend', SECRET_IPS[1], { app: 'frontend', tier: 'web' }, 'Pending'),
    pod('shop', SECRET_POD_NAMES[2], 'cart', SECRET_IPS[2], { app: 'cart', owner: SECRET_LABEL_VALUES[0] }),
    pod('shop', SECRET_POD_NAMES[3], 'db', SECRET_IPS[3], { app: 'db' }, 'Failed'),
    pod('payments', SECRET_POD_NAMES[4], 'payapi', SECRET_IPS[4], { app: 'payapi', compliance: SECRET_LABEL_VALUES[1] }),
  ];
  const fe = workloadId('shop', 'Deployment', 'frontend');
  const cart = workloadId('shop', 'Deployment', 'cart');
  const db = workloadId('shop', 'StatefulSet', 'db');
  const pay = workloadId('payments', 'Deployment', 'payapi');
  const road = (src: string, dst: string, port: number, verdict: RoadAggregate['verdict'], count: number): RoadAggregate => ({
    key: roadKey(src, dst, 'TCP', port, verdict), src, dst, protocol: 'TCP', port, verdict,
    dropReasons: verdict === 'DROPPED' ? { POLICY_DENIED: count } : {}, count, firstSeen: T0, lastSeen: T0 + 60_000,
    allowedBy: verdict === 'FORWARDED' ? ['NetworkPolicy/shop/allow-frontend'] : [],
    deniedBy: verdict === 'DROPPED' ? ['NetworkPolicy/payments/default-deny'] : [], sources: ['hubble'],
  });
  const flow: FlowRecord = {
    time: T0 + 1000, source: 'hubble', protocol: 'TCP', port: 8443, verdict: 'DROPPED', dropReason: 'POLICY_DENIED',
    src: { peer: podId('shop', SECRET_POD_NAMES[2]), workload: cart, ip: SECRET_IPS[2], labels: [`k8s:owner=${SECRET_LABEL_VALUES[0]}`] },
    dst: { peer: podId('payments', SECRET_POD_NAMES[4]), workload: pay, ip: SECRET_IPS[4], port: 8443 },
    node: SECRET_NODE_NAMES[0],
  };
  return {
    model: 1, id: 'snap-fixture-1', name: 'fixture <shop> & "payments"', createdAt: T0 + 3_600_000,
    cluster: { name: 'kind-fixture', context: 'kind-fixture', server: `https://${SECRET_IPS[7]}:6443`, kubernetesVersion: 'v1.33.1', source: 'live' },
    roadBuilder: {
      name: 'cilium', version: '1.18.2', mode: 'overlay (vxlan)', enforcesNetworkPolicy: true,
      policyKinds: ['NetworkPolicy', 'CiliumNetworkPolicy'], flowSources: ['hubble'], podCIDRs: ['10.244.0.0/16'],
      details: { hubble: 'enabled' }, evidence: ['daemonset kube-system/cilium'],
    },
    window: { from: T0, to: T0 + 3_600_000 },
    namespaces: [{ name: 'shop', labels: { team: 'shop' } }, { name: 'payments', labels: { owner: SECRET_LABEL_VALUES[0] } }],
    nodes: [{ name: SECRET_NODE_NAMES[0], labels: {}, addresses: [{ type: 'InternalIP', address: SECRET_IPS[7] }], podCIDRs: ['10.244.1.0/24'], ready: true }],
    workloads: [
      { namespace: 'shop', name: 'frontend', kind: 'Deployment', labels: {}, podLabels: { app: 'frontend' }, replicas: 2 },
      { namespace: 'shop', name: 'cart', kind: 'Deployment', labels: {}, podLabels: { app: 'cart', owner: SECRET_LABEL_VALUES[0] }, replicas: 1 },
      { namespace: 'shop', name: 'db', kind: 'StatefulSet', labels: {}, podLabels: { app: 'db' }, replicas: 1 },
      { namespace: 'payments', name: 'payapi', kind: 'Deployment', labels: {}, podLabels: { app: 'payapi' }, replicas: 1 },
    ],
    pods,
    services: [
      { namespace: 'shop', name: 'cart', type: 'ClusterIP', clusterIPs: [SECRET_IPS[5]], ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
        selector: { app: 'cart' }, endpoints: [{ ip: SECRET_IPS[2], pod: `shop/${SECRET_POD_NAMES[2]}`, ready: true }] },
    ],
    policies: [
      { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', name: 'allow-frontend',
        manifest: { metadata: { name: 'allow-frontend', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'cart' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }, { ipBlock: { cidr: `${SECRET_IPS[6]}/32` } }] }] } } },
      { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'payments', name: 'default-deny',
        manifest: { metadata: { name: 'default-deny', namespace: 'payments', labels: { owner: SECRET_LABEL_VALUES[0] } },
          spec: { podSelector: { matchExpressions: [{ key: 'compliance', operator: 'In', values: [SECRET_LABEL_VALUES[1]] }] }, policyTypes: ['Ingress', 'Egress'] } } },
    ],
    flows: [flow],
    roads: [
      road(fe, cart, 8080, 'FORWARDED', 1200),
      road(cart, db, 5432, 'FORWARDED', 300),
      road(cart, pay, 8443, 'DROPPED', 42),
      road('world', fe, 443, 'FORWARDED', 5000),
    ],
    probes: [
      { id: 'p1', runId: 'r1', kind: 'path', time: T0 + 2000, src: podId('shop', SECRET_POD_NAMES[0]), dst: podId('payments', SECRET_POD_NAMES[4]),
        protocol: 'TCP', port: 8443, outcome: 'connected', detail: `connected to ${SECRET_IPS[4]}:8443` },
    ],
    findings: [
      { id: 'f1', severity: 'warning', kind: 'unprotected-workload', title: 'shop/db is not isolated', detail: 'No policy selects db', target: db },
      { id: 'f2', severity: 'critical', kind: 'mismatch', title: 'Probe reached payapi although policy denies it', detail: `probe to ${SECRET_IPS[4]}`, target: pay },
    ],
    warnings: [{ time: T0, kind: 'lost-events', message: `hubble on ${SECRET_NODE_NAMES[0]} lost 12 events`, subject: SECRET_NODE_NAMES[0], count: 12 }],
    permissions: [],
    positions: {},
    notes: [],
  };
}

function node(partial: Partial<MapNode> & Pick<MapNode, 'id' | 'kind' | 'label' | 'x' | 'y' | 'w' | 'h'>): MapNode {
  return { meta: {}, flags: [], ...partial };
}

function edge(partial: Partial<MapEdge> & Pick<MapEdge, 'id' | 'source' | 'target'>): MapEdge {
  return { kind: 'road', label: '', protocols: ['TCP'], ports: [], volume: 0, dropped: 0, roadKeys: [], flags: [], ...partial };
}

/** The map a builder would make of fixtureSnapshot(): two districts, four blocks, five houses. */
export function fixtureMap(): MapModel {
  const s = fixtureSnapshot();
  const fe = workloadId('shop', 'Deployment', 'frontend');
  const cart = workloadId('shop', 'Deployment', 'cart');
  const db = workloadId('shop', 'StatefulSet', 'db');
  const pay = workloadId('payments', 'Deployment', 'payapi');
  const house = (ns: string, i: number, wl: string, x: number, y: number, phase: MapNode['phase'], fence?: MapNode['fence']): MapNode =>
    node({ id: podId(ns, SECRET_POD_NAMES[i]), kind: 'house', parent: wl, label: SECRET_POD_NAMES[i], x, y, w: 10, h: 10, phase, fence,
      meta: { ip: SECRET_IPS[i], node: SECRET_NODE_NAMES[0], labels: Object.entries(s.pods[i].labels).map(([k, v]) => `${k}=${v}`).join(', ') } });
  const nodes: MapNode[] = [
    node({ id: 'ns:shop', kind: 'district', label: 'shop', x: 110, y: 90, w: 200, h: 160 }),
    node({ id: 'ns:payments', kind: 'district', label: 'payments', x: 320, y: 90, w: 140, h: 100 }),
    node({ id: fe, kind: 'block', parent: 'ns:shop', label: 'frontend', x: 70, y: 50, w: 60, h: 30 }),
    node({ id: cart, kind: 'block', parent: 'ns:shop', label: 'cart', x: 150, y: 50, w: 60, h: 30 }),
    node({ id: db, kind: 'block', parent: 'ns:shop', label: 'db', x: 110, y: 120, w: 60, h: 30 }),
    node({ id: pay, kind: 'block', parent: 'ns:payments', label: 'payapi', x: 320, y: 90, w: 60, h: 30 }),
    house('shop', 0, fe, 62, 52, 'running', { ingress: true, egress: false }),
    house('shop', 1, fe, 78, 52, 'pending', { ingress: true, egress: false }),
    house('shop', 2, cart, 150, 52, 'running', { ingress: true, egress: true }),
    house('shop', 3, db, 110, 122, 'failed'),
    house('payments', 4, pay, 320, 92, 'running', { ingress: true, egress: true }),
    node({ id: serviceId('shop', 'cart'), kind: 'highway', parent: 'ns:shop', label: 'cart', x: 200, y: 90, w: 16, h: 60, meta: { clusterIP: SECRET_IPS[5] } }),
    node({ id: 'world', kind: 'outskirt', label: 'world', x: -40, y: 90, w: 40, h: 40 }),
    node({ id: `ip:${SECRET_IPS[6]}/32`, kind: 'outskirt', label: `${SECRET_IPS[6]}/32`, x: -40, y: 160, w: 40, h: 30 }),
  ];
  const keyOf = (r: RoadAggregate) => r.key;
  const edges: MapEdge[] = [
    edge({ id: 'e1', source: fe, target: cart, label: 'TCP 8080', ports: [8080], predicted: 'allowed', observed: 'allowed', volume: 1200, roadKeys: [keyOf(s.roads[0])] }),
    edge({ id: 'e2', source: cart, target: db, label: 'TCP 5432', ports: [5432], predicted: 'unknown', observed: 'allowed', volume: 300, roadKeys: [keyOf(s.roads[1])] }),
    edge({ id: 'e3', source: cart, target: pay, label: 'TCP 8443', ports: [8443], predicted: 'denied', observed: 'denied', volume: 42, dropped: 42, roadKeys: [keyOf(s.roads[2])] }),
    edge({ id: 'e4', source: fe, target: pay, label: 'TCP 8443', ports: [8443], predicted: 'denied', probed: 'mismatch', volume: 0 }),
    edge({ id: 'e5', source: 'world', target: fe, label: 'TCP 443', ports: [443], predicted: 'allowed', observed: 'allowed', probed: 'ok', volume: 5000, roadKeys: [keyOf(s.roads[3])] }),
    edge({ id: 'h1', kind: 'highway-link', source: serviceId('shop', 'cart'), target: cart, label: 'TCP 80→8080', ports: [80] }),
  ];
  return {
    cityId: s.id, title: 'kind-fixture', subtitle: 'fixture snapshot',
    bounds: { x: -60, y: 10, w: 450, h: 190 },
    nodes, edges,
    legend: [],
    counts: { districts: 2, blocks: 4, houses: 5, highways: 1, outskirts: 2, roads: 5, deniedRoads: 2 },
  };
}
