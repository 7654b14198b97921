/**
 * Synthetic clusters of any size for tests and benchmarks (e.g. 10,000 pods, 500 namespaces,
 * 2,000 policies, 1,000,000 flows). Deterministic for a seed. Flows are streamed through
 * `forEachSyntheticFlow` so a million of them never sit in memory at once; the snapshot keeps a
 * bounded sample of raw flows and the complete road aggregates.
 */
import { WORLD, dnsId } from '../ids.js';
import type { FlowRecord, NamespaceInfo, NodeInfo, PodInfo, PolicyObject, ServiceInfo, Snapshot, Verdict } from '../types.js';
import { RoadAggregator } from '../../flows/aggregate.js';
import { IpAllocator, buildService, buildWorkloads, ciliumRoadBuilder, podEndpoint, policy, type WorkloadSpec } from './build-helpers.js';
import { Random } from './random.js';

export interface ScenarioOptions {
  seed?: number;
  namespaces: number;
  pods: number;
  policies: number;
  flows: number;
  nodes?: number;
  /** Raw flows kept in `snapshot.flows` (the rest only counts in roads). Default 10,000. */
  maxRawFlows?: number;
  /** End of the flow window (ms since epoch). Default: fixed, so output is reproducible. */
  end?: number;
  windowMs?: number;
}

const TIERS = ['web', 'api', 'db', 'cache', 'worker'] as const;
const TIER_PORTS: Record<(typeof TIERS)[number], { port: number; name: string }> = {
  web: { port: 8080, name: 'http' },
  api: { port: 9000, name: 'grpc' },
  db: { port: 5432, name: 'postgres' },
  cache: { port: 6379, name: 'redis' },
  worker: { port: 8081, name: 'metrics' },
};
const KINDS = ['Deployment', 'Deployment', 'Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;

export interface SyntheticCity {
  snapshot: Snapshot;
  options: Required<Omit<ScenarioOptions, 'end'>> & { end: number };
}

function makeNodes(count: number): NodeInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `node-${String(i).padStart(3, '0')}`,
    labels: { 'kubernetes.io/hostname': `node-${i}` },
    addresses: [{ type: 'InternalIP', address: `172.20.${Math.floor(i / 250)}.${(i % 250) + 2}` }],
    // Each node gets a /18 worth of room: 10.(64 + i/4).x.0/24 would run out; spread instead.
    podCIDRs: [`10.${64 + Math.floor(i / 64)}.${(i % 64) * 4}.0/22`],
    ready: true,
  }));
}

function makePolicies(random: Random, namespaces: NamespaceInfo[], specs: WorkloadSpec[], count: number): PolicyObject[] {
  const policies: PolicyObject[] = [];
  const byNs = new Map<string, WorkloadSpec[]>();
  for (const s of specs) byNs.set(s.namespace, [...(byNs.get(s.namespace) ?? []), s]);
  let i = 0;
  while (policies.length < count) {
    const namespace = namespaces[i % namespaces.length].name;
    const local = byNs.get(namespace) ?? [];
    const target = local.length ? random.pick(local) : undefined;
    const variant = policies.length < namespaces.length / 2 ? 0 : random.int(1, 6);
    const name = `pol-${policies.length}`;
    const app = target?.labels.app ?? 'none';
    const tierPort = TIER_PORTS[(target?.labels.tier as keyof typeof TIER_PORTS) ?? 'web'];
    switch (variant) {
      case 0:
        policies.push(policy('NetworkPolicy', `default-deny-${namespace}`, namespace, { podSelector: {}, policyTypes: ['Ingress'] }));
        break;
      case 1:
        policies.push(policy('NetworkPolicy', name, namespace, {
          podSelector: { matchLabels: { app } },
          ingress: [{ from: [{ podSelector: { matchLabels: { tier: random.pick(TIERS) } } }], ports: [{ protocol: 'TCP', port: tierPort.port }] }],
        }));
        break;
      case 2:
        policies.push(policy('NetworkPolicy', name, namespace, {
          podSelector: { matchLabels: { tier: target?.labels.tier ?? 'web' } },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `team-${random.int(0, 19)}` } } }], ports: [{ port: tierPort.name }] }],
        }));
        break;
      case 3:
        policies.push(policy('NetworkPolicy', name, namespace, {
          podSelector: { matchLabels: { app } },
          policyTypes: ['Egress'],
          egress: [
            ((octet: number) => ({ to: [{ ipBlock: { cidr: `10.${octet}.0.0/16`, except: [`10.${octet}.4.0/24`] } }] }))(random.int(64, 80)),
            { to: [{ namespaceSelector: {} , podSelector: { matchLabels: { tier: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
            { ports: [{ protocol: 'UDP', port: 53 }] },
          ],
        }));
        break;
      case 4:
        policies.push(policy('NetworkPolicy', name, namespace, {
          podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [random.pick(TIERS), random.pick(TIERS)] }] },
          ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8000, endPort: 9000 }] }],
        }));
        break;
      case 5:
        policies.push(policy('CiliumNetworkPolicy', name, namespace, {
          endpointSelector: { matchLabels: { app } },
          ingress: [{ fromEndpoints: [{ matchLabels: { tier: random.pick(TIERS) } }], toPorts: [{ ports: [{ port: String(tierPort.port), protocol: 'TCP' }] }] }],
        }));
        break;
      default:
        policies.push(policy('NetworkPolicy', name, namespace, {
          podSelector: { matchLabels: { app } },
          ingress: [{ from: [{ ipBlock: { cidr: `${random.int(1, 220)}.${random.int(0, 255)}.0.0/16` } }] }],
        }));
    }
    i++;
  }
  return policies;
}

