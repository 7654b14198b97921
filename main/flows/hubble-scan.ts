/**
 * Fast path for Hubble JSON lines: a hand-written scanner that reads one GetFlowsResponse line
 * and builds only the part of it that `flowRecordOf` reads (a projection of what `JSON.parse`
 * would return), skipping the rest without building it. The projection then goes through the
 * same `parseHubbleObject` as the full path, so the flow it gives is the same by construction.
 *
 * The scanner validates everything it skips (strings, escapes, numbers, literals, nesting), so a
 * line it accepts is one `JSON.parse` accepts too. Anything it does not handle goes to the full
 * path (`parseHubbleLine`): lines that are not a `{"flow": ...}` response (node status, lost
 * events, bare flows), invalid JSON (for the full path's error message), escapes in keys, a
 * `__proto__` key inside a kept value, nesting deeper than MAX_DEPTH. `scanHubbleLine` says
 * whether a line took the fast path (tests check the real captures do).
 *
 * Strings that are kept are interned (bounded): flows repeat the same labels, names and
 * addresses, and an interned copy does not hold on to the line it was read from.
 */
import { parseHubbleLine, parseHubbleObject, type ParsedLine } from './hubble-json.js';
import { ENDPOINT_MEMO, type FlowMappingOptions } from './hubble-flow.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

/**
 * How a key's value is read: SKIP (validated, not built), FULL (built like JSON.parse, strings
 * interned), ONCE (built, strings not interned: read once, e.g. times), or a Shape (an object
 * read for the listed keys only; a value of another type is built in FULL).
 */
const FULL = 1;
const ONCE = 2;
type Kind = typeof FULL | typeof ONCE | Shape;

class Shape {
  readonly names: string[];
  readonly kinds: Kind[];
  /** (length << 7 | first char) -> indexes into names: a key is found without building its string. */
  private readonly index: (number[] | undefined)[] = new Array(64 << 7);

  /**
   * Objects of this shape repeat whole (an endpoint: the same pod with the same labels, flow after
   * flow): one read per distinct text, then shared from a bounded cache checked against the text.
   */
  readonly cached: boolean;

  constructor(fields: Record<string, Kind>, cached = false) {
    this.cached = cached;
    this.names = Object.keys(fields);
    this.kinds = this.names.map((n) => fields[n]);
    this.names.forEach((n, i) => {
      if (n.length >= 64) throw new Error(`hubble-scan: key ${n} too long`);
      const h = (n.length << 7) | n.charCodeAt(0);
      (this.index[h] ??= []).push(i);
    });
  }

  /** The index of the key s[start, end) (no escapes in it), or -1. */
  find(s: string, start: number, end: number): number {
    const len = end - start;
    if (len === 0 || len >= 64) return -1;
    const list = this.index[(len << 7) | (s.charCodeAt(start) & 0x7f)];
    if (list === undefined) return -1;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      if (s.startsWith(this.names[i], start)) return i;
    }
    return -1;
  }
}

// Exactly the fields hubble-flow.ts flowRecordOf (and what it calls) reads. A field added there
// must be added here too: hubble-scan.test.ts compares both paths on every fixture.
const PORTS = new Shape({ source_port: FULL, destination_port: FULL });
const ENDPOINT = new Shape({ labels: FULL, namespace: FULL, pod_name: FULL, identity: FULL, workloads: FULL }, true);
const FLOW = new Shape({
  time: ONCE,
  verdict: FULL,
  IP: new Shape({ source: FULL, destination: FULL }),
  l4: new Shape({ TCP: PORTS, UDP: PORTS, SCTP: PORTS, ICMPv4: FULL, ICMPv6: FULL }),
  node_name: FULL,
  trace_observation_point: FULL,
  source: ENDPOINT,
  destination: ENDPOINT,
  source_names: FULL,
  destination_names: FULL,
  drop_reason_desc: FULL,
  drop_reason: FULL,
  destination_service: new Shape({ name: FULL, namespace: FULL }),
  egress_allowed_by: FULL,
  ingress_allowed_by: FULL,
  egress_denied_by: FULL,
  ingress_denied_by: FULL,
  l7: new Shape({
    type: FULL,
    http: new Shape({ method: FULL, code: FULL, url: FULL }),
    dns: new Shape({ query: FULL, rcode: FULL }),
    kafka: new Shape({ api_key: FULL, topic: FULL, error_code: FULL }),
  }),
  is_reply: FULL,
  reply: FULL,
});
// parseHubbleObject reads `flow`, `time` and `node_name` of a response that has a flow.
const RESPONSE = new Shape({ flow: FLOW, time: ONCE, node_name: FULL });
const FLOW_KEY = RESPONSE.names.indexOf('flow');

/** Nesting deeper than this goes to JSON.parse (no recursion limits to reason about here). */
const MAX_DEPTH = 64;

