/**
 * The connectivity matrix between workloads (or pods) and external IP ranges. Verdicts are
 * computed per pod class and per distinct set of matching rules, then spread over the peers, so
 * thousands of pods cost about as much as their distinct label sets.
 */
import type { PeerId, PodInfo } from '../model/types.js';
import { ipId, podId } from '../model/ids.js';
import type { PolicyEngineCore } from './engine.js';
import { workloadOfPod } from './engine.js';
import { evalDirection, type DirPlan } from './evaluate.js';
import type { PodClass } from './universe.js';
import { cutAddressSpace, formatIp, formatRange, type Cidr } from './ip.js';
import type { Endpoint } from './ir.js';
import { ALL_PORTS, NONE_ID, NO_PORTS, intersect, PortSetTable, subtract, toPortLists, union, type PortLists, type PortSet } from './ports.js';

export interface MatrixOptions {
  level?: 'workload' | 'pod';
  /** "ns/name": only connections from or to this workload (or pod at pod level). */
  focus?: string;
  /** Include external IP ranges as peers (default true). */
  includeIpRanges?: boolean;
  /** More places to cut the address space (what-if uses the CIDRs of both policy sets). */
  extraCidrs?: Cidr[];
}

export interface AnalyzePeer {
  id: PeerId;
  type: 'workload' | 'pod' | 'ipRange';
  namespace?: string;
  name?: string;
  kind?: string;
  /** Pod names a workload stands for. */
  pods?: string[];
  start?: string;
  end?: string;
}

export interface AnalyzeConnection {
  src: PeerId;
  dst: PeerId;
  allowed: PortLists;
  /** Ports whose verdict depends on things a static check cannot know (toFQDNs, unknown addresses). */
  unknown?: PortLists;
  /** Allowed ports that the policies as written deny: the road builder does not enforce them. */
  unenforced?: PortLists;
}

export interface AnalyzeResult {
  peers: AnalyzePeer[];
  connections: AnalyzeConnection[];
}

interface Group {
  peer: AnalyzePeer;
  classes: number[];
  /** Host-network pods: they are their node. */
  nodeEps: Endpoint[];
  ext?: Endpoint;
  /** The group's pods (for host-network pairs, where nodes matter). */
  pods?: PodInfo[];
}

/** Interns {allowed, unknown} pairs of port sets. */
class ResultTable {
  readonly ports = new PortSetTable();
  private readonly byKey = new Map<number, number>();
  readonly allowed: number[] = [];
  readonly unknown: number[] = [];
  id(allowed: PortSet, unknown: PortSet): number {
    const a = this.ports.id(allowed);
    const u = this.ports.id(unknown);
    const k = a * 1_000_003 + u;
    let id = this.byKey.get(k);
    if (id === undefined) {
      id = this.allowed.length;
      this.allowed.push(a);
      this.unknown.push(u);
      this.byKey.set(k, id);
    }
    return id;
  }
}

