/**
 * What the user asks Hubble for (follow / last N / since-until, and simple filters) translated
 * into a GetFlowsRequest with server-side FlowFilters, the way the hubble CLI does it: an
 * endpoint filter matches either end of a flow, so it becomes two filters (from, to).
 */
import type { Verdict } from '../model/types.js';

export interface CaptureFilter {
  /** Flows from or to pods in these namespaces. */
  namespaces?: string[];
  /** "namespace/pod-name-prefix" (a whole namespace with "namespace/"). */
  pods?: string[];
  /** Kubernetes label selectors ("app=cart", "tier in (web,api)") on either end. */
  labels?: string[];
  verdicts?: Verdict[];
  /** "tcp", "udp", "icmp", "http", "dns"... */
  protocols?: string[];
  /** Destination ports. */
  ports?: number[];
}

export interface FlowQuery {
  /** Keep streaming new flows. */
  follow?: boolean;
  /**
   * The last N flows in Relay's buffer (or the first N with `first`). With since, Hubble reads
   * from that time on and stops after N (since takes precedence over first/last).
   */
  last?: number;
  first?: boolean;
  /** Milliseconds since the epoch or a Date. */
  since?: number | Date;
  until?: number | Date;
  include?: CaptureFilter;
  exclude?: CaptureFilter[];
}

export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** Wire-shaped flow.FlowFilter (proto field names). */
export type WireFlowFilter = Record<string, string[] | number[] | boolean[] | string[]>;

export interface WireGetFlowsRequest {
  number?: string;
  first?: boolean;
  follow?: boolean;
  whitelist?: WireFlowFilter[];
  blacklist?: WireFlowFilter[];
  since?: Timestamp;
  until?: Timestamp;
}

export function timestampOf(t: number | Date): Timestamp {
  const ms = typeof t === 'number' ? t : t.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

const VALID_VERDICTS = new Set(['FORWARDED', 'DROPPED', 'ERROR', 'AUDIT', 'REDIRECTED', 'TRACED', 'TRANSLATED']);

export function flowFiltersOf(f: CaptureFilter | undefined): WireFlowFilter[] {
  if (!f) return [];
  const common: WireFlowFilter = {};
  if (f.verdicts?.length) {
    const bad = f.verdicts.filter((v) => !VALID_VERDICTS.has(v));
    if (bad.length) throw new Error(`flow filter: unknown verdict ${bad.join(', ')} (use ${[...VALID_VERDICTS].join(', ')})`);
    common.verdict = [...f.verdicts];
  }
  if (f.protocols?.length) common.protocol = f.protocols.map((p) => p.toLowerCase());
  if (f.ports?.length) {
    const bad = f.ports.filter((p) => !Number.isInteger(p) || p < 1 || p > 65535);
    if (bad.length) throw new Error(`flow filter: port ${bad.join(', ')} is not in 1-65535`);
    common.destination_port = f.ports.map(String);
  }
  const pods = [...(f.namespaces ?? []).map((ns) => `${ns}/`), ...(f.pods ?? [])];
  const labels = f.labels ?? [];
  if (!pods.length && !labels.length) return Object.keys(common).length ? [common] : [];
  const side = (dir: 'source' | 'destination'): WireFlowFilter => {
    const s: WireFlowFilter = { ...common };
    if (pods.length) s[`${dir}_pod`] = pods;
    if (labels.length) s[`${dir}_label`] = labels;
    return s;
  };
  return [side('source'), side('destination')];
}

export function getFlowsRequestOf(q: FlowQuery): WireGetFlowsRequest {
  if (q.first && q.follow) throw new Error('flow query: "first N" cannot be combined with follow');
  const req: WireGetFlowsRequest = {};
  if (q.follow) req.follow = true;
  if (q.last !== undefined) {
    if (!Number.isInteger(q.last) || q.last < 1) throw new Error(`flow query: last must be a positive whole number, got ${q.last}`);
    req.number = String(q.last);
    if (q.first) req.first = true;
  }
  if (q.since !== undefined) req.since = timestampOf(q.since);
  if (q.until !== undefined) req.until = timestampOf(q.until);
  const wl = flowFiltersOf(q.include);
  if (wl.length) req.whitelist = wl;
  const bl = (q.exclude ?? []).flatMap(flowFiltersOf);
  if (bl.length) req.blacklist = bl;
  return req;
}
