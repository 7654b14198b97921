/**
 * Builds the map model of a snapshot: the city layout (./layout.ts) plus the visual encoding of
 * every house, highway and road, with the verdicts of the three evidence sources. Pure.
 */
import {
  HOST,
  KUBE_APISERVER,
  REMOTE_NODE,
  WORLD,
  namespaceId,
  nodeId,
  parsePeerId,
  podId,
  serviceId,
  workloadId,
  workloadOfPod,
} from '../model/ids.js';
import type { FlowProtocol, PeerId, PodInfo, ProbeResult, Protocol, RoadAggregate, Snapshot, Verdict } from '../model/types.js';
import { byText, layoutCity, type LayoutDistrict, type LayoutMemo } from './layout.js';
import { placeLabels, routable, route, shortLabel, type RouteEnd } from './streets.js';
import type { LegendEntry, MapEdge, MapModel, MapNode, PodPhaseClass, ProbeVerdict, RoadVerdict } from './model.js';
import type { PolicyView } from './policy-view.js';
import { displayVerdict, EVIDENCE_MARKERS, FENCE_STYLES } from './style.js';

export interface BuildOptions {
  policy?: PolicyView;
  /** Roads to draw instead of snapshot.roads (e.g. a time window's aggregates). */
  roads?: RoadAggregate[];
  /** Add predicted roads that policies explicitly allow but no flow was seen on (from the engine's full matrix). */
  possibleRoads?: boolean;
  /** How many roads the model carries per level; the rest are counted (MapModel.roadBudget), never dropped silently. */
  budget?: Partial<RoadBudget>;
  /** Predicted roads are still being computed (in the background): the model says so. */
  roadsPending?: boolean;
  /** This city's last layout (MapModel.layout): existing districts stay where they were. */
  previousLayout?: LayoutMemo;
  cityId?: string;
}

export interface RoadBudget {
  districtRoads: number;
  blockRoads: number;
  /** Road labels placed per level. */
  labels: number;
}

/** Label font size in map units per level: readable at the zoom where that level shows. */
const LABEL_FONT = { blocks: 9, districts: 24 };

/** What a canvas and a static export can show and still be read. */
export const DEFAULT_BUDGET: RoadBudget = { districtRoads: 3000, blockRoads: 8000, labels: 1500 };


const PHASES: Record<string, PodPhaseClass> = {
  Running: 'running',
  Pending: 'pending',
  Succeeded: 'succeeded',
  Failed: 'failed',
};

function verdictClass(v: Verdict): RoadVerdict {
  if (v === 'DROPPED' || v === 'ERROR') return 'denied';
  if (v === 'UNKNOWN') return 'unknown';
  return 'allowed';
}

const RESERVED_LABELS: Record<string, string> = {
  [WORLD]: 'world',
  [HOST]: 'host',
  [REMOTE_NODE]: 'remote nodes',
  [KUBE_APISERVER]: 'API server',
};

function outskirtLabel(id: PeerId): string {
  const p = parsePeerId(id);
  if (p.type === 'reserved') return RESERVED_LABELS[id] ?? id;
  return p.name;
}

export const LEGEND: LegendEntry[] = [
  { key: 'district', label: 'district = namespace', style: 'district' },
  { key: 'block', label: 'block = workload', style: 'block' },
  { key: 'house', label: 'house = pod (colour = phase)', style: 'house' },
  { key: 'highway', label: 'highway = service', style: 'highway' },
  { key: 'outskirt', label: 'outskirts = world, IPs, nodes, API server', style: 'outskirt' },
  { key: 'allowed', label: 'allowed road (solid, arrow)', style: 'road-allowed' },
  { key: 'denied', label: 'denied road (dashed, bar)', style: 'road-denied' },
  { key: 'unknown', label: 'unknown (dotted)', style: 'road-unknown' },
  { key: 'mixed', label: 'mixed: some pairs allowed, some denied (dash-dot)', style: 'road-mixed' },
  { key: 'unenforced', label: 'allowed: policy not enforced (long dash)', style: 'road-unenforced' },
  { key: 'observed', label: EVIDENCE_MARKERS.observed.label, style: 'marker-observed' },
  { key: 'predicted', label: EVIDENCE_MARKERS.predicted.label, style: 'marker-predicted' },
  { key: 'probed', label: EVIDENCE_MARKERS.probed.label, style: 'marker-probed' },
  { key: 'fence-ingress', label: FENCE_STYLES.ingress.label, style: 'fence-ingress' },
  { key: 'fence-egress', label: FENCE_STYLES.egress.label, style: 'fence-egress' },
  { key: 'fence-both', label: FENCE_STYLES.both.label, style: 'fence-both' },
];

