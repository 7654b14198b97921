/**
 * Parses connection-tracking tables as printed by `conntrack -L -o extended[,id]` (conntrack-tools)
 * and by the kernel in /proc/net/nf_conntrack. Both print one connection a line:
 *
 *   ipv4 2 tcp 6 431999 ESTABLISHED src=A dst=B sport=P dport=Q [packets=N bytes=M] [UNREPLIED]
 *     src=B dst=A sport=Q dport=P [packets=N bytes=M] [ASSURED] [OFFLOAD] mark=0 [secctx=..] [zone=N] use=1 [id=N]
 *
 * The first tuple is the original direction (as the initiator sent it), the second the expected
 * reply (after NAT: a DNAT'd ClusterIP shows the chosen backend as the reply source). The plain
 * `conntrack -L` form omits the leading "ipv4 2"; the family is then read from the address.
 * The kernel prints IPv6 uncompressed (%pI6), the tool compressed: both are normalised to
 * RFC 5952 so they match the addresses Kubernetes reports.
 *
 * Written for speed (hundreds of thousands of lines a second): one pass over each line, no regex.
 */
import type { FlowProtocol } from '../model/types.js';

export interface ConntrackTuple {
  src: string;
  dst: string;
  /** TCP/UDP/SCTP/DCCP/UDPLITE ports. */
  sport?: number;
  dport?: number;
  /** ICMP / ICMPv6 fields. */
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** Present when accounting is on (nf_conntrack_acct=1). */
  packets?: number;
  bytes?: number;
}

export interface ConntrackEntry {
  family: 'ipv4' | 'ipv6';
  /** Normalised protocol for the flow model; OTHER for GRE and unknown protocols. */
  protocol: FlowProtocol;
  /** Protocol name as printed ("tcp", "gre", "unknown"). */
  protoName: string;
  protoNum: number;
  /** Seconds until the entry expires. */
  timeout: number;
  /** TCP / SCTP / DCCP state (ESTABLISHED, SYN_SENT, COOKIE_ECHOED...); absent for UDP/ICMP. */
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  /** No packet seen in the reply direction yet. */
  unreplied: boolean;
  /** Traffic seen both ways often enough that the kernel will not evict it early. */
  assured: boolean;
  offload?: boolean;
  mark?: number;
  zone?: number;
  use?: number;
  /** Kernel conntrack id (printed by `-o id`): distinguishes a reused tuple. */
  id?: number;
}

export interface ConntrackParseError {
  line: number;
  reason: string;
  text: string;
}

export interface ConntrackParseResult {
  entries: ConntrackEntry[];
  errors: ConntrackParseError[];
}

const PROTOCOLS: Record<string, FlowProtocol> = {
  tcp: 'TCP',
  udp: 'UDP',
  udplite: 'UDP',
  sctp: 'SCTP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
};

/** Flags printed in square brackets; the ones NetCity reads are kept as fields. */
const FLAG_UNREPLIED = '[UNREPLIED]';
const FLAG_ASSURED = '[ASSURED]';
const FLAG_OFFLOAD = '[OFFLOAD]';
const FLAG_HW_OFFLOAD = '[HW_OFFLOAD]';

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

/** Fast non-negative integer parse; NaN when not a plain decimal. */
function toInt(s: string): number {
  if (s.length === 0) return NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c)) return Number(s); // hex marks (0x..), large ids: rare path
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * RFC 5952 text form of an IPv6 address: lower case, no leading zeros, longest run (>= 2) of
 * zero groups compressed to "::". Returns the input unchanged when it is not IPv6.
 */
