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

/** The same few addresses recur in every sample: remember their normal form (bounded). */
const V6_CACHE = new Map<string, string>();
function normalizedV6(addr: string): string {
  let n = V6_CACHE.get(addr);
  if (n === undefined) {
    n = normalizeIPv6(addr);
    if (V6_CACHE.size >= 65_536) V6_CACHE.clear();
    V6_CACHE.set(addr, n);
  }
  return n;
}

/** Expands the protocol name for numbers the kernel prints as "unknown". */
function protocolOf(name: string): FlowProtocol {
  return PROTOCOLS[name] ?? 'OTHER';
}

/** Result of parsing one line: an entry, null for lines that carry no entry, or an error reason. */
export type ConntrackLineResult = ConntrackEntry | null | { error: string };

const newTuple = (): ConntrackTuple => ({
  src: '',
  dst: '',
  sport: undefined,
  dport: undefined,
  icmpType: undefined,
  icmpCode: undefined,
  icmpId: undefined,
  packets: undefined,
  bytes: undefined,
});

const KNOWN_PROTOS = ['tcp', 'udp', 'icmp', 'icmpv6', 'sctp', 'udplite', 'dccp', 'gre', 'unknown'];
const KNOWN_STATES = ['ESTABLISHED', 'TIME_WAIT', 'SYN_SENT', 'SYN_RECV', 'CLOSE', 'CLOSE_WAIT', 'FIN_WAIT', 'LAST_ACK', 'NONE', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'SHUTDOWN_SENT', 'SHUTDOWN_RECD', 'SHUTDOWN_ACK_SENT'];

/** The word at line[start, end), as one of the known constants when it is one (no new string). */
function interned(known: string[], line: string, start: number, end: number): string {
  const n = end - start;
  for (const k of known) if (k.length === n && line.startsWith(k, start)) return k;
  return line.slice(start, end);
}
const internedProto = (line: string, start: number, end: number) => interned(KNOWN_PROTOS, line, start, end);
const internedState = (line: string, start: number, end: number) => interned(KNOWN_STATES, line, start, end);

const SP = 32;
const TAB = 9;
const CR = 13;
const EQ = 61;
const BRACKET = 91;

const isSpace = (c: number): boolean => c === SP || c === TAB || c === CR;

/** Decimal integer in line[start, end); NaN when not all digits (hex and others go through Number). */
function intAt(line: string, start: number, end: number): number {
  if (end <= start) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) return Number(line.slice(start, end));
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Does the key at line[start, eq) equal `key`? Compared in place, without a substring. */
const keyIs = (line: string, start: number, eq: number, key: string): boolean => eq - start === key.length && line.startsWith(key, start);

/**
 * Parses one line. Blank lines and the tool's summary line
 * ("conntrack v1.4.7 (conntrack-tools): 42 flow entries have been shown.") give null.
 * One pass over the characters; only addresses, the protocol name and the state become strings.
 */
/** Where parseConntrackLine is in its line (one, reused: no closure or state object per line). */
interface Tokenizer {
  line: string;
  len: number;
  pos: number;
  start: number;
  end: number;
  /** The first '=' inside the token (after its first char), or -1: found while finding its end. */
  eq: number;
}
const TOKEN: Tokenizer = { line: '', len: 0, pos: 0, start: 0, end: 0, eq: -1 };

/** Moves to the next token; false at the end of the line. */
function nextToken(t: Tokenizer): boolean {
  const line = t.line;
  const len = t.len;
  let pos = t.pos;
  while (pos < len && isSpace(line.charCodeAt(pos))) pos++;
  if (pos >= len) {
    t.pos = pos;
    return false;
  }
  t.start = pos;
  let eq = -1;
  pos++;
  for (; pos < len; pos++) {
    const c = line.charCodeAt(pos);
    if (c === SP || c === TAB || c === CR) break;
    if (c === EQ && eq < 0) eq = pos;
  }
  t.end = pos;
  t.eq = eq;
  t.pos = pos;
  return true;
}

