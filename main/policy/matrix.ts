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
import { cutAddressSpace, formatIp, formatRange } from './ip.js';
import type { Endpoint } from './ir.js';
import { ALL_PORTS, NONE_ID, NO_PORTS, intersect, isEmpty, PortSetTable, subtract, toPortLists, union, type PortLists, type PortSet } from './ports.js';

export interface MatrixOptions {
  level?: 'workload' | 'pod';
  /** "ns/name": only connections from or to this workload (or pod at pod level). */
  focus?: string;
  /** Include external IP ranges as peers (default true). */
  includeIpRanges?: boolean;
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

export function computeMatrix(core: PolicyEngineCore, opts: MatrixOptions = {}): AnalyzeResult {
  const { u } = core;
  const n = u.size;
  const level = opts.level ?? 'workload';
  const table = new ResultTable();
  const OPEN = table.id(ALL_PORTS, NO_PORTS);

  // Ingress verdicts per (destination class, source class), by the set of rules that match.
  const ingress = new Int32Array(n * n);
  for (let d = 0; d < n; d++) {
    const plan = core.plan(u.classes[d], 'ingress');
    if (plan.open) {
      ingress.fill(OPEN, d * n, d * n + n);
      continue;
    }
    fillRow(plan, d, true);
  }

  function fillRow(plan: DirPlan, self: number, isIngress: boolean): void {
    const sigs: string[] = new Array(n).fill('');
    plan.all.forEach((r, ri) => {
      r.peer.classes?.forEach((c) => {
        sigs[c] += `${ri}${r.uncertain ? '?' : ''},`;
      });
    });
    const cache = new Map<string, number>();
    const row = isIngress ? ingress : egressRow;
    const base = isIngress ? self * n : 0;
    for (let o = 0; o < n; o++) {
      const dstCls = isIngress ? u.classes[self] : u.classes[o];
      const key = plan.namedPorts && !isIngress ? `${sigs[o]}#${o}` : sigs[o];
      let id = cache.get(key);
      if (id === undefined) {
        const res = evalDirection(plan, { t: 'pod', cls: u.classes[o] }, dstCls, ALL_PORTS, false);
        id = table.id(res.allowed, res.unknown);
        cache.set(key, id);
      }
      row[base + o] = id;
    }
  }

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
    groups.push({ peer, classes, nodeEps });
  }
  groups.sort((a, b) => (a.peer.id < b.peer.id ? -1 : 1));
  const podGroups = groups.length;
  if (opts.includeIpRanges !== false) {
    for (const r of cutAddressSpace(core.cidrs)) {
      const text = formatRange(r);
      groups.push({
        peer: { id: ipId(text), type: 'ipRange', start: formatIp(r.v6, r.start), end: formatIp(r.v6, r.end) },
        classes: [],
        nodeEps: [],
        ext: { t: 'ext', ip: { v6: r.v6, value: r.start }, text },
      });
    }
  }

  let focusIdx: Set<number> | null = null;
  if (opts.focus) {
    const [ns, name] = opts.focus.includes('/') ? opts.focus.split('/', 2) : [undefined, opts.focus];
    focusIdx = new Set();
    groups.forEach((g, i) => {
      if (g.peer.name === name && (ns === undefined || g.peer.namespace === ns)) focusIdx!.add(i);
    });
    if (focusIdx.size === 0) throw new Error(`--focus ${opts.focus}: no such ${level} (give ns/name)`);
  }

  // Egress rows are computed per source class and used at once.
  const egressRow = new Int32Array(n);
  const pairCache = new Map<number, number>();
  const combine = (e: number, i: number): number => {
    if (e === OPEN) return i;
    if (i === OPEN) return e;
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
  // Result id per (source class, destination class): computed lazily row by row.
  const classPair = new Map<number, Int32Array>();
  const rowFor = (s: number): Int32Array => {
    let row = classPair.get(s);
    if (row) return row;
    const plan = core.plan(u.classes[s], 'egress');
    if (plan.open) egressRow.fill(OPEN);
    else fillRow(plan, s, false);
    row = new Int32Array(n);
    for (let d = 0; d < n; d++) row[d] = combine(egressRow[d], ingress[d * n + s]);
    classPair.set(s, row);
    return row;
  };

  const listsCache = new Map<number, PortLists>();
  const lists = (portId: number): PortLists => {
    let l = listsCache.get(portId);
    if (!l) listsCache.set(portId, (l = toPortLists(table.ports.sets[portId])));
    return l;
  };
  const connections: AnalyzeConnection[] = [];
  const emit = (src: Group, dst: Group, allowed: PortSet, unknown: PortSet, aId?: number, uId?: number) => {
    if (isEmpty(allowed) && isEmpty(unknown)) return;
    const c: AnalyzeConnection = { src: src.peer.id, dst: dst.peer.id, allowed: aId !== undefined ? lists(aId) : toPortLists(allowed) };
    if (!isEmpty(unknown)) c.unknown = uId !== undefined ? lists(uId) : toPortLists(unknown);
    connections.push(c);
  };

  const directExt = (src: Group, dst: Group): { allowed: PortSet; unknown: PortSet } => {
    // Pairs involving IP ranges or host-network pods are few: evaluate them directly.
    let allowed = NO_PORTS;
    let unknown = NO_PORTS;
    const ends = (g: Group) => [
      ...g.classes.map((c) => ({ ep: { t: 'pod', cls: u.classes[c] } as Endpoint, label: '' })),
      ...g.nodeEps.map((ep) => ({ ep, label: 'host-network pod', hostNetwork: true })),
      ...(g.ext ? [{ ep: g.ext, label: g.ext.t === 'ext' ? g.ext.text : '' }] : []),
    ];
    for (const s of ends(src))
      for (const d of ends(dst)) {
        const r = core.evalPair(s, d, ALL_PORTS, false);
        allowed = union(allowed, r.allowed);
        unknown = union(unknown, r.unknown);
      }
    return { allowed, unknown: subtract(unknown, allowed) };
  };

  for (let si = 0; si < groups.length; si++) {
    const src = groups[si];
    for (let di = 0; di < groups.length; di++) {
      if (si === di) continue;
      if (focusIdx && !focusIdx.has(si) && !focusIdx.has(di)) continue;
      const dst = groups[di];
      if (src.ext && dst.ext) continue; // outside the cluster on both ends: not ours to judge
      if (si < podGroups && di < podGroups && src.nodeEps.length === 0 && dst.nodeEps.length === 0) {
        if (src.classes.length === 1 && dst.classes.length === 1) {
          const id = rowFor(src.classes[0])[dst.classes[0]];
          const aId = table.allowed[id];
          const uId = table.unknown[id];
          if (aId === NONE_ID && uId === NONE_ID) continue;
          emit(src, dst, table.ports.sets[aId], table.ports.sets[uId], aId, uId);
          continue;
        }
        let allowed = NO_PORTS;
        let unknown = NO_PORTS;
        for (const s of src.classes) {
          const row = rowFor(s);
          for (const d of dst.classes) {
            const id = row[d];
            allowed = union(allowed, table.ports.sets[table.allowed[id]]);
            unknown = union(unknown, table.ports.sets[table.unknown[id]]);
          }
        }
        emit(src, dst, allowed, subtract(unknown, allowed));
        continue;
      }
      const r = directExt(src, dst);
      emit(src, dst, r.allowed, r.unknown);
    }
  }
  const used = focusIdx ? new Set(connections.flatMap((c) => [c.src, c.dst])) : null;
  const peers = groups.map((g) => g.peer).filter((p, i) => !used || used.has(p.id) || focusIdx!.has(i));
  return { peers, connections };
}