export function computeConnectivity(core: PolicyEngineCore, opts: MatrixOptions = {}): ConnectivityMatrix {
  const { u } = core;
  core.indexSelecting();
  const n = u.size;
  const level = opts.level ?? 'workload';
  const table = new ResultTable();
  const OPEN = table.id(ALL_PORTS, NO_PORTS);
  const CLOSED = table.id(NO_PORTS, NO_PORTS);
  const openRow = new Int32Array(n).fill(OPEN);

  // Named ports of a class as a small id: egress verdicts with named-port rules depend on it.
  const portsKeyId = new Int32Array(n);
  {
    const ids = new Map<string, number>();
    u.classes.forEach((c, i) => {
      const k = c.namedPorts.map((p) => `${p.name}/${p.protocol}/${p.containerPort}`).join(',');
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size));
      portsKeyId[i] = id;
    });
  }

  /**
   * Verdicts of one plan against every pod class: classes are split by which rules match them
   * (partition refinement over the rules' bitsets), then one evaluation per part.
   */
  const computeRow = (plan: DirPlan, fixedDst: PodClass | null): Int32Array => {
    const groupOf = new Int32Array(n);
    let groups = 1;
    for (const r of plan.all) {
      if (!r.peer.classes) continue;
      const remap = new Map<number, number>();
      r.peer.classes.forEach((c) => {
        const g = groupOf[c];
        let ng = remap.get(g);
        if (ng === undefined) remap.set(g, (ng = groups++));
        groupOf[c] = ng;
      });
    }
    if (!fixedDst && plan.namedPorts) {
      // Egress toward named ports: the destination's declared ports split the parts further.
      const remap = new Map<number, number>();
      for (let c = 0; c < n; c++) {
        const k = groupOf[c] * 65536 + portsKeyId[c];
        let ng = remap.get(k);
        if (ng === undefined) remap.set(k, (ng = remap.size));
        groupOf[c] = ng;
      }
      groups = remap.size;
    }
    const result = new Int32Array(groups).fill(-1);
    const row = new Int32Array(n);
    for (let c = 0; c < n; c++) {
      const g = groupOf[c];
      let id = result[g];
      if (id < 0) {
        const cls = u.classes[c];
        const res = evalDirection(plan, { t: 'pod', cls }, fixedDst ?? cls, ALL_PORTS, false);
        result[g] = id = table.id(res.allowed, res.unknown);
      }
      row[c] = id;
    }
    return row;
  };

  // Rows are shared by classes with the same plan (and, for ingress with named ports, the same ports).
  const ingressRows: Int32Array[] = new Array(n);
  const egressRows: (Int32Array | undefined)[] = new Array(n);
  const rowCache = new Map<number, Int32Array>();
  for (let d = 0; d < n; d++) {
    const plan = core.plan(u.classes[d], 'ingress');
    if (plan.open) {
      ingressRows[d] = openRow;
      continue;
    }
    const key = plan.id * 65536 + (plan.namedPorts ? portsKeyId[d] : 0);
    let row = rowCache.get(key);
    if (!row) rowCache.set(key, (row = computeRow(plan, u.classes[d])));
    ingressRows[d] = row;
  }
  const egressRowOf = (s: number): Int32Array => {
    let row = egressRows[s];
    if (row) return row;
    const plan = core.plan(u.classes[s], 'egress');
    if (plan.open) row = openRow;
    else {
      const key = plan.id * 65536;
      row = rowCache.get(key);
      if (!row) rowCache.set(key, (row = computeRow(plan, null)));
    }
    egressRows[s] = row;
    return row;
  };

  const pairCache = new Map<number, number>();
  const combine = (e: number, i: number): number => {
    if (e === OPEN || i === CLOSED) return i;
    if (i === OPEN || e === CLOSED) return e;
    const k = e * 1_000_003 + i;
    let id = pairCache.get(k);
    if (id === undefined) {
      const ea = table.ports.sets[table.allowed[e]];
      const eu = table.ports.sets[table.unknown[e]];
      const ia = table.ports.sets[table.allowed[i]];
      const iu = table.ports.sets[table.unknown[i]];
      const a = intersect(ea, ia);
      const un = subtract(intersect(union(ea, eu), union(ia, iu)), a);
      id = table.id(a, un);
      pairCache.set(k, id);
    }
    return id;
  };
  const cell = (s: number, d: number): number => combine(egressRowOf(s)[d], ingressRows[d][s]);

  // Groups: workloads (or pods) and, when asked, the IP ranges policies can tell apart.
  const groups: Group[] = [];
  const byWorkload = new Map<PeerId, PodInfo[]>();
  for (const p of core.input.pods) {
    const key = level === 'pod' ? podId(p.namespace, p.name) : workloadOfPod(p);
    let l = byWorkload.get(key);
    if (!l) byWorkload.set(key, (l = []));
    l.push(p);
  }
  for (const [id, pods] of byWorkload) {
    const p0 = pods[0];
    const classes = [...new Set(pods.filter((p) => !p.hostNetwork).map((p) => u.podClass.get(`${p.namespace}/${p.name}`)!.id))];
    const nodeEps: Endpoint[] = pods
      .filter((p) => p.hostNetwork)
      .map((p) => ({ t: 'node', name: p.node, ips: p.node ? (u.nodeIps.get(p.node) ?? []) : [] }));
    const peer: AnalyzePeer =
      level === 'pod'
        ? { id, type: 'pod', namespace: p0.namespace, name: p0.name, kind: p0.owner?.kind ?? 'Pod' }
        : { id, type: 'workload', namespace: p0.namespace, name: p0.owner?.name ?? p0.name, kind: p0.owner?.kind ?? 'Pod', pods: pods.map((p) => p.name).sort() };
    groups.push({ peer, classes, nodeEps, pods });
  }
  groups.sort((a, b) => (a.peer.id < b.peer.id ? -1 : 1));
  const podGroups = groups.length;
  // Behaviour classes: pod classes that no subject, rule peer or named port tells apart behave
  // identically in every row and column, so a workload's pods usually reduce to one of them.
  const behaviour = new Int32Array(n);
  {
    let next = 1;
    const refine = (bits: { forEach: (fn: (i: number) => void) => void } | null | undefined) => {
      if (!bits) return;
      const remap = new Map<number, number>();
      bits.forEach((c) => {
        const g = behaviour[c];
        let ng = remap.get(g);
        if (ng === undefined) remap.set(g, (ng = next++));
        behaviour[c] = ng;
      });
    };
    for (const c of core.compiled) {
      refine(c.subjects);
      for (const dir of ['ingress', 'egress'] as const)
        for (const r of [...c.rules[dir], ...c.denyRules[dir]]) {
          refine(r.peer.classes);
          refine(r.subjectFilter);
        }
    }
    const ids = new Map<number, number>();
    for (let c = 0; c < n; c++) {
      const k = behaviour[c] * 65536 + portsKeyId[c];
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = c)); // the first class stands for its behaviour class
      behaviour[c] = id;
    }
  }

  const unionCache = new Map<number, number>();
  const unionId = (a: number, b: number): number => {
    if (a === b || b === CLOSED) return a;
    if (a === CLOSED) return b;
    const k = a < b ? a * 1_000_003 + b : b * 1_000_003 + a;
    let id = unionCache.get(k);
    if (id === undefined) {
      const al = union(table.ports.sets[table.allowed[a]], table.ports.sets[table.allowed[b]]);
      const un = subtract(union(table.ports.sets[table.unknown[a]], table.ports.sets[table.unknown[b]]), al);
      id = table.id(al, un);
      unionCache.set(k, id);
    }
    return id;
  };

  // IP ranges: verdicts depend on the plan only (the range is not a pod), cached by plan.
  const ranges = opts.includeIpRanges !== false ? cutAddressSpace([...core.cidrs, ...(opts.extraCidrs ?? [])]) : [];
  const rangeEps: Endpoint[] = ranges.map((r) => ({ t: 'ext', ip: { v6: r.v6, value: r.start }, text: formatRange(r) }));
  // Per plan (and named ports for ingress): the verdict toward / from every range, computed once.
  const rangeRows = new Map<number, Int32Array>();
  const rangeRow = (plan: DirPlan, dst: PodClass | null, key: number): Int32Array => {
    let row = rangeRows.get(key);
    if (!row) {
      row = new Int32Array(rangeEps.length);
      for (let r = 0; r < rangeEps.length; r++) {
        const res = evalDirection(plan, rangeEps[r], dst, ALL_PORTS, false);
        row[r] = table.id(res.allowed, res.unknown);
      }
      rangeRows.set(key, row);
    }
    return row;
  };
  const toRange = (c: number, r: number): number => {
    const plan = core.plan(u.classes[c], 'egress');
    return plan.open ? OPEN : rangeRow(plan, null, plan.id * 65536)[r];
  };
  const fromRange = (r: number, c: number): number => {
    const plan = core.plan(u.classes[c], 'ingress');
    return plan.open ? OPEN : rangeRow(plan, u.classes[c], plan.id * 65536 + (plan.namedPorts ? portsKeyId[c] : 0))[r];
  };
  ranges.forEach((r, i) => {
    const text = formatRange(r);
    groups.push({ peer: { id: ipId(text), type: 'ipRange', start: formatIp(r.v6, r.start), end: formatIp(r.v6, r.end) }, classes: [], nodeEps: [], ext: rangeEps[i] });
  });

  let focusIdx: Set<number> | null = null;
  if (opts.focus) {
    const [ns, name] = opts.focus.includes('/') ? opts.focus.split('/', 2) : [undefined, opts.focus];
    focusIdx = new Set();
    groups.forEach((g, i) => {
      if (g.peer.name === name && (ns === undefined || g.peer.namespace === ns)) focusIdx!.add(i);
    });
    if (focusIdx.size === 0) throw new Error(`--focus ${opts.focus}: no such ${level} (give ns/name)`);
  }

  // Per group: its distinct behaviour classes (pods), or a range index, or "evaluate directly".
  const G = groups.length;
  const reps: number[][] = groups.map((g) => [...new Set(g.classes.map((c) => behaviour[c]))]);
  const single = new Int32Array(G).fill(-1);
  const rangeOf = new Int32Array(G).fill(-1);
  const direct = new Uint8Array(G);
  groups.forEach((g, i) => {
    if (i >= podGroups) rangeOf[i] = i - podGroups;
    else if (g.nodeEps.length) direct[i] = 1;
    else if (reps[i].length === 1) single[i] = reps[i][0];
  });

  // Pairs with host-network pods depend on nodes (a pod's own node always reaches it; Cilium's
  // host vs remote-node): evaluated per distinct (class, node) end, cached across the matrix.
  interface End {
    key: string;
    peer: { ep: Endpoint; label: string; hostNetwork?: boolean; pod?: PodInfo };
  }
  const endsCache = new Map<Group, End[]>();
  const endsOf = (g: Group): End[] => {
    let ends = endsCache.get(g);
    if (ends) return ends;
    const byKey = new Map<string, End>();
    if (g.ext) byKey.set(`x:${g.peer.id}`, { key: `x:${g.peer.id}`, peer: { ep: g.ext, label: g.ext.t === 'ext' ? g.ext.text : '' } });
    for (const p of g.pods ?? []) {
      const key = p.hostNetwork ? `n:${p.node ?? ''}` : `c:${u.podClass.get(`${p.namespace}/${p.name}`)!.id}:${p.node ?? ''}`;
      if (byKey.has(key)) continue;
      const ep: Endpoint = p.hostNetwork
        ? { t: 'node', name: p.node, ips: p.node ? (u.nodeIps.get(p.node) ?? []) : [] }
        : { t: 'pod', cls: u.podClass.get(`${p.namespace}/${p.name}`)!, pod: p };
      byKey.set(key, { key, peer: { ep, label: p.name, hostNetwork: p.hostNetwork || undefined, pod: p } });
    }
    ends = [...byKey.values()];
    endsCache.set(g, ends);
    return ends;
  };
  const endPairCache = new Map<string, number>();
  const directPair = (src: Group, dst: Group): number => {
    let id = CLOSED;
    for (const s of endsOf(src))
      for (const d of endsOf(dst)) {
        const k = `${s.key}>${d.key}`;
        let r = endPairCache.get(k);
        if (r === undefined) {
          const res = core.evalPair(s.peer, d.peer, ALL_PORTS, false);
          endPairCache.set(k, (r = table.id(res.allowed, subtract(res.unknown, res.allowed))));
        }
        id = unionId(id, r);
        if (id === OPEN) return id;
      }
    return id;
  };

  const pairId = (si: number, di: number): number => {
    const rs = rangeOf[si];
    const rd = rangeOf[di];
    if (rs >= 0 && rd >= 0) return CLOSED; // outside the cluster on both ends: not ours to judge
    if (direct[si] || direct[di]) return directPair(groups[si], groups[di]);
    if (rd >= 0) {
      let id = CLOSED;
      for (const c of reps[si]) id = unionId(id, toRange(c, rd));
      return id;
    }
    if (rs >= 0) {
      let id = CLOSED;
      for (const c of reps[di]) id = unionId(id, fromRange(rs, c));
      return id;
    }
    const a = single[si];
    const b = single[di];
    if (a >= 0 && b >= 0) return cell(a, b);
    let id = CLOSED;
    for (const s of reps[si]) for (const d of reps[di]) id = unionId(id, cell(s, d));
    return id;
  };

  // One shared allowed/unknown pair of port lists per result: connections only point at them.
  const templates: ({ allowed: PortLists; unknown?: PortLists } | null | undefined)[] = [];
  const template = (id: number) => {
    let t = templates[id];
    if (t === undefined) {
      const a = table.allowed[id];
      const un = table.unknown[id];
      t = a === NONE_ID && un === NONE_ID ? null : { allowed: toPortLists(table.ports.sets[a]), ...(un !== NONE_ID ? { unknown: toPortLists(table.ports.sets[un]) } : {}) };
      templates[id] = t;
    }
    return t;
  };

  // Every ordered pair's result id, computed without allocating: -1 for pairs left out.
  const cells = new Int32Array(G * G).fill(-1);
  for (let si = 0; si < G; si++) {
    const a = single[si];
    const eRow = a >= 0 ? egressRowOf(a) : null;
    const base = si * G;
    for (let di = 0; di < G; di++) {
      if (si === di) continue;
      if (focusIdx && !focusIdx.has(si) && !focusIdx.has(di)) continue;
      const b = single[di];
      let id: number;
      if (eRow && b >= 0) {
        // The common case, inlined: one behaviour class on each side.
        const e = eRow[b];
        const i = ingressRows[b][a];
        id = e === OPEN || i === CLOSED ? i : i === OPEN || e === CLOSED ? e : combine(e, i);
      } else id = pairId(si, di);
      cells[base + di] = id;
    }
  }
  const peers = groups.map((g) => g.peer);
  return new ConnectivityMatrix(peers, cells, (id) => {
    let t = templates[id];
    if (t === undefined) t = template(id);
    return t;
  }, focusIdx);
}

