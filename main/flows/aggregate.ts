/**
 * Flows -> roads. A road is every flow between the same two aggregated peers (pods folded into
 * their workload), protocol, destination port and verdict. Aggregates are always complete; raw
 * flows are only kept in a bounded ring so memory stays flat under a sustained capture.
 */
import { namespaceId, parsePeerId, roadKey, WORLD } from '../model/ids.js';
import type { FlowRecord, FlowSource, L7Summary, PeerId, RoadAggregate } from '../model/types.js';
import { TopCounter } from './top-counter.js';

export interface RoadAggregatorOptions {
  /** Raw flows kept (newest win). 0 keeps none. Default 10,000. */
  maxRawFlows?: number;
  /** HTTP paths tracked per road (approximate top-k beyond that). Default 20. */
  maxPaths?: number;
  /** DNS names tracked per road. Default 50. */
  maxDnsNames?: number;
  /**
   * Distinct roads kept (memory stays bounded on captures with endless peers, e.g. many world
   * IPs). Beyond it, a flow of a road not yet seen is counted in its district pair's "other"
   * road (namespace -> namespace, same protocol and verdict, no port). Default 100,000.
   */
  maxRoads?: number;
}

export const DEFAULT_MAX_RAW_FLOWS = 10_000;
export const DEFAULT_MAX_ROADS = 100_000;

/** The district a peer is drawn in: its namespace, the world for addresses and names, else itself. */
export function districtOf(peer: PeerId): PeerId {
  const p = parsePeerId(peer);
  if (p.namespace) return namespaceId(p.namespace);
  if (p.type === 'ip' || p.type === 'dns') return WORLD;
  return peer;
}

const DNS_RCODES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
};

/** "NXDOMAIN" for 3; unknown codes keep their number so nothing is hidden. */
export function dnsRcodeName(rcode: number): string {
  return DNS_RCODES[rcode] ?? String(rcode);
}

interface L7State {
  httpMethods: Map<string, number>;
  httpCodes: Map<string, number>;
  paths: TopCounter;
  dnsNames: TopCounter;
  dnsRcodes: Map<string, number>;
}

// Collections are made when first needed: most roads never see a drop reason or a policy, and a
// capture can hold 100,000 roads.
interface RoadState {
  key: string;
  src: PeerId;
  dst: PeerId;
  protocol: RoadAggregate['protocol'];
  port?: number;
  verdict: RoadAggregate['verdict'];
  dropReasons?: Map<string, number>;
  dstService?: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  allowedBy?: Set<string>;
  deniedBy?: Set<string>;
  /** Staged policies' rules (Goldmane pending traces), created when first met. */
  pendingBy?: Set<string>;
  /** Usually one source; a list (never long: there are four kinds) rather than a Set per road. */
  sources: FlowSource[];
  noReply: number;
  l7?: L7State;
}

const newRoad = (key: string, src: PeerId, dst: PeerId, protocol: RoadAggregate['protocol'], port: number | undefined, verdict: RoadAggregate['verdict'], first: number, last: number): RoadState => ({
  key,
  src,
  dst,
  protocol,
  port,
  verdict,
  dropReasons: undefined,
  dstService: undefined,
  count: 0,
  firstSeen: first,
  lastSeen: last,
  allowedBy: undefined,
  deniedBy: undefined,
  sources: [],
  noReply: 0,
  l7: undefined,
});

const addSource = (r: RoadState, s: FlowSource): void => {
  if (!r.sources.includes(s)) r.sources.push(s);
};

const bump = (m: Map<string, number>, k: string, by = 1): void => {
  m.set(k, (m.get(k) ?? 0) + by);
};

const toRecord = (m: Map<string, number> | undefined): Record<string, number> => {
  const out: Record<string, number> = {};
  if (m) for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
};

/**
 * The road a flow belongs to. Replies are folded into the road of the request they answer
 * (client -> server, server port), so a reply never draws a road to an ephemeral port.
 */
