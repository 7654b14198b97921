/**
 * Conntrack entries -> FlowRecords (source "probe"). The original tuple names the initiator; the
 * reply tuple names who really answers, so a ClusterIP or NodePort DNAT resolves to the service
 * (dstService) and its backend pod (dst, backend port). An unreplied entry is a hint of a drop,
 * never a verdict: verdict UNKNOWN with noReply, FORWARDED only once a reply was seen.
 *
 * A conntrack table is sampled repeatedly, so a long connection appears in many samples: the
 * mapper remembers the previous sample's entries per node and emits a flow only for entries new
 * since then (same tuple + conntrack id), or when an unreplied entry got its reply.
 */
import { KUBE_APISERVER } from '../model/ids.js';
import type { FlowEndpoint, FlowRecord } from '../model/types.js';
import { AddressIndex, isLoopback, type Inventory } from './address-index.js';
import type { ConntrackEntry } from './conntrack-parse.js';

const KUBERNETES_SERVICE = 'default/kubernetes';

/** Maps one entry seen on `node` at `time`; null for loopback-only chatter. */
export function flowFromConntrack(entry: ConntrackEntry, index: AddressIndex, node: string | undefined, time: number): FlowRecord | null {
  const o = entry.original;
  const r = entry.reply;
  if (isLoopback(o.src) && isLoopback(o.dst)) return null;
  const src = index.endpoint(o.src, o.sport);
  const hit = index.service(o.dst, entry.protocol, o.dport);
  // DNAT: the reply comes from someone other than the address dialled (service backend, hostPort).
  const translated = hit !== undefined || r.src !== o.dst;
  let dst: FlowEndpoint;
  let port: number | undefined;
  if (translated) {
    port = r.sport;
    dst = index.endpoint(r.src, r.sport);
    if (hit?.key === KUBERNETES_SERVICE) dst = { peer: KUBE_APISERVER, ip: r.src, port };
  } else {
    port = o.dport;
    dst = index.endpoint(o.dst, o.dport);
  }
  const counted = o.packets !== undefined || r.packets !== undefined;
  // One object shape for every probe flow (absent fields are undefined, not missing).
  return {
    time,
    source: 'probe',
    src,
    dst,
    protocol: entry.protocol,
    port,
    verdict: entry.unreplied ? 'UNKNOWN' : 'FORWARDED',
    dstService: hit?.key,
    node,
    noReply: entry.unreplied ? true : undefined,
    bytes: counted ? (o.bytes ?? 0) + (r.bytes ?? 0) : undefined,
    packets: counted ? (o.packets ?? 0) + (r.packets ?? 0) : undefined,
  };
}

/** Identity of a connection across samples: protocol, zone, original tuple, conntrack id. */
export function conntrackKey(e: ConntrackEntry): string {
  const o = e.original;
  return `${e.protoNum}|${e.zone ?? ''}|${o.src}|${o.sport ?? o.icmpId ?? ''}|${o.dst}|${o.dport ?? o.icmpType ?? ''}|${e.id ?? ''}`;
}

export interface ConntrackFlowMapperOptions {
  /** Connections remembered per node for dedupe; beyond it entries may be counted again. Default 262,144. */
  maxTrackedPerNode?: number;
}

export interface SampleStats {
  entries: number;
  emitted: number;
  repeated: number;
  ignored: number;
  /** Entries not remembered because the node's table exceeded maxTrackedPerNode. */
  untracked: number;
}

const REPLIED = 1;
const UNREPLIED = 0;

export class ConntrackFlowMapper {
  private index: AddressIndex;
  private readonly previous = new Map<string, Map<string, number>>();
  private readonly maxTracked: number;

  constructor(inventory: Inventory, opts: ConntrackFlowMapperOptions = {}) {
    this.index = new AddressIndex(inventory);
    this.maxTracked = opts.maxTrackedPerNode ?? 262_144;
  }

  /** The inventory changed (pods came and went): later samples resolve against the new one. */
  setInventory(inventory: Inventory): void {
    this.index = new AddressIndex(inventory);
  }

  /** Connections remembered across all nodes (for memory accounting). */
  get trackedCount(): number {
    let n = 0;
    for (const m of this.previous.values()) n += m.size;
    return n;
  }

  forgetNode(node: string): void {
    this.previous.delete(node);
  }

  /**
   * One complete table dump from `node`. Calls `emit` for each flow new since the previous
   * sample of that node; returns counts. Entries missing from this sample are forgotten.
   */
  sample(node: string, time: number, entries: Iterable<ConntrackEntry>, emit: (flow: FlowRecord) => void): SampleStats {
    const s = this.beginSample(node, time, emit);
    for (const e of entries) s.add(e);
    return s.finish(true);
  }

  /**
   * A sample fed entry by entry, so a large table is never held in memory. finish(false) for a
   * sample cut short (stream ended mid-table): what it saw is merged with the previous sample, so
   * the entries it did not reach are not counted again next time.
   */
  beginSample(node: string, time: number, emit: (flow: FlowRecord) => void): SampleBuilder {
    const prev = this.previous.get(node);
    const next = new Map<string, number>();
    const stats: SampleStats = { entries: 0, emitted: 0, repeated: 0, ignored: 0, untracked: 0 };
    const max = this.maxTracked;
    return {
      add: (e) => {
        stats.entries++;
        const key = conntrackKey(e);
        const status = e.unreplied ? UNREPLIED : REPLIED;
        const before = prev?.get(key);
        if (next.size < max) next.set(key, status);
        else stats.untracked++;
        if (before !== undefined && before >= status) {
          stats.repeated++;
          return;
        }
        const flow = flowFromConntrack(e, this.index, node, time);
        if (!flow) {
          stats.ignored++;
          return;
        }
        stats.emitted++;
        emit(flow);
      },
      finish: (complete) => {
        if (!complete && prev) {
          for (const [k, v] of prev) {
            if (next.size >= max) break;
            if (!next.has(k)) next.set(k, v);
          }
        }
        this.previous.set(node, next);
        return stats;
      },
    };
  }
}

export interface SampleBuilder {
  add(entry: ConntrackEntry): void;
  finish(complete: boolean): SampleStats;
}
