/**
 * A reader for the plainest YAML only, the shape `kubectl get -o yaml`, Helm and most hand-written
 * manifests have: block mappings with plain keys, block sequences (also `- key: value` items),
 * one-line scalars (plain, single- or double-quoted without escapes) and empty `[]` / `{}`.
 * About 4x faster than js-yaml on such text. It gives up (undefined) on anything else: tabs, CR,
 * inline comments, block scalars, flow collections, multi-line scalars, keys that are not plain
 * words, plain values it cannot type with certainty; js-yaml then reads the document. The values
 * are the ones js-yaml gives with parse-yaml.ts's schema (YAML 1.2 core + 1.1 booleans); the
 * tests hold it to the full reader (test/unit/manifests/readers.test.ts).
 */

/** A plain key that is a string to every YAML schema (starts with a letter; yes/no/on/off/y/n/null are refused below). */
const KEY = /^([A-Za-z][A-Za-z0-9_./-]*):(?: +(.*))?$/;
const KEY_WORDS = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE|n|N|no|No|NO|off|Off|OFF|false|False|FALSE|null|Null|NULL)$/;
const TRUE_11 = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE)$/;
const BOOL_11 = /^(?:y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE|n|N|no|No|NO|off|Off|OFF|false|False|FALSE)$/;
const NULL = /^(?:null|Null|NULL)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;
/** Digits with two or more dots (IPs, versions) or a slash (CIDRs): strings to every schema. */
const DIGIT_STRING = /^[0-9][0-9.]*(?:\.[0-9]*\.[0-9.]*|\/[0-9A-Za-z./]*)$/;
/** A character no int or float of the core schema has (hex digits, 0x/0o/0b, exponents, signs, dots, _): after a leading digit, a string. */
const NOT_NUMERIC = /[^0-9a-fA-FxXoObB._+-]/;

const FAIL = Symbol('fail');
type Value = unknown;

/** The value of a one-line scalar, or FAIL when it is not certain to be read the same way. */
function scalar(s: string): Value | typeof FAIL {
  const c = s.charCodeAt(0);
  if (c === 0x27 /* ' */) {
    if (s.length < 2 || s.charCodeAt(s.length - 1) !== 0x27) return FAIL;
    const inner = s.slice(1, -1);
    if (inner.replaceAll("''", '').includes("'")) return FAIL;
    return inner.replaceAll("''", "'");
  }
  if (c === 0x22 /* " */) {
    if (s.length < 2 || s.charCodeAt(s.length - 1) !== 0x22) return FAIL;
    const inner = s.slice(1, -1);
    return inner.includes('"') || inner.includes('\\') ? FAIL : inner;
  }
  if (s === '[]') return [];
  if (s === '{}') return {};
  // Inline comments, "a: b" (not a scalar), a trailing colon: left to js-yaml.
  if (s.includes(' #') || s.includes(': ') || s.charCodeAt(s.length - 1) === 0x3a) return FAIL;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) {
    if (s.length <= 5) {
      if (BOOL_11.test(s)) return TRUE_11.test(s);
      if (NULL.test(s)) return null;
    }
    return s;
  }
  if (c === 0x2f /* / */) return s;
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */) {
    if (DECIMAL.test(s)) return s.length < 16 ? Number(s) : FAIL;
    if (DIGIT_STRING.test(s) || (c !== 0x2d && NOT_NUMERIC.test(s))) return s;
  }
  return FAIL;
}

interface State {
  indents: number[];
  texts: string[];
  i: number;
}

function block(st: State, indent: number): Value | typeof FAIL {
  const t = st.texts[st.i];
  return t === '-' || t.startsWith('- ') ? sequence(st, indent) : mapping(st, indent);
}

/** The value after `key:` with nothing on its line: a nested block, a sequence at the same indent, or null. */
function nested(st: State, indent: number): Value | typeof FAIL {
  if (st.i >= st.texts.length) return null;
  const next = st.indents[st.i];
  if (next > indent) return block(st, next);
  const t = st.texts[st.i];
  if (next === indent && (t === '-' || t.startsWith('- '))) return sequence(st, indent);
  return null;
}

function mapping(st: State, indent: number): Value | typeof FAIL {
  const obj: Record<string, unknown> = {};
  while (st.i < st.texts.length && st.indents[st.i] === indent) {
    const m = KEY.exec(st.texts[st.i]);
    if (!m || (m[1].length <= 5 && KEY_WORDS.test(m[1]))) return FAIL;
    st.i++;
    let v: Value | typeof FAIL;
    if (m[2] === undefined || m[2] === '') v = nested(st, indent);
    else {
      v = scalar(m[2]);
      // A more indented line after a scalar continues it (a multi-line plain scalar) or is an error.
      if (st.i < st.texts.length && st.indents[st.i] > indent) return FAIL;
    }
    if (v === FAIL) return FAIL;
    obj[m[1]] = v;
  }
  return obj;
}

function sequence(st: State, indent: number): Value | typeof FAIL {
  const arr: unknown[] = [];
  while (st.i < st.texts.length && st.indents[st.i] === indent) {
    const t = st.texts[st.i];
    let v: Value | typeof FAIL;
    if (t === '-') {
      st.i++;
      v = st.i < st.texts.length && st.indents[st.i] > indent ? block(st, st.indents[st.i]) : null;
    } else if (t.startsWith('- ')) {
      let k = 2;
      while (t.charCodeAt(k) === 0x20) k++;
      const rest = t.slice(k);
      if (rest === '-' || rest.startsWith('- ')) return FAIL;
      if (KEY.test(rest)) {
        // `- key: value`: a mapping indented where its first key starts.
        st.indents[st.i] = indent + k;
        st.texts[st.i] = rest;
        v = mapping(st, indent + k);
      } else {
        st.i++;
        v = scalar(rest);
        if (st.i < st.texts.length && st.indents[st.i] > indent) return FAIL;
      }
    } else break;
    if (v === FAIL) return FAIL;
    arr.push(v);
  }
  return arr;
}

/** One document's value, or undefined when this reader cannot be sure of it. */
export function readBlockYaml(doc: string): { value: unknown } | undefined {
  if (doc.includes('\t') || doc.includes('\r') || doc.charCodeAt(0) === 0xfeff) return undefined;
  const indents: number[] = [];
  const texts: string[] = [];
  let start = 0;
  while (start <= doc.length) {
    let end = doc.indexOf('\n', start);
    if (end < 0) end = doc.length;
    let a = start;
    while (doc.charCodeAt(a) === 0x20) a++;
    let b = end;
    while (b > a && doc.charCodeAt(b - 1) === 0x20) b--;
    if (b > a && doc.charCodeAt(a) !== 0x23 /* # */) {
      indents.push(a - start);
      texts.push(doc.slice(a, b));
    }
    start = end + 1;
  }
  if (texts.length === 0) return { value: null };
  const st: State = { indents, texts, i: 0 };
  const value = block(st, indents[0]);
  if (value === FAIL || st.i !== texts.length) return undefined;
  return { value };
}
