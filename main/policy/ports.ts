/**
 * Port sets per protocol: sorted, disjoint, inclusive intervals flattened as [start, end, start, end...].
 * Every verdict over "which ports" is computed with these, so a single port and the whole port space
 * go through the same code.
 */
import type { Protocol } from '../model/types.js';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
export const MAX_PORT = 65535;

export type Intervals = readonly number[];
export interface PortSet {
  readonly TCP: Intervals;
  readonly UDP: Intervals;
  readonly SCTP: Intervals;
}
export type PortLists = { TCP: string; UDP: string; SCTP: string };

const FULL: Intervals = [1, MAX_PORT];
const NONE: Intervals = [];
export const ALL_PORTS: PortSet = { TCP: FULL, UDP: FULL, SCTP: FULL };
export const NO_PORTS: PortSet = { TCP: NONE, UDP: NONE, SCTP: NONE };

export function portSetOf(protocol: Protocol, from: number, to = from): PortSet {
  return { ...NO_PORTS, [protocol]: [from, to] };
}

export function protocolSet(protocol: Protocol): PortSet {
  return { ...NO_PORTS, [protocol]: FULL };
}

function unionI(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const all: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2) all.push([a[i], a[i + 1]]);
  for (let i = 0; i < b.length; i += 2) all.push([b[i], b[i + 1]]);
  all.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [s, e] of all) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1] + 1) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else out.push(s, e);
  }
  return out;
}

function intersectI(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return NONE;
  if (a === FULL) return b;
  if (b === FULL) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i], b[j]);
    const e = Math.min(a[i + 1], b[j + 1]);
    if (s <= e) out.push(s, e);
    if (a[i + 1] < b[j + 1]) i += 2;
    else j += 2;
  }
  return out;
}

function subtractI(a: Intervals, b: Intervals): Intervals {
  if (a.length === 0 || b.length === 0) return a;
  if (b === FULL) return NONE;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i];
    const e = a[i + 1];
    while (j < b.length && b[j + 1] < s) j += 2;
    let k = j;
    while (k < b.length && b[k] <= e && s <= e) {
      if (b[k] > s) out.push(s, b[k] - 1);
      s = Math.max(s, b[k + 1] + 1);
      k += 2;
    }
    if (s <= e) out.push(s, e);
  }
  return out;
}

export function union(a: PortSet, b: PortSet): PortSet {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { TCP: unionI(a.TCP, b.TCP), UDP: unionI(a.UDP, b.UDP), SCTP: unionI(a.SCTP, b.SCTP) };
}

export function intersect(a: PortSet, b: PortSet): PortSet {
  if (a === ALL_PORTS) return b;
  if (b === ALL_PORTS) return a;
  return { TCP: intersectI(a.TCP, b.TCP), UDP: intersectI(a.UDP, b.UDP), SCTP: intersectI(a.SCTP, b.SCTP) };
}

export function subtract(a: PortSet, b: PortSet): PortSet {
  if (isEmpty(b)) return a;
  return { TCP: subtractI(a.TCP, b.TCP), UDP: subtractI(a.UDP, b.UDP), SCTP: subtractI(a.SCTP, b.SCTP) };
}

export function isEmpty(a: PortSet): boolean {
  return a.TCP.length === 0 && a.UDP.length === 0 && a.SCTP.length === 0;
}

export function isFull(a: PortSet): boolean {
  return PROTOCOLS.every((p) => a[p].length === 2 && a[p][0] === 1 && a[p][1] === MAX_PORT);
}

export function hasPort(a: PortSet, protocol: Protocol, port: number): boolean {
  const iv = a[protocol];
  for (let i = 0; i < iv.length; i += 2) if (port >= iv[i] && port <= iv[i + 1]) return true;
  return false;
}

/** "80,8080-8090"; "" when empty. */
export function formatIntervals(iv: Intervals): string {
  const parts: string[] = [];
  for (let i = 0; i < iv.length; i += 2) parts.push(iv[i] === iv[i + 1] ? `${iv[i]}` : `${iv[i]}-${iv[i + 1]}`);
  return parts.join(',');
}

export function toPortLists(a: PortSet): PortLists {
  return { TCP: formatIntervals(a.TCP), UDP: formatIntervals(a.UDP), SCTP: formatIntervals(a.SCTP) };
}

/** Parses "80,8080-8090" back (used by tests and the what-if diff). */
export function parseIntervals(text: string): Intervals {
  if (!text) return NONE;
  let out: Intervals = NONE;
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    out = unionI(out, [a, b ?? a]);
  }
  return out;
}

export function fromPortLists(l: PortLists): PortSet {
  return { TCP: parseIntervals(l.TCP), UDP: parseIntervals(l.UDP), SCTP: parseIntervals(l.SCTP) };
}

/** Stable text key, for interning and caches. */
export function portSetKey(a: PortSet): string {
  return `${a.TCP.join(',')}|${a.UDP.join(',')}|${a.SCTP.join(',')}`;
}

/** "TCP 80,UDP 53" / "All Connections" / "" : the txt form of the analyze output. */
export function describePorts(a: PortSet): string {
  if (isFull(a)) return 'All Connections';
  const parts: string[] = [];
  for (const p of PROTOCOLS) {
    const iv = a[p];
    if (iv.length === 0) continue;
    parts.push(`${p} ${formatIntervals(iv)}`);
  }
  return parts.join(',');
}

/** Interns port sets so equal sets share one id (the matrix works on ids). */
export class PortSetTable {
  private readonly byKey = new Map<string, number>();
  readonly sets: PortSet[] = [];
  constructor() {
    this.id(NO_PORTS);
    this.id(ALL_PORTS);
  }
  id(a: PortSet): number {
    const k = portSetKey(a);
    let id = this.byKey.get(k);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push(a);
      this.byKey.set(k, id);
    }
    return id;
  }
}
/** The id PortSetTable gives the empty set (its first entry). */
export const NONE_ID = 0;