/** Thrown (never escapes this module) when the line is left to the full path. */
const FALLBACK = { fallback: true };

/**
 * Bounded string interning without building the string first: a direct-mapped table by a hash
 * computed while the string is scanned, checked against the text in place. A new string replaces
 * the one in its slot, so the table never grows.
 */
const INTERN_BITS = 14;
const INTERN_MASK = (1 << INTERN_BITS) - 1;
const internTable: (string | undefined)[] = new Array(1 << INTERN_BITS).fill(undefined);

/** A hash of s[start, end) from a sample of it (its length, the end in full, every 7th char before). */
function sampleHash(s: string, start: number, end: number): number {
  let h = end - start;
  const tail = Math.max(start, end - 8);
  for (let i = start; i < tail; i += 7) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  for (let i = tail; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A copy of s[start, end) that does not keep `s` alive: a substring of 13+ chars is a slice of
 * its parent; slicing a concatenation flattens it into a new string of its own first.
 */
function ownCopy(s: string, start: number, end: number): string {
  return end - start < 13 ? s.slice(start, end) : ('\u0000' + s.slice(start, end)).slice(1);
}

function intern(s: string, start: number, end: number): string {
  const len = end - start;
  // Short strings are copied by slice() anyway; checking a slot would cost more than that.
  if (len < 13) return s.slice(start, end);
  const slot = sampleHash(s, start, end) & INTERN_MASK;
  const k = internTable[slot];
  // slice + === compares with memcmp; startsWith() goes char by char.
  if (k !== undefined && k.length === len && s.slice(start, end) === k) return k;
  const v = ownCopy(s, start, end);
  internTable[slot] = v;
  return v;
}

/** How much of an object's text its cache slot is chosen by (an endpoint's ID, identity, namespace). */
const PREFIX = 64;
function prefixHash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}
let objectWay = 0;

const OBJECT_BITS = 12;
const OBJECT_MASK = (1 << OBJECT_BITS) - 1;
const objectText: (string | undefined)[] = new Array(1 << OBJECT_BITS).fill(undefined);
const objectValue: unknown[] = new Array(1 << OBJECT_BITS).fill(undefined);

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** A character JSON forbids inside strings (outside them only tab, CR and LF, as whitespace). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f]/g;

class Scanner {
  s = '';
  i = 0;
  /** The end of the text scanned: s[i, n) is one line (s may hold many: a decoded chunk of a file). */
  n = 0;
  /**
   * The line has no backslash and no control character: every string ends at the next quote,
   * found natively (most of a line is strings). Otherwise strings are read char by char.
   */
  plain = false;
  // Where the next backslash / control character of `s` is (-1: none), found once per source text.
  private src = '';
  private nextBackslash = -1;
  private nextControl = -1;

  reset(s: string, start: number, end: number): void {
    this.s = s;
    this.i = start;
    this.n = end;
    if (s !== this.src) {
      this.src = s;
      this.nextBackslash = s.indexOf('\\');
      this.nextControl = -2;
    }
    if (this.nextBackslash >= 0 && this.nextBackslash < start) this.nextBackslash = s.indexOf('\\', start);
    if (this.nextControl === -2 || (this.nextControl >= 0 && this.nextControl < start)) {
      // Finds at most the line's own end (its newline), so each line is searched once.
      CONTROL.lastIndex = start;
      this.nextControl = CONTROL.test(s) ? CONTROL.lastIndex - 1 : -1; // test(): no match array to allocate
    }
    this.plain = (this.nextBackslash < 0 || this.nextBackslash >= end) && (this.nextControl < 0 || this.nextControl >= end);
  }