/** Generates the inventory and policies; flows are added by forEachSyntheticFlow. */
export function generateInventory(opts: ScenarioOptions): Omit<Snapshot, 'flows' | 'roads'> {
  const random = new Random(opts.seed ?? 42);
  const nodeCount = opts.nodes ?? Math.max(3, Math.ceil(opts.pods / 100));
  const nodes = makeNodes(nodeCount);
  const namespaces: NamespaceInfo[] = Array.from({ length: opts.namespaces }, (_, i) => {
    const name = `ns-${String(i).padStart(4, '0')}`;
    return { name, labels: { 'kubernetes.io/metadata.name': name, team: `team-${i % 20}`, env: i % 3 === 0 ? 'staging' : 'prod' } };
  });
  const specs: WorkloadSpec[] = [];
  let remaining = opts.pods;
  let w = 0;
  while (remaining > 0) {
    const namespace = namespaces[w % namespaces.length].name;
    const tier = random.pick(TIERS);
    const kind = random.pick(KINDS);
    const replicas = Math.min(remaining, kind === 'DaemonSet' ? Math.min(nodeCount, 3) : random.int(1, 5));
    const tp = TIER_PORTS[tier];
    specs.push({
      namespace,
      name: `${tier}-${w}`,
      kind,
      replicas,
      labels: { app: `${tier}-${w}`, tier },
      ports: [{ containerPort: tp.port, name: tp.name, protocol: 'TCP' }],
      phase: random.chance(0.02) ? 'Pending' : 'Running',
    });
    remaining -= replicas;
    w++;
  }
  const ips = new IpAllocator(nodes);
  const { workloads, pods } = buildWorkloads(specs, nodes, ips);
  const services: ServiceInfo[] = [];
  const podsByNs = new Map<string, PodInfo[]>();
  for (const p of pods) podsByNs.set(p.namespace, [...(podsByNs.get(p.namespace) ?? []), p]);
  specs.forEach((s, i) => {
    if (s.kind === 'Job' || s.kind === 'DaemonSet') return;
    const tp = s.ports[0];
    services.push(
      buildService(s.namespace, s.name, { app: s.labels.app }, [{ port: tp.containerPort, targetPort: tp.name ?? tp.containerPort, name: tp.name, protocol: 'TCP' }],
        `10.${96 + Math.floor(i / 65000)}.${Math.floor(i / 250) % 256}.${(i % 250) + 2}`, podsByNs.get(s.namespace) ?? []),
    );
  });
  const end = opts.end ?? Date.UTC(2026, 10, 27, 12, 0, 0);
  const windowMs = opts.windowMs ?? 60 * 60 * 1000;
  return {
    model: 1,
    id: `synthetic-${opts.seed ?? 42}-${opts.pods}`,
    name: `Synthetic ${opts.pods} pods`,
    createdAt: end,
    cluster: { name: `synthetic-${opts.pods}`, server: 'https://synthetic.netcity.invalid:6443', kubernetesVersion: 'v1.34.2', source: 'synthetic' },
    roadBuilder: ciliumRoadBuilder(),
    window: { from: end - windowMs, to: end },
    namespaces,
    nodes,
    workloads,
    pods,
    services,
    policies: makePolicies(random, namespaces, specs, opts.policies),
    probes: [],
    findings: [],
    warnings: [],
    permissions: [],
    positions: {},
    notes: [],
  };
}