export function normalizeIPv6(addr: string): string {
  if (addr.indexOf(':') < 0) return addr;
  let a = addr.toLowerCase();
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct);
  // Embedded IPv4 tail (::ffff:1.2.3.4) is kept in dotted form, as inet_ntop does.
  let v4Tail = '';
  const lastColon = a.lastIndexOf(':');
  if (a.indexOf('.', lastColon) >= 0) {
    v4Tail = a.slice(lastColon + 1);
    a = a.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = a.indexOf('::');
  let groups: string[];
  if (dbl >= 0) {
    const head = a.slice(0, dbl) ? a.slice(0, dbl).split(':') : [];
    const tail = a.slice(dbl + 2) ? a.slice(dbl + 2).split(':') : [];
    const fill = 8 - head.length - tail.length;
    if (fill < 0) return addr;
    groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  } else {
    groups = a.split(':');
  }
  if (groups.length !== 8) return addr;
  const vals = groups.map((g) => {
    const v = parseInt(g, 16);
    return Number.isNaN(v) ? g : v.toString(16);
  });
  let bestStart = -1;
  let bestLen = 0;
  const limit = v4Tail ? 6 : 8;
  for (let i = 0; i < limit; ) {
    if (vals[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < limit && vals[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const parts = v4Tail ? vals.slice(0, 6) : vals;
  let out: string;
  if (bestLen >= 2) {
    const left = parts.slice(0, bestStart).join(':');
    const right = parts.slice(bestStart + bestLen).join(':');
    out = `${left}::${right}`;
    if (v4Tail) out = right ? `${out}:${v4Tail}` : `${out}${v4Tail}`;
  } else {
    out = parts.join(':');
    if (v4Tail) out = `${out}:${v4Tail}`;
  }
  return out;
}

/** Expands the protocol name for numbers the kernel prints as "unknown". */
function protocolOf(name: string): FlowProtocol {
  return PROTOCOLS[name] ?? 'OTHER';
}

/** Result of parsing one line: an entry, null for lines that carry no entry, or an error reason. */
export type ConntrackLineResult = ConntrackEntry | null | { error: string };

/**
 * Parses one line. Blank lines and the tool's summary line
 * ("conntrack v1.4.7 (conntrack-tools): 42 flow entries have been shown.") give null.
 */
export function parseConntrackLine(line: string): ConntrackLineResult {
  const len = line.length;
  let pos = 0;
  // Tokenise lazily: next() returns the next space-separated token or '' at the end.
  const next = (): string => {
    while (pos < len) {
      const c = line.charCodeAt(pos);
      if (c !== 32 && c !== 9 && c !== 13) break;
      pos++;
    }
    if (pos >= len) return '';
    let end = pos + 1;
    while (end < len) {
      const c = line.charCodeAt(end);
      if (c === 32 || c === 9 || c === 13) break;
      end++;
    }
    const tok = line.slice(pos, end);
    pos = end + 1;
    return tok;
  };

  let tok = next();
  if (tok === '') return null;
  if (tok === 'conntrack' || tok.startsWith('conntrack')) return null;

  let family: 'ipv4' | 'ipv6' | undefined;
  if (tok === 'ipv4' || tok === 'ipv6') {
    family = tok;
    next(); // l3 protocol number (2 / 10)
    tok = next();
  }
  // Event-style prefixes ("[NEW]") appear with `conntrack -E`; accept and skip them.
  while (tok.charCodeAt(0) === 91 /* [ */ && tok !== '') tok = next();

  const protoName = tok;
  if (!protoName || isDigitCode(protoName.charCodeAt(0))) return { error: `expected a protocol name, found '${protoName}'` };
  const protoNum = toInt(next());
  if (Number.isNaN(protoNum)) return { error: `protocol '${protoName}' has no protocol number` };
  const timeout = toInt(next());
  if (Number.isNaN(timeout)) return { error: `'${protoName}' entry has no timeout` };

  const original: ConntrackTuple = { src: '', dst: '' };
  const reply: ConntrackTuple = { src: '', dst: '' };
  let cur = original;
  let srcSeen = 0;
  let state: string | undefined;
  let unreplied = false;
  let assured = false;
  let offload: boolean | undefined;
  let mark: number | undefined;
  let zone: number | undefined;
  let use: number | undefined;
  let id: number | undefined;

  for (tok = next(); tok !== ''; tok = next()) {
    const eq = tok.indexOf('=');
    if (eq < 0) {
      if (tok.charCodeAt(0) === 91 /* [ */) {
        if (tok === FLAG_UNREPLIED) unreplied = true;
        else if (tok === FLAG_ASSURED) assured = true;
        else if (tok === FLAG_OFFLOAD || tok === FLAG_HW_OFFLOAD) offload = true;
        continue;
      }
      // A bare word before the first tuple is the protocol state.
      if (srcSeen === 0 && state === undefined) state = tok;
      // "timestamp:" style words and anything else unknown are ignored.
      continue;
    }
    const key = tok.slice(0, eq);
    const val = tok.slice(eq + 1);
    switch (key) {
      case 'src':
        srcSeen++;
        if (srcSeen === 2) cur = reply;
        else if (srcSeen > 2) return { error: 'more than two tuples on one line' };
        cur.src = val;
        break;
      case 'dst':
        cur.dst = val;
        break;
      case 'sport':
        cur.sport = toInt(val);
        break;
      case 'dport':
        cur.dport = toInt(val);
        break;
      case 'type':
        cur.icmpType = toInt(val);
        break;
      case 'code':
        cur.icmpCode = toInt(val);
        break;
      case 'id':
        // Inside a tuple (ICMP) "id" is the echo id; after the reply tuple's counters it is the
        // conntrack id. ICMP tuples print id right after code, so "code seen and no id yet" decides.
        if (cur.icmpCode !== undefined && cur.icmpId === undefined && (mark === undefined && use === undefined)) {
          cur.icmpId = toInt(val);
        } else {
          id = toInt(val);
        }
        break;
      case 'packets':
        cur.packets = toInt(val);
        break;
      case 'bytes':
        cur.bytes = toInt(val);
        break;
      case 'mark':
        mark = toInt(val);
        break;
      case 'zone':
        zone = toInt(val);
        break;
      case 'use':
        use = toInt(val);
        break;
      default:
        // secctx, labels, helper, delta-time, zone-orig/zone-reply, srckey/dstkey (GRE): not needed.
        break;
    }
  }

  if (srcSeen < 2) return { error: `'${protoName}' entry has ${srcSeen === 0 ? 'no tuples' : 'no reply tuple'}` };
  if (!original.dst || !reply.dst) return { error: `'${protoName}' entry has a tuple without dst=` };
  const v6 = original.src.indexOf(':') >= 0;
  if (v6) {
    original.src = normalizeIPv6(original.src);
    original.dst = normalizeIPv6(original.dst);
    reply.src = normalizeIPv6(reply.src);
    reply.dst = normalizeIPv6(reply.dst);
  }
  const entry: ConntrackEntry = {
    family: family ?? (v6 ? 'ipv6' : 'ipv4'),
    protocol: protocolOf(protoName),
    protoName,
    protoNum,
    timeout,
    original,
    reply,
    unreplied,
    assured,
  };
  if (state !== undefined) entry.state = state;
  if (offload) entry.offload = true;
  if (mark !== undefined) entry.mark = mark;
  if (zone !== undefined) entry.zone = zone;
  if (use !== undefined) entry.use = use;
  if (id !== undefined) entry.id = id;
  return entry;
}

/** Parses a whole table dump; malformed lines are reported with their number, never thrown. */
export function parseConntrack(text: string): ConntrackParseResult {
  const entries: ConntrackEntry[] = [];
  const errors: ConntrackParseError[] = [];
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end);
    const r = parseConntrackLine(line);
    if (r !== null) {
      if ('error' in r) errors.push({ line: lineNo, reason: r.error, text: line.slice(0, 200) });
      else entries.push(r);
    }
    start = end + 1;
  }
  return { entries, errors };
}