export interface PairPorts {
  allowed: PortLists;
  unknown?: PortLists;
}

/**
 * The matrix in compact form: result ids per ordered pair of peers. `pair()` answers one cell;
 * `toResult()` builds the JSON-ready form (port-list objects are shared between connections:
 * treat them as read-only).
 */
export class ConnectivityMatrix {
  private readonly index: Map<PeerId, number>;
  constructor(
    readonly peers: AnalyzePeer[],
    private readonly cells: Int32Array,
    private readonly ports: (id: number) => PairPorts | null,
    private readonly focus: Set<number> | null,
  ) {
    this.index = new Map(peers.map((p, i) => [p.id, i]));
  }

  /** Ports from one peer to another (null: nothing allowed, nothing unknown, or not computed). */
  /** Ports for a raw result id (see cellId). */
  portsOf(id: number): PairPorts | null {
    return id < 0 ? null : this.ports(id);
  }

  pair(src: PeerId, dst: PeerId): PairPorts | null {
    const s = this.index.get(src);
    const d = this.index.get(dst);
    if (s === undefined || d === undefined) return null;
    const id = this.cells[s * this.peers.length + d];
    return id < 0 ? null : this.ports(id);
  }

  /** Raw result id of a pair by peer positions (-1: not computed). Equal ids, equal ports. */
  cellId(s: number, d: number): number {
    return this.cells[s * this.peers.length + d];
  }