export function parseConntrackLine(line: string): ConntrackLineResult {
  const t = TOKEN;
  t.line = line;
  t.len = line.length;
  t.pos = 0;
  if (!nextToken(t)) return null;
  if (line.startsWith('conntrack', t.start)) return null;

  let family: 'ipv4' | 'ipv6' | undefined;
  if (t.end - t.start === 4 && (line.startsWith('ipv4', t.start) || line.startsWith('ipv6', t.start))) {
    family = line.charCodeAt(t.start + 3) === 52 ? 'ipv4' : 'ipv6';
    nextToken(t); // l3 protocol number (2 / 10)
    if (!nextToken(t)) return { error: 'expected a protocol name, found the end of the line' };
  }
  // Event-style prefixes ("[NEW]") appear with `conntrack -E`; accept and skip them.
  while (line.charCodeAt(t.start) === BRACKET) if (!nextToken(t)) return { error: 'expected a protocol name, found the end of the line' };

  const protoName = internedProto(line, t.start, t.end);
  if (isDigitCode(protoName.charCodeAt(0))) return { error: `expected a protocol name, found '${protoName}'` };
  const protoNum = nextToken(t) ? intAt(line, t.start, t.end) : NaN;
  if (Number.isNaN(protoNum)) return { error: `protocol '${protoName}' has no protocol number` };
  const timeout = nextToken(t) ? intAt(line, t.start, t.end) : NaN;
  if (Number.isNaN(timeout)) return { error: `'${protoName}' entry has no timeout` };

  // Every field present from the start: one object shape for all entries keeps V8 fast.
  const original: ConntrackTuple = newTuple();
  const reply: ConntrackTuple = newTuple();
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

  while (nextToken(t)) {
    const tokStart = t.start;
    const tokEnd = t.end;
    const c0 = line.charCodeAt(tokStart);
    const eq = t.eq;
    if (eq < 0) {
      if (c0 === BRACKET) {
        if (line.startsWith(FLAG_UNREPLIED, tokStart)) unreplied = true;
        else if (line.startsWith(FLAG_ASSURED, tokStart)) assured = true;
        else if (line.startsWith(FLAG_OFFLOAD, tokStart) || line.startsWith(FLAG_HW_OFFLOAD, tokStart)) offload = true;
        continue;
      }
      // A bare word before the first tuple is the protocol state; "timestamp:" and others are ignored.
      if (srcSeen === 0 && state === undefined) state = internedState(line, tokStart, tokEnd);
      continue;
    }
    const v0 = eq + 1;
    // Dispatch on the key's first letter, then compare in place.
    switch (c0) {
      case 115: // s
        if (keyIs(line, tokStart, eq, 'src')) {
          srcSeen++;
          if (srcSeen === 2) cur = reply;
          else if (srcSeen > 2) return { error: 'more than two tuples on one line' };
          cur.src = line.slice(v0, tokEnd);
        } else if (keyIs(line, tokStart, eq, 'sport')) cur.sport = intAt(line, v0, tokEnd);
        break;
      case 100: // d
        if (keyIs(line, tokStart, eq, 'dst')) cur.dst = line.slice(v0, tokEnd);
        else if (keyIs(line, tokStart, eq, 'dport')) cur.dport = intAt(line, v0, tokEnd);
        break;
      case 116: // t
        if (keyIs(line, tokStart, eq, 'type')) cur.icmpType = intAt(line, v0, tokEnd);
        break;
      case 99: // c
        if (keyIs(line, tokStart, eq, 'code')) cur.icmpCode = intAt(line, v0, tokEnd);
        break;
      case 105: // i
        if (keyIs(line, tokStart, eq, 'id')) {
          // Inside an ICMP tuple "id" is the echo id (printed right after code); after the reply
          // tuple it is the conntrack id (`-o id`).
          if (cur.icmpCode !== undefined && cur.icmpId === undefined && mark === undefined && use === undefined) cur.icmpId = intAt(line, v0, tokEnd);
          else id = intAt(line, v0, tokEnd);
        }
        break;
      case 112: // p
        if (keyIs(line, tokStart, eq, 'packets')) cur.packets = intAt(line, v0, tokEnd);
        break;
      case 98: // b
        if (keyIs(line, tokStart, eq, 'bytes')) cur.bytes = intAt(line, v0, tokEnd);
        break;
      case 109: // m
        if (keyIs(line, tokStart, eq, 'mark')) mark = intAt(line, v0, tokEnd);
        break;
      case 122: // z
        if (keyIs(line, tokStart, eq, 'zone')) zone = intAt(line, v0, tokEnd);
        break;
      case 117: // u
        if (keyIs(line, tokStart, eq, 'use')) use = intAt(line, v0, tokEnd);
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
    original.src = normalizedV6(original.src);
    original.dst = normalizedV6(original.dst);
    reply.src = normalizedV6(reply.src);
    reply.dst = normalizedV6(reply.dst);
  }
  return {
    family: family ?? (v6 ? 'ipv6' : 'ipv4'),
    protocol: protocolOf(protoName),
    protoName,
    protoNum,
    timeout,
    state,
    original,
    reply,
    unreplied,
    assured,
    offload,
    mark,
    zone,
    use,
    id,
  };
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