export function roadOf(flow: FlowRecord): { src: PeerId; dst: PeerId; port?: number; key: string } {
  const a = flow.src.workload ?? flow.src.peer;
  const b = flow.dst.workload ?? flow.dst.peer;
  if (flow.isReply === true) {
    const port = flow.src.port ?? flow.port;
    return { src: b, dst: a, port, key: roadKey(b, a, flow.protocol, port, flow.verdict) };
  }
  return { src: a, dst: b, port: flow.port, key: roadKey(a, b, flow.protocol, flow.port, flow.verdict) };
}

export class RoadAggregator {
  private readonly roadsByKey = new Map<string, RoadState>();
  /**
   * The same roads by src, then dst: add() finds a flow's road without building its key string
   * (the key is built once, for a new road). Each list holds the roads of one pair of peers.
   */
  private readonly roadsByPeers = new Map<PeerId, Map<PeerId, RoadState[]>>();
  private readonly ring: (FlowRecord | undefined)[];
  private ringNext = 0;
  private ringSize = 0;
  private total = 0;
  private readonly maxRaw: number;
  private readonly maxPaths: number;
  private readonly maxDnsNames: number;
  private readonly maxRoads: number;
  private overflow = 0;

  constructor(opts: RoadAggregatorOptions = {}) {
    this.maxRoads = Math.max(1, Math.floor(opts.maxRoads ?? DEFAULT_MAX_ROADS));
    this.maxRaw = Math.max(0, Math.floor(opts.maxRawFlows ?? DEFAULT_MAX_RAW_FLOWS));
    this.maxPaths = Math.max(1, opts.maxPaths ?? 20);
    this.maxDnsNames = Math.max(1, opts.maxDnsNames ?? 50);
    this.ring = new Array(this.maxRaw);
  }

  /** Flows added since construction (including those no longer in the raw ring). */
  get flowCount(): number {
    return this.total;
  }

  get roadCount(): number {
    return this.roadsByKey.size;
  }

  /** Flows counted in a district pair's "other" road because the road cap was reached. */
  get overflowFlows(): number {
    return this.overflow;
  }

  /** What the road cap did, for the user; undefined while every road is kept apart. */
  overflowNote(): string | undefined {
    if (!this.overflow) return undefined;
    return `${this.overflow} flow(s) of roads beyond the first ${this.maxRoads} are counted in one "other" road per pair of districts (same protocol and verdict, no port, peers folded to their namespace or the world)`;
  }

  add(flow: FlowRecord): void {
    this.total++;
    if (this.maxRaw > 0) {
      this.ring[this.ringNext] = flow;
      this.ringNext = (this.ringNext + 1) % this.maxRaw;
      if (this.ringSize < this.maxRaw) this.ringSize++;
    }
    // roadOf() inlined: this runs for every flow of a live capture.
    let src: PeerId;
    let dst: PeerId;
    let port: number | undefined;
    if (flow.isReply === true) {
      src = flow.dst.workload ?? flow.dst.peer;
      dst = flow.src.workload ?? flow.src.peer;
      port = flow.src.port ?? flow.port;
    } else {
      src = flow.src.workload ?? flow.src.peer;
      dst = flow.dst.workload ?? flow.dst.peer;
      port = flow.port;
    }
    let road = this.find(src, dst, flow.protocol, port, flow.verdict);
    if (!road) {
      // Not seen under these fields: a new road (or a saved one whose fields differ from its key).
      let key = roadKey(src, dst, flow.protocol, port, flow.verdict);
      road = this.roadsByKey.get(key);
      if (!road && this.roadsByKey.size >= this.maxRoads) {
        // Bounded memory: a new road past the cap goes to its district pair's "other" road.
        src = districtOf(src);
        dst = districtOf(dst);
        port = undefined;
        key = roadKey(src, dst, flow.protocol, port, flow.verdict);
        road = this.find(src, dst, flow.protocol, port, flow.verdict) ?? this.roadsByKey.get(key);
        this.overflow++;
      }
      if (!road) road = this.create(key, src, dst, flow.protocol, port, flow.verdict, flow.time, flow.time);
    }
    road.count++;
    if (flow.time < road.firstSeen) road.firstSeen = flow.time;
    if (flow.time > road.lastSeen) road.lastSeen = flow.time;
    if (road.sources.length !== 1 || road.sources[0] !== flow.source) addSource(road, flow.source);
    if (flow.dropReason) bump((road.dropReasons ??= new Map()), flow.dropReason);
    // A reply's dstService names the client side; only requests name the road's service.
    if (flow.dstService && flow.isReply !== true) road.dstService = flow.dstService;
    if (flow.allowedBy && flow.allowedBy.length) {
      const set = (road.allowedBy ??= new Set());
      for (const p of flow.allowedBy) set.add(p);
    }
    if (flow.deniedBy && flow.deniedBy.length) {
      const set = (road.deniedBy ??= new Set());
      for (const p of flow.deniedBy) set.add(p);
    }
    if (flow.pendingBy?.length) for (const p of flow.pendingBy) (road.pendingBy ??= new Set()).add(p);
    if (flow.noReply) road.noReply++;
    if (flow.l7) this.addL7(road, flow);
  }