  /** Ports of a pair by peer positions (null: nothing, or not computed). */
  at(s: number, d: number): PairPorts | null {
    const id = this.cells[s * this.peers.length + d];
    return id < 0 ? null : this.ports(id);
  }

  forEachConnection(fn: (src: AnalyzePeer, dst: AnalyzePeer, ports: PairPorts) => void): void {
    const G = this.peers.length;
    for (let s = 0; s < G; s++)
      for (let d = 0; d < G; d++) {
        const id = this.cells[s * G + d];
        if (id < 0) continue;
        const t = this.ports(id);
        if (t) fn(this.peers[s], this.peers[d], t);
      }
  }

  toResult(): AnalyzeResult {
    const connections: AnalyzeConnection[] = [];
    const G = this.peers.length;
    for (let s = 0; s < G; s++) {
      const src = this.peers[s].id;
      for (let d = 0; d < G; d++) {
        const id = this.cells[s * G + d];
        if (id < 0) continue;
        const t = this.ports(id);
        if (!t) continue;
        connections.push(t.unknown ? { src, dst: this.peers[d].id, allowed: t.allowed, unknown: t.unknown } : { src, dst: this.peers[d].id, allowed: t.allowed });
      }
    }
    const used = this.focus ? new Set(connections.flatMap((c) => [c.src, c.dst])) : null;
    const peers = this.peers.filter((p, i) => !used || used.has(p.id) || this.focus!.has(i));
    return { peers, connections };
  }
}

export function computeMatrix(core: PolicyEngineCore, opts: MatrixOptions = {}): AnalyzeResult {
  return computeConnectivity(core, opts).toResult();
}
