/**
 * The connectivity matrix between workloads (or pods) and external IP ranges, computed on
 * equivalence classes: pods with the same namespace, labels and named ports are one pod class;
 * classes no rule peer tells apart are one part; a class's plan per direction is one verdict row
 * over those parts; classes with the same rows and parts are one equivalence class of the
 * matrix, and a workload is usually one of them. Rows of the matrix are spread from there one
 * source at a time, so nothing grows with the square of the peers.
 */
import type { PeerId, PodInfo } from '../model/types.js';
import { ipId, podId } from '../model/ids.js';
import type { PolicyEngineCore } from './engine.js';
import { workloadOfPod } from './engine.js';
import { evalDirection, type DirPlan } from './evaluate.js';
import type { PodClass } from './universe.js';
import { cutAddressSpace, formatIp, formatRange, type Cidr } from './ip.js';
import type { Bitset } from './bitset.js';
import type { Endpoint, PeerMatcher, Tri } from './ir.js';
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

/**
 * A partition of the pod classes: classes in one part are told apart by nothing that matters
 * here. `of[class]` is the part, `rep[part]` a class standing for it.
 */
interface Partition {
  of: Int32Array;
  rep: Int32Array;
  size: number;
}

function partition(n: number, sets: Iterable<Bitset>, extraKey?: Int32Array): Partition {
  const of = new Int32Array(n);
  let next = 1;
  for (const bits of sets) {
    const remap = new Map<number, number>();
    bits.forEach((c) => {
      const g = of[c];
      let ng = remap.get(g);
      if (ng === undefined) remap.set(g, (ng = next++));
      of[c] = ng;
    });
  }
  const dense = new Map<number, number>();
  const rep: number[] = [];
  for (let c = 0; c < n; c++) {
    const k = extraKey ? of[c] * 65536 + extraKey[c] : of[c];
    let p = dense.get(k);
    if (p === undefined) {
      dense.set(k, (p = rep.length));
      rep.push(c);
    }
    of[c] = p;
  }
  return { of, rep: Int32Array.from(rep), size: rep.length };
}

/** Verdicts of one plan over the parts of a partition: `res[idx[part]]` is a result id. */
interface Row {
  uid: number;
  idx: Uint8Array | Uint16Array | Int32Array;
  res: Int32Array;
  plan: DirPlan | null;
  /** The class whose named ports resolve the plan's ports (ingress rows). */
  dst: PodClass | null;
  /** The same plan's verdicts toward (or from) each IP range. */
  ranges?: Row;
}

/**
 * Turns part -> group numbers (groups < bound) into a compact row, evaluating one part per
 * group. Canonical: rows with the same verdict per part are equal arrays, whatever their plans.
 */
/** Scratch arrays of compactRow (rows are made one at a time): fewer large short-lived arrays. */
let scratchLocal = new Int32Array(0);
let scratchTmp = new Int32Array(0);
function compactRow(uid: number, groupOf: Int32Array, bound: number, evalPart: (part: number) => number, plan: DirPlan | null, dst: PodClass | null): Row {
  if (scratchLocal.length < bound) scratchLocal = new Int32Array(Math.max(bound, 2 * scratchLocal.length));
  if (scratchTmp.length < groupOf.length) scratchTmp = new Int32Array(Math.max(groupOf.length, 2 * scratchTmp.length));
  const local = scratchLocal.fill(-1, 0, bound);
  const byResult = new Map<number, number>();
  const res: number[] = [];
  const tmp = scratchTmp.subarray(0, groupOf.length);
  for (let p = 0; p < groupOf.length; p++) {
    const g = groupOf[p];
    let l = local[g];
    if (l < 0) {
      const r = evalPart(p);
      l = byResult.get(r) ?? -1;
      if (l < 0) {
        byResult.set(r, (l = res.length));
        res.push(r);
      }
      local[g] = l;
    }
    tmp[p] = l;
  }
  const idx = res.length <= 256 ? Uint8Array.from(tmp) : res.length <= 65536 ? Uint16Array.from(tmp) : tmp.slice();
  return { uid, idx, res: Int32Array.from(res), plan, dst };
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One Row object per distinct content (verdicts toward pods and toward ranges). */
class RowInterner {
  private readonly byHash = new Map<number, Row[]>();
  intern(row: Row): Row {
    let h = 0x811c9dc5;
    const mix = (a: ArrayLike<number>) => {
      for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 0x01000193);
      h = Math.imul(h ^ a.length, 0x01000193);
    };
    mix(row.res);
    mix(row.idx);
    mix(row.ranges!.res);
    mix(row.ranges!.idx);
    let list = this.byHash.get(h);
    if (!list) this.byHash.set(h, (list = []));
    for (const r of list)
      if (sameArray(r.res, row.res) && sameArray(r.idx, row.idx) && sameArray(r.ranges!.res, row.ranges!.res) && sameArray(r.ranges!.idx, row.ranges!.idx)) return r;
    list.push(row);
    return row;
  }
}