  private find(src: PeerId, dst: PeerId, protocol: RoadAggregate['protocol'], port: number | undefined, verdict: RoadAggregate['verdict']): RoadState | undefined {
    const list = this.roadsByPeers.get(src)?.get(dst);
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if ((r.port ?? undefined) === port && r.protocol === protocol && r.verdict === verdict) return r;
    }
    return undefined;
  }

  private create(key: string, src: PeerId, dst: PeerId, protocol: RoadAggregate['protocol'], port: number | undefined, verdict: RoadAggregate['verdict'], first: number, last: number): RoadState {
    const road = newRoad(key, src, dst, protocol, port, verdict, first, last);
    this.roadsByKey.set(key, road);
    let byDst = this.roadsByPeers.get(src);
    if (byDst === undefined) this.roadsByPeers.set(src, (byDst = new Map()));
    const list = byDst.get(dst);
    if (list === undefined) byDst.set(dst, [road]);
    else list.push(road);
    return road;
  }

  addMany(flows: Iterable<FlowRecord>): void {
    for (const f of flows) this.add(f);
  }

  /** Merges an already-aggregated road (e.g. from a saved snapshot) so new flows add to it. */
  addRoad(r: RoadAggregate): void {
    // A saved road's key is the one roadKey() gives its fields (roads are only made that way).
    const road = this.roadsByKey.get(r.key) ?? this.create(r.key, r.src, r.dst, r.protocol, r.port, r.verdict, r.firstSeen, r.lastSeen);
    road.count += r.count;
    this.total += r.count;
    road.firstSeen = Math.min(road.firstSeen, r.firstSeen);
    road.lastSeen = Math.max(road.lastSeen, r.lastSeen);
    for (const [k, n] of Object.entries(r.dropReasons)) bump((road.dropReasons ??= new Map()), k, n);
    if (r.dstService) road.dstService = r.dstService;
    for (const p of r.allowedBy) (road.allowedBy ??= new Set()).add(p);
    for (const p of r.deniedBy) (road.deniedBy ??= new Set()).add(p);
    if (r.pendingBy?.length) for (const p of r.pendingBy) (road.pendingBy ??= new Set()).add(p);
    for (const s of r.sources) addSource(road, s);
    road.noReply += r.noReply ?? 0;
    if (r.l7) {
      const l7 = this.l7State(road);
      for (const [k, n] of Object.entries(r.l7.httpMethods)) bump(l7.httpMethods, k, n);
      for (const [k, n] of Object.entries(r.l7.httpCodes)) bump(l7.httpCodes, k, n);
      for (const [k, n] of Object.entries(r.l7.topPaths)) l7.paths.add(k, n);
      for (const [k, n] of Object.entries(r.l7.dnsNames)) l7.dnsNames.add(k, n);
      for (const [k, n] of Object.entries(r.l7.dnsRcodes)) bump(l7.dnsRcodes, k, n);
    }
  }

  /** All roads, sorted by key (stable output for snapshots and diffs). */
  roads(): RoadAggregate[] {
    const out: RoadAggregate[] = [];
    for (const key of [...this.roadsByKey.keys()].sort()) out.push(this.materialize(this.roadsByKey.get(key)!));
    return out;
  }

  road(key: string): RoadAggregate | undefined {
    const r = this.roadsByKey.get(key);
    return r && this.materialize(r);
  }

  /** The raw flows still held, oldest first. */
  rawFlows(): FlowRecord[] {
    if (this.ringSize < this.maxRaw) return this.ring.slice(0, this.ringSize) as FlowRecord[];
    return [...this.ring.slice(this.ringNext), ...this.ring.slice(0, this.ringNext)] as FlowRecord[];
  }

  /** Raw flows that fell out of the ring. */
  get droppedRawFlows(): number {
    return this.total - this.ringSize;
  }

  clear(): void {
    this.roadsByKey.clear();
    this.roadsByPeers.clear();
    this.overflow = 0;
    this.ring.fill(undefined);
    this.ringNext = 0;
    this.ringSize = 0;
    this.total = 0;
  }

  private l7State(road: RoadState): L7State {
    if (!road.l7) {
      road.l7 = {
        httpMethods: new Map(),
        httpCodes: new Map(),
        paths: new TopCounter(this.maxPaths),
        dnsNames: new TopCounter(this.maxDnsNames),
        dnsRcodes: new Map(),
      };
    }
    return road.l7;
  }

  private addL7(road: RoadState, flow: FlowRecord): void {
    const info = flow.l7!;
    const l7 = this.l7State(road);
    if (info.type === 'http') {
      // Hubble repeats method and url on responses; count them once, on the request.
      if (info.code !== undefined && info.code > 0) bump(l7.httpCodes, String(info.code));
      else {
        if (info.method) bump(l7.httpMethods, info.method);
        if (info.path) l7.paths.add(info.path, 1);
      }
    } else if (info.type === 'dns') {
      if (info.rcode !== undefined) bump(l7.dnsRcodes, dnsRcodeName(info.rcode));
      else if (info.query) l7.dnsNames.add(info.query.replace(/\.$/, ''), 1);
    }
  }

  private materialize(r: RoadState): RoadAggregate {
    const out: RoadAggregate = {
      key: r.key,
      src: r.src,
      dst: r.dst,
      protocol: r.protocol,
      verdict: r.verdict,
      dropReasons: toRecord(r.dropReasons),
      count: r.count,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      allowedBy: r.allowedBy ? [...r.allowedBy].sort() : [],
      deniedBy: r.deniedBy ? [...r.deniedBy].sort() : [],
      sources: [...r.sources].sort(),
    };
    if (r.port !== undefined) out.port = r.port;
    if (r.dstService) out.dstService = r.dstService;
    if (r.pendingBy?.size) out.pendingBy = [...r.pendingBy].sort();
    if (r.noReply > 0) out.noReply = r.noReply;
    if (r.l7) {
      const l7: L7Summary = {
        httpMethods: toRecord(r.l7.httpMethods),
        httpCodes: toRecord(r.l7.httpCodes),
        topPaths: r.l7.paths.top(),
        dnsNames: r.l7.dnsNames.top(),
        dnsRcodes: toRecord(r.l7.dnsRcodes),
      };
      out.l7 = l7;
    }
    return out;
  }
}

/** Pure: the roads of a list of flows. */
export function aggregateFlows(flows: Iterable<FlowRecord>, opts: RoadAggregatorOptions = {}): RoadAggregate[] {
  const agg = new RoadAggregator({ ...opts, maxRawFlows: 0 });
  agg.addMany(flows);
  return agg.roads();
}
