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

/**
 * Identity of a connection read straight from its text line, without parsing it: protocol, the
 * original tuple (counters and flags stripped), zone and conntrack id. Stable across samples of
 * one node (same tool, same format); undefined for lines that are not entries.
 */
export function conntrackLineKey(line: string): { key: string; unreplied: boolean } | undefined {
  const first = line.indexOf('src=');
  if (first < 0) return undefined;
  const second = line.indexOf(' src=', first + 4);
  if (second < 0) return undefined;
  let end = second;
  const packets = line.indexOf(' packets=', first);
  if (packets >= 0 && packets < end) end = packets;
  const unrepliedAt = line.indexOf(' [UNREPLIED]', first);
  const unreplied = unrepliedAt >= 0 && unrepliedAt < second;
  if (unreplied && unrepliedAt < end) end = unrepliedAt;
  // The protocol: the words before the timeout ("ipv4 2 tcp 6" or "tcp 6"), spacing collapsed.
  let head = '';
  let pos = 0;
  let words = 0;
  const need = line.startsWith('ipv') ? 4 : 2;
  while (words < need && pos < first) {
    while (pos < first && (line.charCodeAt(pos) === 32 || line.charCodeAt(pos) === 9)) pos++;
    const s = pos;
    while (pos < first && line.charCodeAt(pos) !== 32 && line.charCodeAt(pos) !== 9) pos++;
    head += line.slice(s, pos) + ' ';
    words++;
  }
  let tail = '';
  const zone = line.indexOf(' zone=', second);
  if (zone >= 0) {
    const z = line.indexOf(' ', zone + 1);
    tail += line.slice(zone, z < 0 ? line.length : z);
  }
  const use = line.indexOf(' use=', second);
  const id = line.lastIndexOf(' id=');
  if (id > use && use >= 0) {
    const z = line.indexOf(' ', id + 1);
    tail += line.slice(id, z < 0 ? line.length : z);
  }
  return { key: head + line.slice(first, end) + tail, unreplied };
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
      repeat: (key, unreplied) => {
        const status = unreplied ? UNREPLIED : REPLIED;
        const before = prev?.get(key);
        if (before === undefined || before < status) return false;
        stats.entries++;
        stats.repeated++;
        if (next.size < max) next.set(key, status);
        else stats.untracked++;
        return true;
      },
      add: (e, givenKey) => {
        stats.entries++;
        const key = givenKey ?? conntrackKey(e);
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
  /**
   * Fast path for a line seen in the previous sample: true (and remembered) when `key` was there
   * with at least this reply status, so the line need not be parsed. Keys must come from the
   * same function for every sample of a node (see conntrackLineKey).
   */
  repeat(key: string, unreplied: boolean): boolean;
  /** A parsed entry; `key` overrides conntrackKey(entry) (use the line key when repeat() is used). */
  add(entry: ConntrackEntry, key?: string): void;
  finish(complete: boolean): SampleStats;
}