  /** Skips JSON whitespace; the next char, or NaN at the end of the line. */
  ws(): number {
    const s = this.s;
    const n = this.n;
    for (let i = this.i; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
        this.i = i;
        return c;
      }
    }
    this.i = n;
    return NaN;
  }

  /** At an opening quote: the index of the closing quote; the string is valid JSON. Sets `escaped`. */
  escaped = false;
  stringEnd(): number {
    const s = this.s;
    if (this.plain) {
      const q = s.indexOf('"', this.i + 1);
      if (q < 0 || q >= this.n) throw FALLBACK;
      this.escaped = false;
      return q;
    }
    const n = this.n;
    let i = this.i + 1;
    let esc = false;
    for (;;) {
      if (i >= n) throw FALLBACK;
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        esc = true;
        const e = s.charCodeAt(i + 1);
        if (e === 117) {
          if (!(isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3)) && isHex(s.charCodeAt(i + 4)) && isHex(s.charCodeAt(i + 5)))) throw FALLBACK;
          i += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 2;
        else throw FALLBACK;
        continue;
      }
      if (c < 32) throw FALLBACK;
      i++;
    }
    this.escaped = esc;
    return i;
  }

  /** A string value (at its opening quote), escapes decoded; interned when `keep`. */
  string(keep: boolean): string {
    const s = this.s;
    const start = this.i + 1;
    if (!keep) {
      const end = this.stringEnd();
      this.i = end + 1;
      return this.escaped ? unescape(s, start, end) : s.slice(start, end);
    }
    const end = this.stringEnd();
    this.i = end + 1;
    if (this.escaped) {
      const out = unescape(s, start, end);
      return intern(out, 0, out.length);
    }
    return intern(s, start, end);
  }

  /** A number (validated as JSON's grammar), valued as JSON.parse does. */
  number(build: boolean): number {
    const s = this.s;
    const start = this.i;
    let i = start;
    let c = s.charCodeAt(i);
    let simple = true;
    if (c === 45) {
      simple = false;
      c = s.charCodeAt(++i);
    }
    let v = 0;
    if (c === 48) c = s.charCodeAt(++i);
    else if (c >= 49 && c <= 57) {
      do {
        v = v * 10 + (c - 48);
        c = s.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else throw FALLBACK;
    if (c === 46) {
      simple = false;
      c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) throw FALLBACK;
      do c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57);
    }
    if (c === 101 || c === 69) {
      simple = false;
      c = s.charCodeAt(++i);
      if (c === 43 || c === 45) c = s.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) throw FALLBACK;
      do c = s.charCodeAt(++i);
      while (c >= 48 && c <= 57);
    }
    this.i = i;
    if (!build) return 0;
    // Up to 15 digits an integer is exact; anything else is valued by Number(), as JSON.parse does.
    return simple && i - start <= 15 ? v : Number(s.slice(start, i));
  }

  literal(): boolean | null {
    const s = this.s;
    const i = this.i;
    if (s.startsWith('true', i)) {
      this.i = i + 4;
      return true;
    }
    if (s.startsWith('false', i)) {
      this.i = i + 5;
      return false;
    }
    if (s.startsWith('null', i)) {
      this.i = i + 4;
      return null;
    }
    throw FALLBACK;
  }

  /** A key (at its opening quote), up to and past the colon: [start, end) of its text. */
  keyStart = 0;
  key(): number {
    this.keyStart = this.i + 1;
    const end = this.stringEnd();
    // An escaped key may spell a field we read ("fl\u006fw"): leave such lines to JSON.parse.
    if (this.escaped) throw FALLBACK;
    this.i = end + 1;
    if (this.ws() !== 58) throw FALLBACK;
    this.i++;
    return end;
  }

  /** Any value, validated and not built. */
  skip(depth: number): void {
    const c = this.ws();
    if (c === 34) {
      this.i = this.stringEnd() + 1;
    } else if (c === 123) {
      if (depth >= MAX_DEPTH) throw FALLBACK;
      this.i++;
      if (this.ws() === 125) {
        this.i++;
        return;
      }
      for (;;) {
        if (this.ws() !== 34) throw FALLBACK;
        this.i = this.stringEnd() + 1;
        if (this.ws() !== 58) throw FALLBACK;
        this.i++;
        this.skip(depth + 1);
        const d = this.ws();
        this.i++;
        if (d === 125) return;
        if (d !== 44) throw FALLBACK;
      }
    } else if (c === 91) {
      if (depth >= MAX_DEPTH) throw FALLBACK;
      this.i++;
      if (this.ws() === 93) {
        this.i++;
        return;
      }
      for (;;) {
        this.skip(depth + 1);
        const d = this.ws();
        this.i++;
        if (d === 93) return;
        if (d !== 44) throw FALLBACK;
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      this.number(false);
    } else {
      this.literal();
    }
  }

  /** Any value, built as JSON.parse builds it (strings interned when `keep`). */
  value(depth: number, keep: boolean): unknown {
    const c = this.ws();
    if (c === 34) return this.string(keep);
    if (c === 123) {
      if (depth >= MAX_DEPTH) throw FALLBACK;
      this.i++;
      const o: Obj = {};
      if (this.ws() === 125) {
        this.i++;
        return o;
      }
      for (;;) {
        if (this.ws() !== 34) throw FALLBACK;
        const end = this.key();
        const name = this.s.slice(this.keyStart, end);
        // Assigning "__proto__" would set the prototype where JSON.parse makes a property.
        if (name === '__proto__') throw FALLBACK;
        o[name] = this.value(depth + 1, keep);
        const d = this.ws();
        this.i++;
        if (d === 125) return o;
        if (d !== 44) throw FALLBACK;
      }
    }
    if (c === 91) {
      if (depth >= MAX_DEPTH) throw FALLBACK;
      this.i++;
      const a: unknown[] = [];
      if (this.ws() === 93) {
        this.i++;
        return a;
      }
      for (;;) {
        a.push(this.value(depth + 1, keep));
        const d = this.ws();
        this.i++;
        if (d === 93) return a;
        if (d !== 44) throw FALLBACK;
      }
    }
    if (c === 45 || (c >= 48 && c <= 57)) return this.number(true);
    return this.literal();
  }

  /** shaped() through the object cache: the object's text is validated and looked up first. */
  cachedShaped(shape: Shape, depth: number): unknown {
    if (this.ws() !== 123) return this.value(depth, true);
    const s = this.s;
    const start = this.i;
    // Found by the hash of its first chars, then compared whole: a JSON object's text says where
    // it ends, so text equal to a cached (valid) object is that object, with no scan at all.
    const slot = prefixHash(s, start, Math.min(this.n, start + PREFIX)) & OBJECT_MASK;
    for (let way = 0; way < 2; way++) {
      const t = objectText[slot ^ way];
      if (t !== undefined && start + t.length <= this.n && s.slice(start, start + t.length) === t) {
        this.i = start + t.length;
        return objectValue[slot ^ way];
      }
    }
    const o = this.shaped(shape, depth, false);
    // Shared from now on: flowRecordOf may remember what it derives from it (see ENDPOINT_MEMO).
    if (o !== null && typeof o === 'object') (o as Record<symbol, object>)[ENDPOINT_MEMO] = {};
    // Two ways per set: two endpoints that begin alike (same ID and identity) do not evict each other.
    const into = slot ^ (objectText[slot] === undefined ? 0 : objectWay++ & 1);
    objectText[into] = ownCopy(s, start, this.i);
    objectValue[into] = o;
    return o;
  }

  /** An object read for `shape`'s keys (the others skipped); any other value built in full. */
  shaped(shape: Shape, depth: number, cache = true): unknown {
    if (cache && shape.cached) return this.cachedShaped(shape, depth);
    if (this.ws() !== 123) return this.value(depth, true);
    if (depth >= MAX_DEPTH) throw FALLBACK;
    this.i++;
    const o: Obj = {};
    if (this.ws() === 125) {
      this.i++;
      return o;
    }
    for (;;) {
      if (this.ws() !== 34) throw FALLBACK;
      const start = this.i + 1;
      const end = this.key();
      const k = shape.find(this.s, start, end);
      if (k < 0) this.skip(depth + 1);
      else {
        const kind = shape.kinds[k];
        o[shape.names[k]] = kind === FULL ? this.value(depth + 1, true) : kind === ONCE ? this.value(depth + 1, false) : this.shaped(kind, depth + 1);
      }
      const d = this.ws();
      this.i++;
      if (d === 125) return o;
      if (d !== 44) throw FALLBACK;
    }
  }
}

