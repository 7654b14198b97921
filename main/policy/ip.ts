/** IPv4/IPv6 addresses and CIDRs as bigints; cutting the address space into disjoint ranges. */

export interface IpAddr {
  v6: boolean;
  value: bigint;
}

export interface Cidr {
  v6: boolean;
  start: bigint;
  end: bigint;
  text: string;
}

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) s = s.slice(0, s.indexOf('%'));
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.') && lastColon >= 0) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : [];
  if (halves.length === 2 && head.length + tail.length > 7) return undefined; // also keeps Array() below non-negative
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

export function parseIp(s: string): IpAddr | undefined {
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { v6: true, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { v6: false, value: v };
}

/** Parses "10.0.0.0/8" or a bare address (as /32 or /128). Host bits set are tolerated, as the APIs do. */
export function parseCidr(s: string): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const [addr, bits, extra] = s.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.v6 ? 128 : 32;
  let len = width;
  if (bits !== undefined) {
    if (!/^\d{1,3}$/.test(bits)) return undefined;
    len = Number(bits);
    if (len > width) return undefined;
  }
  const hostBits = BigInt(width - len);
  const mask = (1n << hostBits) - 1n;
  const start = ip.value & ~mask;
  return { v6: ip.v6, start, end: start | mask, text: s.trim() };
}

export function cidrContains(c: Cidr, ip: IpAddr): boolean {
  return c.v6 === ip.v6 && ip.value >= c.start && ip.value <= c.end;
}

/** Whether c covers the whole address family (0.0.0.0/0 or ::/0). */
export function cidrIsWholeFamily(c: Cidr): boolean {
  return c.start === 0n && c.end === (c.v6 ? V6_MAX : V4_MAX);
}

export function formatIp(v6: boolean, value: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 255n)).join('.');
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Compress the longest run of zero groups, as RFC 5952 asks.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export interface IpRange {
  v6: boolean;
  start: bigint;
  end: bigint;
}

/** "10.0.0.0/8" when the range is exactly a CIDR, else "10.0.0.0-10.0.0.9". */
export function formatRange(r: IpRange): string {
  const size = r.end - r.start + 1n;
  if ((size & (size - 1n)) === 0n && (r.start & (size - 1n)) === 0n) {
    let bits = 0;
    while (1n << BigInt(bits) < size) bits++;
    return `${formatIp(r.v6, r.start)}/${(r.v6 ? 128 : 32) - bits}`;
  }
  return `${formatIp(r.v6, r.start)}-${formatIp(r.v6, r.end)}`;
}

/** Cuts each family's address space at every CIDR boundary: the ranges no policy can tell apart inside. */
export function cutAddressSpace(cidrs: Cidr[]): IpRange[] {
  const out: IpRange[] = [];
  for (const v6 of [false, true]) {
    const max = v6 ? V6_MAX : V4_MAX;
    const cuts = new Set<bigint>([0n]);
    for (const c of cidrs) {
      if (c.v6 !== v6) continue;
      cuts.add(c.start);
      if (c.end < max) cuts.add(c.end + 1n);
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < sorted.length; i++) {
      out.push({ v6, start: sorted[i], end: i + 1 < sorted.length ? sorted[i + 1] - 1n : max });
    }
  }
  return out;
}