interface EdgeAcc {
  edge: MapEdge;
  ports: Set<number>;
  protocols: Set<FlowProtocol>;
  portLabels: Set<string>;
}

function probeVerdict(outcome: ProbeResult['outcome']): ProbeVerdict {
  return outcome === 'connected' ? 'ok' : 'blocked';
}

function combine(verdicts: RoadVerdict[]): RoadVerdict | undefined {
  if (verdicts.length === 0) return undefined;
  if (verdicts.includes('denied')) return 'denied';
  if (verdicts.every((v) => v === 'allowed')) return 'allowed';
  return 'unknown';
}

export function buildMapModel(snapshot: Snapshot, opts: BuildOptions = {}): MapModel {
  const budget: RoadBudget = { ...DEFAULT_BUDGET, ...opts.budget };
  const nodes = new Map<PeerId, MapNode>();
  const districts = new Map<string, LayoutDistrict>();
  const blocks = new Map<PeerId, { namespace: string; kind: string; name: string; houses: string[] }>();
  const podById = new Map<PeerId, PodInfo>();
  const blockOfPod = new Map<PeerId, PeerId>();
  const notPermitted = new Set(
    snapshot.warnings.filter((w) => w.kind === 'not-permitted' && w.subject).map((w) => w.subject as string),
  );

  const district = (ns: string): LayoutDistrict => {
    let d = districts.get(ns);
    if (!d) {
      d = { id: namespaceId(ns), label: ns, blocks: [], highways: [] };
      districts.set(ns, d);
    }
    return d;
  };
  const block = (id: PeerId) => {
    let b = blocks.get(id);
    if (!b) {
      const p = parsePeerId(id);
      b = { namespace: p.namespace ?? 'default', kind: p.kind ?? 'Pod', name: p.name, houses: [] };
      blocks.set(id, b);
      district(b.namespace).blocks.push({ id, label: b.name, houses: b.houses });
    }
    return b;
  };

  for (const ns of snapshot.namespaces) district(ns.name);
  for (const w of snapshot.workloads) block(workloadId(w.namespace, w.kind, w.name));
  for (const pod of snapshot.pods) {
    const id = podId(pod.namespace, pod.name);
    const wl = workloadOfPod(pod);
    podById.set(id, pod);
    blockOfPod.set(id, wl);
    block(wl).houses.push(id);
  }
  const serviceBlocks = new Map<PeerId, Set<PeerId>>();
  for (const svc of snapshot.services) {
    const id = serviceId(svc.namespace, svc.name);
    district(svc.namespace).highways.push(id);
    const backing = new Set<PeerId>();
    for (const ep of svc.endpoints) {
      if (!ep.pod) continue;
      const [ns, name] = ep.pod.split('/');
      const wl = blockOfPod.get(podId(ns, name));
      if (wl) backing.add(wl);
    }
    serviceBlocks.set(id, backing);
  }

  // Roads: fold pods into blocks, keep one edge per (src, dst, verdict class).
  const roads = opts.roads ?? snapshot.roads;
  const outskirts = new Set<PeerId>();
  const endpointCache = new Map<PeerId, PeerId>();
  const endpointOf = (peer: PeerId): PeerId => {
    let known = endpointCache.get(peer);
    if (known === undefined) endpointCache.set(peer, (known = resolveEndpoint(peer)));
    return known;
  };
  const resolveEndpoint = (peer: PeerId): PeerId => {
    const p = parsePeerId(peer);
    if (p.type === 'pod') {
      const known = blockOfPod.get(peer);
      if (known) return known;
      const bare = workloadId(p.namespace!, 'Pod', p.name);
      block(bare);
      return bare;
    }
    if (p.type === 'workload') {
      block(peer);
      return peer;
    }
    if (p.type === 'service') return peer;
    outskirts.add(peer);
    return peer;
  };
  const edges = new Map<string, EdgeAcc>();
  const edgeFor = (src: PeerId, dst: PeerId, cls: string): EdgeAcc => {
    const id = `road:${src}->${dst}:${cls}`;
    let acc = edges.get(id);
    if (!acc) {
      acc = {
        edge: { id, kind: 'road', source: src, target: dst, label: '', protocols: [], ports: [], volume: 0, dropped: 0, roadKeys: [], flags: [] },
        ports: new Set(),
        protocols: new Set(),
        portLabels: new Set(),
      };
      edges.set(id, acc);
    }
    return acc;
  };

  for (const r of roads) {
    const src = endpointOf(r.src);
    const dst = endpointOf(r.dst);
    if (src === dst) continue;
    const cls = verdictClass(r.verdict);
    const acc = edgeFor(src, dst, cls);
    acc.edge.observed = cls;
    acc.edge.volume += r.count;
    if (cls === 'denied') acc.edge.dropped += r.count;
    acc.edge.roadKeys.push(r.key);
    acc.protocols.add(r.protocol);
    if (r.port !== undefined) {
      acc.ports.add(r.port);
      acc.portLabels.add(`${r.protocol} ${r.port}`);
    } else acc.portLabels.add(r.protocol);
  }

  // Probes: probed verdicts on the same edges (or new ones).
  for (const pr of snapshot.probes) {
    const src = endpointOf(pr.src);
    const dst = endpointOf(pr.dst);
    if (src === dst) continue;
    const verdict = probeVerdict(pr.outcome);
    const acc = edges.get(`road:${src}->${dst}:allowed`) ?? edges.get(`road:${src}->${dst}:denied`) ?? edges.get(`road:${src}->${dst}:unknown`) ?? edgeFor(src, dst, 'probe');
    acc.edge.probed = acc.edge.probed && acc.edge.probed !== verdict ? 'mismatch' : verdict;
    acc.ports.add(pr.port);
    acc.protocols.add(pr.protocol);
    acc.portLabels.add(`${pr.protocol} ${pr.port}`);
  }

  const policy = opts.policy;
  // Predicted verdicts for every drawn road, from the policy engine.
  if (policy) {
    for (const acc of edges.values()) {
      const verdicts: RoadVerdict[] = [];
      let unenforced = false;
      for (const label of acc.portLabels) {
        const [proto, port] = label.split(' ');
        if (!port || !['TCP', 'UDP', 'SCTP'].includes(proto)) continue;
        verdicts.push(policy.verdict(acc.edge.source, acc.edge.target, proto as Protocol, Number(port)));
        unenforced ||= policy.unenforced?.(acc.edge.source, acc.edge.target, proto as Protocol, Number(port)) ?? false;
      }
      acc.edge.predicted = combine(verdicts);
      const p = acc.edge.predicted;
      if (p === 'allowed' && unenforced) acc.edge.flags.push('unenforced');
      const other = acc.edge.observed ?? (acc.edge.probed === 'ok' ? 'allowed' : acc.edge.probed === 'blocked' ? 'denied' : undefined);
      if (p && p !== 'unknown' && other && other !== 'unknown' && p !== other) acc.edge.flags.push('mismatch');
    }
  }
  // Predicted roads that policies allow and no flow or probe shows: every governed workload pair
  // of the engine's full matrix (a pair is governed when a policy fences its destination's ingress
  // or its source's egress; ungoverned pairs are open to everything and would only be noise).
  let possibleTotal = 0;
  const possible: EdgeAcc[] = [];
  const possibleDistricts = new Map<string, DistrictAcc>();
  if (policy?.forEachConnection && opts.possibleRoads !== false) {
    const governed = new Map<PeerId, { ingress: boolean; egress: boolean }>();
    for (const [id, b] of blocks) {
      if (!b.houses[0]) continue;
      const f = policy.fences(b.houses[0]);
      governed.set(id, { ingress: f.ingress.isolated, egress: f.egress.isolated });
    }
    const seen = new Set([...edges.values()].map((a) => `${a.edge.source}->${a.edge.target}`));
    policy.forEachConnection((src, dst, allowed, unenforcedPorts) => {
      const gs = governed.get(src);
      const gd = governed.get(dst);
      if (!gs || !gd || src === dst || (!gd.ingress && !gs.egress) || seen.has(`${src}->${dst}`)) return;
      const parts = (Object.entries(allowed) as [Protocol, string][]).filter(([, v]) => v);
      if (parts.length === 0) return;
      possibleTotal++;
      const unenforced = !!unenforcedPorts && Object.values(unenforcedPorts).some((v) => v);
      const key = `${blocks.get(src)!.namespace}\u0000${blocks.get(dst)!.namespace}`;
      let d = possibleDistricts.get(key);
      if (!d) possibleDistricts.set(key, (d = { pairs: 0, unenforced: 0, protocols: new Set(), ports: new Set() }));
      d.pairs++;
      if (unenforced) d.unenforced++;
      for (const [proto] of parts) d.protocols.add(proto);
      if (possible.length >= budget.blockRoads) return;
      const acc = edgeFor(src, dst, 'possible');
      acc.edge.predicted = 'allowed';
      acc.edge.flags.push('possible');
      if (unenforced) acc.edge.flags.push('unenforced');
      for (const [proto, ports] of parts) {
        acc.protocols.add(proto);
        acc.portLabels.add(`${proto} ${ports === '1-65535' ? 'any' : ports}`);
      }
      possible.push(acc);
    });
  }

  // Layout.
  for (const o of [...snapshot.nodes.map((n) => nodeId(n.name))]) outskirts.add(o);
  const outskirtList = [...outskirts].sort((a, b) => outskirtRank(a) - outskirtRank(b) || byText(a, b));
  const layoutDistricts = [...districts.values()].sort((a, b) => byText(a.label, b.label));
  const layout = layoutCity(layoutDistricts, outskirtList, opts.previousLayout);
  const centre = (id: string) => {
    const r = layout.rects.get(id)!;
    const pinned = snapshot.positions[id];
    if (pinned) return { x: pinned.x, y: pinned.y, w: r.w, h: r.h };
    return { x: r.x + r.w / 2, y: r.y + r.h / 2, w: r.w, h: r.h };
  };

  const findingTargets = new Set(snapshot.findings.map((f) => f.target).filter(Boolean) as string[]);
  const flagsOf = (id: string, extra: string[] = []) => {
    const flags = [...extra];
    if (findingTargets.has(id)) flags.push('finding');
    if (snapshot.positions[id]?.pinned) flags.push('pinned');
    return flags;
  };

  const namespaceByName = new Map(snapshot.namespaces.map((n) => [n.name, n]));
  const serviceById = new Map(snapshot.services.map((sv) => [serviceId(sv.namespace, sv.name), sv]));
  for (const d of layoutDistricts) {
    const ns = namespaceByName.get(d.label);
    nodes.set(d.id, {
      id: d.id,
      kind: 'district',
      label: d.label,
      ...centre(d.id),
      meta: { namespace: d.label, pods: String(d.blocks.reduce((s, b) => s + b.houses.length, 0)), labels: ns ? Object.entries(ns.labels).map(([k, v]) => `${k}=${v}`).join(', ') : '' },
      flags: flagsOf(d.id, notPermitted.has(d.label) ? ['not-permitted'] : []),
    });
    for (const hw of d.highways) {
      const svc = serviceById.get(hw)!;
      nodes.set(hw, {
        id: hw,
        kind: 'highway',
        parent: d.id,
        label: svc.name,
        ...centre(hw),
        meta: {
          namespace: svc.namespace,
          type: svc.type,
          clusterIPs: svc.clusterIPs.join(', '),
          ports: svc.ports.map((p) => `${p.protocol} ${p.port}→${p.targetPort}`).join(', '),
          endpoints: String(svc.endpoints.length),
        },
        flags: flagsOf(hw, svc.endpoints.length === 0 ? ['no-endpoints'] : []),
      });
    }
    for (const b of d.blocks) {
      const info = blocks.get(b.id)!;
      nodes.set(b.id, {
        id: b.id,
        kind: 'block',
        parent: d.id,
        label: b.label,
        ...centre(b.id),
        meta: { namespace: info.namespace, kind: info.kind, name: info.name, pods: String(b.houses.length) },
        flags: flagsOf(b.id),
      });
      for (const h of b.houses) {
        const pod = podById.get(h)!;
        const fence = policy?.fences(h);
        nodes.set(h, {
          id: h,
          kind: 'house',
          parent: b.id,
          label: pod.name,
          ...centre(h),
          phase: PHASES[pod.phase] ?? 'unknown',
          fence: fence ? { ingress: fence.ingress.isolated, egress: fence.egress.isolated } : undefined,
          meta: {
            namespace: pod.namespace,
            ips: pod.ips.join(', '),
            node: pod.node ?? '',
            phase: pod.phase,
            labels: Object.entries(pod.labels).map(([k, v]) => `${k}=${v}`).join(', '),
            ports: pod.ports.map((p) => `${p.protocol} ${p.containerPort}${p.name ? ` (${p.name})` : ''}`).join(', '),
            ...(fence ? { ingressFence: fence.ingress.by.join(', '), egressFence: fence.egress.by.join(', ') } : {}),
          },
          flags: flagsOf(h, pod.hostNetwork ? ['host-network'] : []),
        });
      }
    }
  }
  for (const o of outskirtList) {
    const p = parsePeerId(o);
    nodes.set(o, {
      id: o,
      kind: 'outskirt',
      label: outskirtLabel(o),
      ...centre(o),
      meta: { type: p.type === 'reserved' ? o : p.type },
      flags: flagsOf(o),
    });
  }

  // Highway links: service -> each block behind it.
  const edgeList: MapEdge[] = [];
  for (const [svc, backing] of serviceBlocks) {
    for (const b of backing) {
      edgeList.push({ id: `link:${svc}->${b}`, kind: 'highway-link', source: svc, target: b, label: '', protocols: [], ports: [], volume: 0, dropped: 0, roadKeys: [], flags: [] });
    }
  }
  const roadEdges: MapEdge[] = [];
  for (const acc of edges.values()) {
    acc.edge.protocols = [...acc.protocols].sort();
    acc.edge.ports = [...acc.ports].sort((a, b) => a - b);
    acc.edge.label = [...acc.portLabels].sort().join(', ');
    if (findingTargets.has(acc.edge.id)) acc.edge.flags.push('finding');
    roadEdges.push(acc.edge);
  }
  // District roads aggregate every road (also those past the block budget); then each level keeps its budget.
  const allDistrictRoads = districtRoadsOf(roadEdges, possibleDistricts, nodes);
  const blockTotal = roadEdges.length - possible.length + possibleTotal;
  const shownRoads = byPriority(roadEdges).slice(0, budget.blockRoads);
  const districtRoads = byPriority(allDistrictRoads).slice(0, budget.districtRoads).sort((a, b) => byText(a.id, b.id));
  edgeList.push(...shownRoads);
  edgeList.sort((a, b) => byText(a.id, b.id));

  // Every drawn road follows the streets; the viewer and the exporters draw these points.
  const endOf = (id: PeerId): RouteEnd | undefined => {
    const n = nodes.get(id);
    return n && { id, kind: n.kind, rect: n, via: n.kind === 'house' ? n.parent : undefined };
  };
  for (const e of [...edgeList, ...districtRoads]) {
    const a = endOf(e.source);
    const b = endOf(e.target);
    if (!a || !b || !routable(layout.streets, a) || !routable(layout.streets, b)) continue;
    e.route = route(layout.streets, a, b).flatMap((p) => [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10]);
  }
  // Labels that fit, most important roads first: ports between blocks, counts between districts.
  const labels = {
    blocks: placeLabels(shownRoads.map((e) => ({ id: e.id, text: shortLabel(e.label), route: e.route })), LABEL_FONT.blocks, budget.labels),
    districts: placeLabels(byPriority(districtRoads).map((e) => ({ id: e.id, text: e.label, route: e.route })), LABEL_FONT.districts, budget.labels),
  };

  const model: MapModel = {
    cityId: opts.cityId ?? snapshot.id,
    title: snapshot.name,
    subtitle: subtitleOf(snapshot),
    bounds: layout.bounds,
    nodes: [...nodes.values()],
    edges: edgeList,
    districtRoads,
    labels,
    roadBudget: {
      complete: !opts.roadsPending,
      predicted: !!policy?.forEachConnection && opts.possibleRoads !== false,
      blocks: { shown: shownRoads.length, total: blockTotal },
      districts: { shown: districtRoads.length, total: allDistrictRoads.length },
    },
    legend: LEGEND,
    layout: layout.memo,
    counts: {
      districts: layoutDistricts.length,
      blocks: blocks.size,
      houses: podById.size,
      highways: snapshot.services.length,
      outskirts: outskirtList.length,
      roads: shownRoads.length,
      deniedRoads: shownRoads.filter((e) => (e.observed ?? e.predicted) === 'denied').length,
    },
  };
  return model;
}