/** How one rule peer answers for each IP range: mostly one value, with the exceptions listed. */
interface RangeVector {
  constant: boolean;
  at: Int32Array;
  val: Uint8Array;
}
const TRI: Record<Tri, number> = { no: 0, yes: 1, unknown: 2 };

export function computeConnectivity(core: PolicyEngineCore, opts: MatrixOptions = {}): ConnectivityMatrix {
  const { u } = core;
  core.indexSelecting();
  const n = u.size;
  const level = opts.level ?? 'workload';
  const table = new ResultTable();
  const OPEN = table.id(ALL_PORTS, NO_PORTS);
  const CLOSED = table.id(NO_PORTS, NO_PORTS);

  // Named ports of a class as a small id: verdicts of rules with named ports depend on it.
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

  // Peer classes: pod classes no rule peer tells apart (as the other end of a connection), and,
  // as a destination, with the same named ports.
  const peerSets = new Set<Bitset>();
  for (const c of core.compiled)
    for (const dir of ['ingress', 'egress'] as const) for (const r of [...c.rules[dir], ...c.denyRules[dir]]) {
        if (r.peer.classes) peerSets.add(r.peer.classes);
        if (r.peer.maybe) peerSets.add(r.peer.maybe);
      }
  const asSrc = partition(n, peerSets);
  const asDst = partition(n, peerSets, portsKeyId);
  // Which parts a rule peer's classes cover (it covers whole parts: the partition refines it).
  const projections = [new Map<Bitset, Int32Array>(), new Map<Bitset, Int32Array>()];
  const seen = new Int32Array(Math.max(asSrc.size, asDst.size)).fill(-1);
  let epoch = 0;
  const project = (bits: Bitset, onto: Partition, which: 0 | 1): Int32Array => {
    let p = projections[which].get(bits);
    if (!p) {
      const parts: number[] = [];
      epoch++;
      bits.forEach((c) => {
        const part = onto.of[c];
        if (seen[part] !== epoch) {
          seen[part] = epoch;
          parts.push(part);
        }
      });
      projections[which].set(bits, (p = Int32Array.from(parts)));
    }
    return p;
  };

  // IP ranges: verdicts depend on the row's plan only (the range is not a pod). Ranges are split
  // by how the plan's address rules answer for them, then evaluated once per part.
  const ranges = opts.includeIpRanges !== false ? cutAddressSpace([...core.cidrs, ...(opts.extraCidrs ?? [])]) : [];
  const R = ranges.length;
  const rangeEps: Endpoint[] = ranges.map((r) => ({ t: 'ext', ip: { v6: r.v6, value: r.start }, text: formatRange(r) }));
  const vectors = new Map<PeerMatcher, RangeVector>();
  const vectorOf = (peer: PeerMatcher): RangeVector => {
    let v = vectors.get(peer);
    if (!v) {
      const vals = new Uint8Array(R);
      const count = [0, 0, 0];
      for (let r = 0; r < R; r++) count[(vals[r] = TRI[peer.other(rangeEps[r])])]++;
      const common = count[0] >= count[1] && count[0] >= count[2] ? 0 : count[1] >= count[2] ? 1 : 2;
      const at: number[] = [];
      for (let r = 0; r < R; r++) if (vals[r] !== common) at.push(r);
      v = { constant: at.length === 0, at: Int32Array.from(at), val: Uint8Array.from(at.map((r) => vals[r])) };
      vectors.set(peer, v);
    }
    return v;
  };
  const OPEN_RANGES: Row = { uid: -1, idx: new Uint8Array(R), res: Int32Array.of(OPEN), plan: null, dst: null };
  const rangeRowOf = (row: Row): Row => {
    if (!row.plan) return OPEN_RANGES;
    {
      const plan = row.plan;
      const groupOf = new Int32Array(R);
      let next = 1;
      for (const r of plan.all) {
        const v = vectorOf(r.peer);
        if (v.constant) continue;
        const remap = new Map<number, number>();
        for (let j = 0; j < v.at.length; j++) {
          const p = v.at[j];
          const k = groupOf[p] * 3 + v.val[j];
          let ng = remap.get(k);
          if (ng === undefined) remap.set(k, (ng = next++));
          groupOf[p] = ng;
        }
      }
      return compactRow(-1, groupOf, next, (p) => {
        const res = evalDirection(plan, rangeEps[p], row.dst, ALL_PORTS, false);
        return table.id(res.allowed, res.unknown);
      }, plan, row.dst);
    }
  };

  let rowUids = 0;
  const openRow = (size: number): Row => ({ uid: rowUids++, idx: new Uint8Array(size), res: Int32Array.of(OPEN), plan: null, dst: null });
  const OPEN_BY_SRC = openRow(asSrc.size);
  const OPEN_BY_DST = openRow(asDst.size);
  OPEN_BY_SRC.ranges = OPEN_BY_DST.ranges = OPEN_RANGES;
  const interners = [new RowInterner(), new RowInterner()];
  interners[0].intern(OPEN_BY_SRC);
  interners[1].intern(OPEN_BY_DST);
  /** Rows of equal content are one row: classes of different plans that decide alike merge. */
  const finish = (row: Row, which: 0 | 1): Row => {
    row.ranges = rangeRowOf(row);
    return interners[which].intern(row);
  };

  /** A plan's verdicts over the parts of `onto`: parts split by which of its rules match them, one evaluation per group. */
  // Scratch arrays of planRow: a group's new number per rule, stamped by rule (no map per rule).
  let stamp = new Int32Array(1024);
  let renumber = new Int32Array(1024);
  let stampEpoch = 0;
  const groupScratch = [new Int32Array(asSrc.size), new Int32Array(asDst.size)];
  const planRow = (plan: DirPlan, fixedDst: PodClass | null, onto: Partition, which: 0 | 1): Row => {
    const groupOf = groupScratch[which].fill(0);
    let groups = 1;
    for (const r of plan.all)
      for (const bits of [r.peer.classes, r.peer.maybe]) {
        if (!bits) continue;
        const parts = project(bits, onto, which);
        // A peer covering every part splits nothing (every group is renumbered alike).
        if (parts.length === onto.size) continue;
        if (groups + parts.length > stamp.length) {
          const size = 2 * (groups + parts.length);
          const s2 = new Int32Array(size);
          s2.set(stamp);
          stamp = s2;
          renumber = new Int32Array(size);
        }
        const epoch = ++stampEpoch;
        for (let j = 0; j < parts.length; j++) {
          const part = parts[j];
          const g = groupOf[part];
          if (stamp[g] !== epoch) {
            stamp[g] = epoch;
            renumber[g] = groups++;
          }
          groupOf[part] = renumber[g];
        }
      }
    // Named ports resolve against each destination: parts with other named ports are other groups.
    if (!fixedDst && plan.namedPorts) {
      const remap = new Map<number, number>();
      for (let part = 0; part < onto.size; part++) {
        const k = groupOf[part] * 65536 + portsKeyId[onto.rep[part]];
        let ng = remap.get(k);
        if (ng === undefined) remap.set(k, (ng = remap.size));
        groupOf[part] = ng;
      }
      groups = remap.size;
    }
    return compactRow(rowUids++, groupOf, groups, (part) => {
      const cls = u.classes[onto.rep[part]];
      const res = evalDirection(plan, { t: 'pod', cls }, fixedDst ?? cls, ALL_PORTS, false);
      return table.id(res.allowed, res.unknown);
    }, plan, fixedDst);
  };

  // Per class: its egress row (over destination parts) and ingress row (over source parts);
  // classes with equal plans (and, for ingress with named ports, equal ports) share rows.
  const rowCache = new Map<number, Row>();
  const egressRow: Row[] = new Array(n);
  const ingressRow: Row[] = new Array(n);
  for (let c = 0; c < n; c++) {
    const cls = u.classes[c];
    const e = core.plan(cls, 'egress');
    if (e.open) egressRow[c] = OPEN_BY_DST;
    else {
      const key = e.id * 2;
      let row = rowCache.get(key);
      if (!row) rowCache.set(key, (row = finish(planRow(e, null, asDst, 1), 1)));
      egressRow[c] = row;
    }
    const i = core.plan(cls, 'ingress');
    if (i.open) ingressRow[c] = OPEN_BY_SRC;
    else {
      const key = (i.id * 65536 + (i.namedPorts ? portsKeyId[c] : 0)) * 2 + 1;
      let row = rowCache.get(key);
      if (!row) rowCache.set(key, (row = finish(planRow(i, cls, asSrc, 0), 0)));
      ingressRow[c] = row;
    }
  }

  // Equivalence classes of the matrix: as a source, a class is its egress row and its source
  // part; as a destination, its ingress row and its destination part. Pods no selector, port or
  // address tells apart share both.
  const srcKeyOf = new Int32Array(n);
  const dstKeyOf = new Int32Array(n);
  const srcRows: Row[] = [];
  const srcPart: number[] = [];
  const dstRows: Row[] = [];
  const dstPart: number[] = [];
  {
    const sk = new Map<number, number>();
    const dk = new Map<number, number>();
    for (let c = 0; c < n; c++) {
      const a = egressRow[c].uid * asSrc.size + asSrc.of[c];
      let s = sk.get(a);
      if (s === undefined) {
        sk.set(a, (s = srcRows.length));
        srcRows.push(egressRow[c]);
        srcPart.push(asSrc.of[c]);
      }
      srcKeyOf[c] = s;
      const b = ingressRow[c].uid * asDst.size + asDst.of[c];
      let d = dk.get(b);
      if (d === undefined) {
        dk.set(b, (d = dstRows.length));
        dstRows.push(ingressRow[c]);
        dstPart.push(asDst.of[c]);
      }
      dstKeyOf[c] = d;
    }
  }
  const D = dstRows.length;
  const dstPartArr = Int32Array.from(dstPart);
  const toRange = (s: number, r: number): number => {
    const rr = srcRows[s].ranges!;
    return rr.res[rr.idx[r]];
  };
  const fromRange = (r: number, d: number): number => {
    const rr = dstRows[d].ranges!;
    return rr.res[rr.idx[r]];
  };

  // Combining an egress and an ingress result: a dense cache sized to the results met (up to
  // 2,048 of them), a map beyond.
  let DENSE = 0;
  let dense = new Int32Array(0);
  const pairCache = new Map<number, number>();
  const combineSlow = (e: number, i: number): number => {
    const ea = table.ports.sets[table.allowed[e]];
    const eu = table.ports.sets[table.unknown[e]];
    const ia = table.ports.sets[table.allowed[i]];
    const iu = table.ports.sets[table.unknown[i]];
    const a = intersect(ea, ia);
    return table.id(a, subtract(intersect(union(ea, eu), union(ia, iu)), a));
  };
  const combine = (e: number, i: number): number => {
    if (e === OPEN || i === CLOSED) return i;
    if (i === OPEN || e === CLOSED) return e;
    if ((e >= DENSE || i >= DENSE) && DENSE < 2048) {
      DENSE = Math.min(2048, Math.max(64, DENSE * 2, 2 ** Math.ceil(Math.log2(Math.max(e, i) + 1))));
      dense = new Int32Array(DENSE * DENSE).fill(-1);
    }
    if (e < DENSE && i < DENSE) {
      const k = e * DENSE + i;
      let id = dense[k];
      if (id < 0) dense[k] = id = combineSlow(e, i);
      return id;
    }
    const k = e * 1_000_003 + i;
    let id = pairCache.get(k);
    if (id === undefined) pairCache.set(k, (id = combineSlow(e, i)));
    return id;
  };

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

  // One source equivalence class against every destination one; kept while memory allows.
  const columns = new Map<number, Int32Array>();
  let columnCells = 0;
  const COLUMN_BUDGET = 1 << 25;
  const columnOf = (s: number): Int32Array => {
    let col = columns.get(s);
    if (col) return col;
    col = new Int32Array(D);
    const eRow = srcRows[s];
    const eIdx = eRow.idx;
    const eRes = eRow.res;
    const part = srcPart[s];
    for (let k = 0; k < D; k++) {
      const ir = dstRows[k];
      col[k] = combine(eRes[eIdx[dstPartArr[k]]], ir.res[ir.idx[part]]);
    }
    if (columnCells + D > COLUMN_BUDGET) {
      columns.clear();
      columnCells = 0;
    }
    columns.set(s, col);
    columnCells += D;
    return col;
  };

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
    const classes = [...new Set(pods.filter((p) => !core.asNode(p)).map((p) => u.podClass.get(`${p.namespace}/${p.name}`)!.id))];
    const nodeEps: Endpoint[] = pods.filter((p) => core.asNode(p)).map((p) => core.hostNetworkEndpoint(p));
    const peer: AnalyzePeer =
      level === 'pod'
        ? { id, type: 'pod', namespace: p0.namespace, name: p0.name, kind: p0.owner?.kind ?? 'Pod' }
        : { id, type: 'workload', namespace: p0.namespace, name: p0.owner?.name ?? p0.name, kind: p0.owner?.kind ?? 'Pod', pods: pods.map((p) => p.name).sort() };
    groups.push({ peer, classes, nodeEps, pods });
  }
  groups.sort((a, b) => (a.peer.id < b.peer.id ? -1 : 1));
  const podGroups = groups.length;

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

  // Per group: its equivalence classes as a source and as a destination, or a range index, or
  // "evaluate directly" (host-network pods).
  const G = groups.length;
  const srcReps: number[][] = groups.map((g) => [...new Set(g.classes.map((c) => srcKeyOf[c]))]);
  const dstReps: number[][] = groups.map((g) => [...new Set(g.classes.map((c) => dstKeyOf[c]))]);
  const dstSingle = new Int32Array(G).fill(-1);
  const rangeOf = new Int32Array(G).fill(-1);
  const direct = new Uint8Array(G);
  groups.forEach((g, i) => {
    if (i >= podGroups) rangeOf[i] = i - podGroups;
    else if (g.nodeEps.length) direct[i] = 1;
    else if (dstReps[i].length === 1) dstSingle[i] = dstReps[i][0];
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
      const asNode = core.asNode(p);
      const nodeEp = asNode ? core.hostNetworkEndpoint(p) : undefined;
      const key = nodeEp && nodeEp.t === 'node'
        ? `n:${p.node ?? ''}:${nodeEp.ips.map((ip) => `${ip.v6}/${ip.value}`).join(',')}`
        : `c:${u.podClass.get(`${p.namespace}/${p.name}`)!.id}:${p.node ?? ''}`;
      if (byKey.has(key)) continue;
      const ep: Endpoint = nodeEp ?? { t: 'pod', cls: u.podClass.get(`${p.namespace}/${p.name}`)!, pod: p };
      byKey.set(key, { key, peer: { ep, label: p.name, hostNetwork: asNode || undefined, pod: p } });
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

  /** Result id of one ordered pair of groups. */
  const pairId = (si: number, di: number, cols: Int32Array[] | null): number => {
    const rs = rangeOf[si];
    const rd = rangeOf[di];
    if (rs >= 0 && rd >= 0) return CLOSED; // outside the cluster on both ends: not ours to judge
    if (direct[si] || direct[di]) return directPair(groups[si], groups[di]);
    let id = CLOSED;
    if (rd >= 0) {
      for (const s of srcReps[si]) id = unionId(id, toRange(s, rd));
      return id;
    }
    if (rs >= 0) {
      for (const d of dstReps[di]) id = unionId(id, fromRange(rs, d));
      return id;
    }
    for (const col of cols ?? srcReps[si].map(columnOf)) for (const d of dstReps[di]) id = unionId(id, col[d]);
    return id;
  };

  // Sources of the same equivalence classes have the same row but for the two diagonal cells:
  // the last few rows are kept by their classes and copied (neighbours in name order often are).
  const recent: { sig: string; si: number; row: Int32Array }[] = [];
  const directIdx: number[] = [];
  direct.forEach((v, i) => v && directIdx.push(i));
  const sigOf = (si: number): string | null => (direct[si] || rangeOf[si] >= 0 ? null : srcReps[si].join(','));

  /** Every result id of one source group's row (-1: left out), computed on demand. */
  const fillRow = (si: number, row: Int32Array): void => {
    if (focusIdx && !focusIdx.has(si)) {
      row.fill(-1);
      for (const di of focusIdx) if (di !== si) row[di] = pairId(si, di, null);
      return;
    }
    const sig = sigOf(si);
    const hit = sig === null ? undefined : recent.find((r) => r.sig === sig);
    if (hit) {
      row.set(hit.row);
      row[hit.si] = pairId(si, hit.si, null);
      row[si] = -1;
      // Host-network pods are nodes to the rules: equal rows over pods and ranges can still
      // differ toward them (an admin rule allowing every pod, then different fences).
      for (const di of directIdx) if (di !== si) row[di] = pairId(si, di, null);
      return;
    }
    computeRow(si, row);
    if (sig === null) return;
    const keep = recent.length >= 4 ? recent.shift()! : { sig, si, row: new Int32Array(G) };
    keep.sig = sig;
    keep.si = si;
    keep.row.set(row);
    recent.push(keep);
  };

  const computeRow = (si: number, row: Int32Array): void => {
    row.fill(-1);
    const rs = rangeOf[si];
    let cols: Int32Array[] | null = null;
    if (rs >= 0) {
      // From a range: its verdict toward each destination equivalence class, once.
      const col = new Int32Array(D);
      for (let k = 0; k < D; k++) col[k] = fromRange(rs, k);
      cols = [col];
    } else if (!direct[si]) cols = srcReps[si].map(columnOf);
    const col = cols?.length === 1 ? cols[0] : null;
    const s0 = srcReps[si].length === 1 ? srcReps[si][0] : -1;
    for (let di = 0; di < G; di++) {
      if (di === si) continue;
      const d = dstSingle[di];
      const rd = rangeOf[di];
      // The common cases, inlined: one equivalence class on each side, or toward a range.
      if (col && d >= 0) row[di] = col[d];
      else if (rd >= 0 && s0 >= 0 && !direct[si]) row[di] = toRange(s0, rd);
      else if (rs >= 0 && rd < 0 && !direct[di]) {
        let id = CLOSED;
        for (const k of dstReps[di]) id = unionId(id, col![k]);
        row[di] = id;
      } else row[di] = pairId(si, di, rs >= 0 ? null : cols);
    }
  };

  // Sparse rows: a source's connections without visiting every destination. Most cells are
  // closed (an isolated destination admits few sources), so a row is spread from the entries
  // that are not: the destination classes whose ingress row admits the source's part, or those
  // in the parts its egress row reaches, whichever list is shorter; then each such class's groups.
  const nonClosedCache = new Map<Row, Int32Array | null>();
  /** Positions of a row that are not CLOSED, ascending; null when too many to list (dense). */
  const nonClosed = (row: Row): Int32Array | null => {
    let v = nonClosedCache.get(row);
    if (v !== undefined) return v;
    const { idx, res } = row;
    let any = false;
    let all = true;
    for (let l = 0; l < res.length; l++) if (res[l] === CLOSED) all = false;
    else any = true;
    if (!any) v = new Int32Array(0);
    else if (all) v = null; // compact rows hold only results some position has
    else {
      const limit = Math.max(64, idx.length >> 3);
      const out: number[] = [];
      for (let p = 0; p < idx.length && out.length <= limit; p++) if (res[idx[p]] !== CLOSED) out.push(p);
      v = out.length > limit ? null : Int32Array.from(out);
    }
    nonClosedCache.set(row, v);
    return v;
  };
  /** Compressed lists: items of key k are items[start[k]..start[k+1]). */
  interface Lists {
    start: Int32Array;
    items: Int32Array;
  }
  const lists = (keys: number, each: (add: (key: number, item: number) => void) => void): Lists => {
    const start = new Int32Array(keys + 1);
    each((key) => start[key + 1]++);
    for (let k = 0; k < keys; k++) start[k + 1] += start[k];
    const items = new Int32Array(start[keys]);
    const fill = start.slice(0, keys);
    each((key, item) => (items[fill[key]++] = item));
    return { start, items };
  };
  /** Destination classes by the positions (source parts, or ranges) their rows admit; dense rows apart. */
  const admitting = (rowOf: (k: number) => Row, keys: number): { dense: Int32Array; at: Lists } => {
    const dense: number[] = [];
    const open: (Int32Array | null)[] = [];
    for (let k = 0; k < D; k++) {
      const v = nonClosed(rowOf(k));
      open.push(v);
      if (!v) dense.push(k);
    }
    const at = lists(keys, (add) => {
      for (let k = 0; k < D; k++) {
        const v = open[k];
        if (v) for (let j = 0; j < v.length; j++) add(v[j], k);
      }
    });
    return { dense: Int32Array.from(dense), at };
  };
  let ingressBySrcPart: { dense: Int32Array; at: Lists } | undefined;
  let ingressByRange: { dense: Int32Array; at: Lists } | undefined;
  let dstClassesOfPart: Lists | undefined;
  let groupsOfDstClass: Lists | undefined;
  const sparseCols = new Map<number, { k: Int32Array; id: Int32Array }>();
  let sparseCells = 0;
  /** A source equivalence class's cells that are not CLOSED, by destination equivalence class. */
  const sparseColOf = (s: number): { k: Int32Array; id: Int32Array } => {
    let col = sparseCols.get(s);
    if (col) return col;
    ingressBySrcPart ??= admitting((k) => dstRows[k], asSrc.size);
    dstClassesOfPart ??= lists(asDst.size, (add) => {
      for (let k = 0; k < D; k++) add(dstPartArr[k], k);
    });
    const e = srcRows[s];
    const eIdx = e.idx;
    const eRes = e.res;
    const part = srcPart[s];
    const ing = ingressBySrcPart;
    const byPart = dstClassesOfPart;
    const reach = nonClosed(e);
    const aSize = ing.dense.length + ing.at.start[part + 1] - ing.at.start[part];
    let bSize = D;
    if (reach) {
      bSize = 0;
      for (let j = 0; j < reach.length; j++) bSize += byPart.start[reach[j] + 1] - byPart.start[reach[j]];
    }
    const ks: number[] = [];
    const ids: number[] = [];
    const visit = (k: number) => {
      const ir = dstRows[k];
      const id = combine(eRes[eIdx[dstPartArr[k]]], ir.res[ir.idx[part]]);
      if (id !== CLOSED) {
        ks.push(k);
        ids.push(id);
      }
    };
    if (aSize <= bSize) {
      for (let j = 0; j < ing.dense.length; j++) visit(ing.dense[j]);
      for (let j = ing.at.start[part]; j < ing.at.start[part + 1]; j++) visit(ing.at.items[j]);
    } else if (reach) {
      for (let j = 0; j < reach.length; j++) for (let x = byPart.start[reach[j]]; x < byPart.start[reach[j] + 1]; x++) visit(byPart.items[x]);
    } else for (let k = 0; k < D; k++) visit(k);
    col = { k: Int32Array.from(ks), id: Int32Array.from(ids) };
    if (sparseCells + ks.length > COLUMN_BUDGET) {
      sparseCols.clear();
      sparseCells = 0;
    }
    sparseCols.set(s, col);
    sparseCells += ks.length;
    return col;
  };
  const acc = new Int32Array(G).fill(-1);
  /**
   * The cells of one source group's row that may hold something (and no other), as destination
   * positions (any order) and result ids; null: not listed sparsely (the dense row is used).
   */
  const sparseRow = (si: number): { dst: Int32Array; id: Int32Array } | null => {
    if (direct[si]) return null;
    const touched: number[] = [];
    const put = (di: number, id: number) => {
      if (di === si) return;
      const was = acc[di];
      if (was < 0) {
        touched.push(di);
        acc[di] = id;
      } else acc[di] = unionId(was, id);
    };
    if (focusIdx && !focusIdx.has(si)) {
      for (const di of focusIdx) if (di !== si) put(di, pairId(si, di, null));
    } else {
      groupsOfDstClass ??= lists(D, (add) => {
        for (let di = 0; di < podGroups; di++) if (!direct[di]) for (const d of dstReps[di]) add(d, di);
      });
      const byClass = groupsOfDstClass;
      const spread = (k: number, id: number) => {
        for (let x = byClass.start[k]; x < byClass.start[k + 1]; x++) put(byClass.items[x], id);
      };
      const rs = rangeOf[si];
      if (rs >= 0) {
        // From a range: the destination classes whose ingress admits it.
        ingressByRange ??= admitting((k) => dstRows[k].ranges!, R);
        const visit = (k: number) => {
          const id = fromRange(rs, k);
          if (id !== CLOSED) spread(k, id);
        };
        for (let j = 0; j < ingressByRange.dense.length; j++) visit(ingressByRange.dense[j]);
        for (let j = ingressByRange.at.start[rs]; j < ingressByRange.at.start[rs + 1]; j++) visit(ingressByRange.at.items[j]);
      } else {
        for (const s of srcReps[si]) {
          const col = sparseColOf(s);
          for (let j = 0; j < col.k.length; j++) spread(col.k[j], col.id[j]);
          // Toward the ranges its egress reaches.
          const rr = srcRows[s].ranges!;
          const reach = nonClosed(rr);
          if (reach) for (let j = 0; j < reach.length; j++) put(podGroups + reach[j], rr.res[rr.idx[reach[j]]]);
          else for (let r = 0; r < R; r++) put(podGroups + r, rr.res[rr.idx[r]]);
        }
      }
      for (const di of directIdx) if (di !== si) put(di, pairId(si, di, null));
    }
    const dst = Int32Array.from(touched);
    const id = new Int32Array(touched.length);
    for (let j = 0; j < touched.length; j++) {
      id[j] = acc[touched[j]];
      acc[touched[j]] = -1;
    }
    return { dst, id };
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
  return new ConnectivityMatrix(groups.map((g) => g.peer), fillRow, template, focusIdx, sparseRow);
}

export interface PairPorts {
  allowed: PortLists;
  unknown?: PortLists;
}

/**
 * The matrix in compact form: result ids per ordered pair of peers, computed a source row at a
 * time (nothing of size peers² is ever held). `pair()` answers one cell; `connections()` streams
 * them; `toResult()` builds the JSON-ready form (port-list objects are shared between
 * connections: treat them as read-only).
 */
export class ConnectivityMatrix {
  private readonly index: Map<PeerId, number>;
  private readonly rows: { si: number; row: Int32Array }[] = [];
  constructor(
    readonly peers: AnalyzePeer[],
    private readonly fill: (si: number, row: Int32Array) => void,
    private readonly ports: (id: number) => PairPorts | null,
    private readonly focus: Set<number> | null,
    /** A row's cells that may hold something, in any order (null: use the dense row). */
    private readonly sparse: (si: number) => { dst: Int32Array; id: Int32Array } | null = () => null,
  ) {
    this.index = new Map(peers.map((p, i) => [p.id, i]));
  }

  /** Result ids of one source's row (-1: left out); the last two rows asked are kept. */
  row(si: number): Int32Array {
    const hit = this.rows.find((r) => r.si === si);
    if (hit) return hit.row;
    const reuse = this.rows.length >= 2 ? this.rows.shift()!.row : new Int32Array(this.peers.length);
    this.fill(si, reuse);
    this.rows.push({ si, row: reuse });
    return reuse;
  }

  /** Ports for a raw result id (see cellId). */
  portsOf(id: number): PairPorts | null {
    return id < 0 ? null : this.ports(id);
  }

  /** Ports from one peer to another (null: nothing allowed, nothing unknown, or not computed). */
  pair(src: PeerId, dst: PeerId): PairPorts | null {
    const s = this.index.get(src);
    const d = this.index.get(dst);
    if (s === undefined || d === undefined) return null;
    return this.portsOf(this.row(s)[d]);
  }

  /** Raw result id of a pair by peer positions (-1: not computed). Equal ids, equal ports. */
  cellId(s: number, d: number): number {
    return this.row(s)[d];
  }

  /** Ports of a pair by peer positions (null: nothing, or not computed). */
  at(s: number, d: number): PairPorts | null {
    return this.portsOf(this.row(s)[d]);
  }

  /**
   * The cells of source `s` that may hold something (result ids; -1 and nothing-allowed ones are
   * skipped by the callers), destinations ascending by `rank` (peer position when absent);
   * `dst` null: every destination, `id` indexed by peer position.
   */
  private cellsOf(s: number, order: readonly number[] | undefined, rank: Int32Array | null): { dst: Int32Array | null; id: Int32Array } {
    const sp = this.sparse(s);
    if (!sp) {
      const row = this.row(s);
      if (!order) return { dst: null, id: row };
      const dst = Int32Array.from(order);
      const id = new Int32Array(dst.length);
      for (let b = 0; b < dst.length; b++) id[b] = row[dst[b]];
      return { dst, id };
    }
    // Sorted by rank with the entry's position packed below it (peer counts stay below 2^22);
    // destinations not in `order` are left out.
    const keys: number[] = [];
    for (let j = 0; j < sp.dst.length; j++) {
      const r = rank ? rank[sp.dst[j]] : sp.dst[j];
      if (r >= 0) keys.push(r * 4194304 + j);
    }
    const sorted = Float64Array.from(keys).sort();
    const dst = new Int32Array(sorted.length);
    const id = new Int32Array(sorted.length);
    for (let j = 0; j < sorted.length; j++) {
      const at = sorted[j] % 4194304;
      dst[j] = sp.dst[at];
      id[j] = sp.id[at];
    }
    return { dst, id };
  }

  /**
   * Every connection (pairs with something allowed or unknown), sources then destinations in
   * `order` (peer positions; default: peers order), one row in memory at a time.
   */
  *connections(order?: readonly number[]): Generator<AnalyzeConnection, void, undefined> {
    // Rows are spread sparsely: only the cells that may hold something are visited.
    const n = order ? order.length : this.peers.length;
    let rank: Int32Array | null = null;
    if (order) {
      rank = new Int32Array(this.peers.length).fill(-1);
      order.forEach((d, b) => (rank![d] = b));
    }
    const known: (PairPorts | null | undefined)[] = [];
    for (let a = 0; a < n; a++) {
      const s = order ? order[a] : a;
      const cells = this.cellsOf(s, order, rank);
      const src = this.peers[s].id;
      for (let j = 0; j < cells.id.length; j++) {
        const id = cells.id[j];
        if (id < 0) continue;
        let t = known[id];
        if (t === undefined) t = known[id] = this.ports(id);
        if (!t) continue;
        const d = cells.dst ? cells.dst[j] : j;
        yield t.unknown ? { src, dst: this.peers[d].id, allowed: t.allowed, unknown: t.unknown } : { src, dst: this.peers[d].id, allowed: t.allowed };
      }
    }
  }

  forEachConnection(fn: (src: AnalyzePeer, dst: AnalyzePeer, ports: PairPorts) => void): void {
    const G = this.peers.length;
    for (let s = 0; s < G; s++) {
      const cells = this.cellsOf(s, undefined, null);
      for (let j = 0; j < cells.id.length; j++) {
        const id = cells.id[j];
        if (id < 0) continue;
        const t = this.ports(id);
        if (t) fn(this.peers[s], this.peers[cells.dst ? cells.dst[j] : j], t);
      }
    }
  }

  /** Peers a result lists: all, or with a focus those in a connection and the focused ones. */
  private listedPeers(connections: readonly AnalyzeConnection[]): AnalyzePeer[] {
    if (!this.focus) return this.peers;
    const used = new Set(connections.flatMap((c) => [c.src, c.dst]));
    return this.peers.filter((p, i) => used.has(p.id) || this.focus!.has(i));
  }

  toResult(): AnalyzeResult {
    const connections = [...this.connections()];
    return { peers: this.listedPeers(connections), connections };
  }
}

export function computeMatrix(core: PolicyEngineCore, opts: MatrixOptions = {}): AnalyzeResult {
  return computeConnectivity(core, opts).toResult();
}