function unescape(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== 92) continue;
    out += s.slice(from, i);
    const e = s.charCodeAt(i + 1);
    if (e === 117) {
      out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      out += e === 98 ? '\b' : e === 102 ? '\f' : e === 110 ? '\n' : e === 114 ? '\r' : e === 116 ? '\t' : String.fromCharCode(e);
      i += 1;
    }
    from = i + 1;
  }
  return out + s.slice(from, end);
}

const scanner = new Scanner();

/**
 * The projection of the line s[start, end) that parseHubbleObject needs, or undefined when the
 * line is left to the full path (see the module comment). Surrounding JSON whitespace is ignored
 * as parseHubbleLine's trim() does; any other surrounding text goes to the full path.
 */
export function scanHubbleText(s: string, start: number, end: number): Obj | undefined {
  const sc = scanner;
  sc.reset(s, start, end);
  try {
    if (sc.ws() !== 123) return undefined;
    const o = sc.shaped(RESPONSE, 0) as Obj;
    if (!Number.isNaN(sc.ws())) return undefined; // text after the object: JSON.parse's error
    if (o[RESPONSE.names[FLOW_KEY]] === undefined) return undefined;
    return o;
  } catch (e) {
    if (e === FALLBACK) return undefined;
    throw e;
  } finally {
    sc.s = '';
  }
}

export const scanHubbleLine = (line: string): Obj | undefined => scanHubbleText(line, 0, line.length);

/** parseHubbleLine of s[start, end), faster: the same result for every line (hubble-scan.test.ts checks). */
export function parseHubbleText(s: string, start: number, end: number, opts: FlowMappingOptions = {}, fallbackTime?: number): ParsedLine {
  const o = scanHubbleText(s, start, end);
  if (o !== undefined) return parseHubbleObject(o, opts, fallbackTime);
  return parseHubbleLine(start === 0 && end === s.length ? s : s.slice(start, end), opts, fallbackTime);
}

export const parseHubbleLineFast = (line: string, opts: FlowMappingOptions = {}, fallbackTime?: number): ParsedLine =>
  parseHubbleText(line, 0, line.length, opts, fallbackTime);