/** Which roads a budget keeps first: findings and disagreements, denied, observed, probed, then busy, then by id. */
function byPriority(roads: MapEdge[]): MapEdge[] {
  const rank = (e: MapEdge) =>
    e.flags.includes('finding') || e.flags.includes('mismatch') ? 0 : displayVerdict(e) === 'denied' || e.flags.includes('mixed') ? 1 : e.observed ? 2 : e.probed ? 3 : 4;
  const ranked = roads.map((e) => ({ e, r: rank(e) }));
  ranked.sort((a, b) => a.r - b.r || b.e.volume - a.e.volume || (b.e.pairs ?? 1) - (a.e.pairs ?? 1) || byText(a.e.id, b.e.id));
  return ranked.map((x) => x.e);
}

function outskirtRank(id: PeerId): number {
  const t = parsePeerId(id).type;
  if (id === WORLD) return 0;
  if (t === 'dns') return 1;
  if (t === 'ip') return 2;
  if (id === KUBE_APISERVER) return 3;
  if (id === HOST || id === REMOTE_NODE) return 4;
  return 5;
}

function subtitleOf(s: Snapshot): string {
  const fmt = (t?: number) => (t ? new Date(t).toISOString().replace('T', ' ').slice(0, 16) + 'Z' : '…');
  const window = s.window.from || s.window.to ? `${fmt(s.window.from)} – ${fmt(s.window.to)}` : 'no flow window';
  return `${s.cluster.name}${s.cluster.kubernetesVersion ? ` (${s.cluster.kubernetesVersion})` : ''} · ${window}`;
}