/**
 * Streams `count` synthetic flows over the inventory's window, mostly inside a namespace and to
 * the destination's declared port, ~4% dropped, some to the world and DNS. Deterministic for a seed.
 */
export function forEachSyntheticFlow(
  inventory: Pick<Snapshot, 'pods' | 'window'>,
  count: number,
  seed: number,
  onFlow: (flow: FlowRecord) => void,
): void {
  const random = new Random(seed ^ 0x5eed);
  const running = inventory.pods.filter((p) => p.phase === 'Running');
  if (running.length === 0) return;
  const byNs = new Map<string, PodInfo[]>();
  for (const p of running) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
  const from = inventory.window.from ?? 0;
  const span = (inventory.window.to ?? from + 3_600_000) - from;
  // A fixed set of "conversations" gives realistic repetition: roads carry many flows each.
  const pairs: { src: PodInfo; dst: PodInfo | 'world' | 'dns'; verdict: Verdict }[] = [];
  const pairCount = Math.max(1, Math.min(count, Math.ceil(running.length * 3)));
  for (let i = 0; i < pairCount; i++) {
    const src = random.pick(running);
    const roll = random.next();
    const local = byNs.get(src.namespace) ?? running;
    const dst = roll < 0.03 ? 'world' : roll < 0.06 ? 'dns' : roll < 0.8 ? random.pick(local) : random.pick(running);
    pairs.push({ src, dst, verdict: random.chance(0.04) ? 'DROPPED' : 'FORWARDED' });
  }
  for (let i = 0; i < count; i++) {
    const pair = pairs[Math.floor(random.next() * pairs.length)];
    const time = from + Math.floor((i / count) * span);
    const src = podEndpoint(pair.src);
    src.port = 32768 + (i % 28000);
    let flow: FlowRecord;
    if (pair.dst === 'world') {
      flow = { time, source: 'demo', src, dst: { peer: WORLD, ip: `198.51.100.${i % 250}`, port: 443 }, protocol: 'TCP', port: 443, verdict: pair.verdict };
    } else if (pair.dst === 'dns') {
      flow = { time, source: 'demo', src, dst: { peer: dnsId('api.example.com'), ip: '93.184.216.34', port: 443 }, protocol: 'TCP', port: 443, verdict: pair.verdict };
    } else {
      const port = pair.dst.ports[0]?.containerPort ?? 80;
      flow = { time, source: 'demo', src, dst: podEndpoint(pair.dst, port), protocol: 'TCP', port, verdict: pair.verdict };
    }
    if (flow.verdict === 'DROPPED') flow.dropReason = 'POLICY_DENIED';
    onFlow(flow);
  }
}

/** A whole synthetic snapshot: inventory, policies, a bounded sample of raw flows, complete roads. */
export function generateScenario(opts: ScenarioOptions): Snapshot {
  const inventory = generateInventory(opts);
  const maxRaw = opts.maxRawFlows ?? 10_000;
  const aggregator = new RoadAggregator();
  const flows: FlowRecord[] = [];
  forEachSyntheticFlow(inventory, opts.flows, opts.seed ?? 42, (flow) => {
    aggregator.add(flow);
    if (flows.length < maxRaw) flows.push(flow);
  });
  return { ...inventory, flows, roads: aggregator.roads() };
}