/** Predicted-only roads between two namespaces, counted while streaming the matrix. */
interface DistrictAcc {
  pairs: number;
  /** Pairs open only because the road builder does not enforce the policies that would deny them. */
  unenforced: number;
  protocols: Set<FlowProtocol>;
  ports: Set<number>;
}

/**
 * Roads between districts (and outskirts), for the zoomed-out view: one per ordered pair, with the
 * number of workload pairs behind it, how many of them are allowed / denied / unknown, and volume.
 */
function districtRoadsOf(roads: MapEdge[], possible: Map<string, DistrictAcc>, nodes: Map<PeerId, MapNode>): MapEdge[] {
  const top = (id: PeerId): PeerId => {
    let n = nodes.get(id);
    while (n?.parent) n = nodes.get(n.parent);
    return n?.id ?? id;
  };
  interface Acc {
    e: MapEdge;
    mix: Record<RoadVerdict, number>;
    unenforced: number;
    observed: RoadVerdict[];
    predicted: RoadVerdict[];
    probed: Set<ProbeVerdict>;
  }
  const acc = new Map<string, Acc>();
  const get = (s: PeerId, t: PeerId): Acc => {
    const id = `droad:${s}->${t}`;
    let a = acc.get(id);
    if (!a) {
      a = {
        e: { id, kind: 'road', source: s, target: t, label: '', protocols: [], ports: [], volume: 0, dropped: 0, roadKeys: [], flags: [], pairs: 0 },
        mix: { allowed: 0, denied: 0, unknown: 0 },
        unenforced: 0,
        observed: [],
        predicted: [],
        probed: new Set(),
      };
      acc.set(id, a);
    }
    return a;
  };
  for (const r of roads) {
    if (r.flags.includes('possible')) continue; // counted from `possible`, which has them all
    const s = top(r.source);
    const t = top(r.target);
    if (s === t) continue;
    const a = get(s, t);
    a.e.pairs!++;
    a.mix[displayVerdict(r)]++;
    if (r.observed) a.observed.push(r.observed);
    if (r.predicted) a.predicted.push(r.predicted);
    if (r.probed) a.probed.add(r.probed);
    if (r.flags.includes('unenforced')) a.unenforced++;
    if (r.flags.includes('mismatch') && !a.e.flags.includes('mismatch')) a.e.flags.push('mismatch');
    a.e.volume += r.volume;
    a.e.dropped += r.dropped;
    a.e.roadKeys.push(...r.roadKeys);
    for (const p of r.protocols) if (!a.e.protocols.includes(p)) a.e.protocols.push(p);
    for (const p of r.ports) if (!a.e.ports.includes(p)) a.e.ports.push(p);
  }
  for (const [key, d] of possible) {
    const [sn, tn] = key.split('\u0000');
    const s = namespaceId(sn);
    const t = namespaceId(tn);
    if (s === t) continue;
    const a = get(s, t);
    a.e.pairs! += d.pairs;
    a.mix.allowed += d.pairs;
    a.unenforced += d.unenforced;
    a.predicted.push('allowed');
    for (const p of d.protocols) if (!a.e.protocols.includes(p)) a.e.protocols.push(p);
  }
  const out: MapEdge[] = [];
  for (const a of acc.values()) {
    const e = a.e;
    e.observed = combine(a.observed);
    e.predicted = combine(a.predicted);
    if (a.probed.size) e.probed = a.probed.size === 1 ? [...a.probed][0] : 'mismatch';
    if (a.mix.allowed && (a.mix.denied || a.mix.unknown)) e.flags.push('mixed');
    // Every allowed pair is open only because its policies are not enforced: the road says so.
    else if (a.unenforced > 0 && a.unenforced === a.mix.allowed) e.flags.push('unenforced');
    e.mix = a.mix;
    e.protocols.sort();
    e.ports.sort((x, y) => x - y);
    e.label = `${e.pairs} ${e.pairs === 1 ? 'road' : 'roads'}`;
    out.push(e);
  }
  return out;
}
