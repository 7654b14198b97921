/**
 * Calico selector expressions: k == 'v', k != 'v', k in {'a','b'}, k not in {...}, has(k), !has(k),
 * k contains 's', k starts with 's', k ends with 's', all(), global() (non-namespaced resources),
 * &&, ||, !, parentheses.
 */
import type { Labels } from '../model/types.js';

export type CalicoPredicate = (l: Labels) => boolean;

/**
 * Marks namespace label sets (namespaceSelector): global() selects non-namespaced resources only
 * (global network sets, host endpoints), never a namespace nor a namespaced endpoint.
 */
export const NAMESPACE_SCOPE = '\u0000namespace';
const NAMESPACE_LABEL = 'projectcalico.org/namespace';

const keysOf = new WeakMap<CalicoPredicate, ReadonlySet<string>>();
/** The label keys a parsed selector reads (empty for all(), global()). */
export function selectorKeys(p: CalicoPredicate): ReadonlySet<string> {
  return keysOf.get(p) ?? new Set();
}

type Tok = { t: 'id' | 'str' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const j = src.indexOf(c, i + 1);
      if (j < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    const m = /^[A-Za-z0-9_./-]+/.exec(src.slice(i));
    if (!m) throw new Error(`unexpected '${c}' at ${i}`);
    out.push({ t: 'id', v: m[0] });
    i += m[0].length;
  }
  return out;
}

export function parseCalicoSelector(src: string): CalicoPredicate {
  const toks = tokenize(src);
  const keys = new Set<string>();
  let pos = 0;
  const peek = () => toks[pos];
  const isOp = (v: string) => peek()?.t === 'op' && peek().v === v;
  const isWord = (v: string) => peek()?.t === 'id' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new Error(`expected '${v}' at token ${pos + 1}`);
    pos++;
  };
  const str = (): string => {
    const t = toks[pos++];
    if (!t || t.t !== 'str') throw new Error(`expected a quoted string at token ${pos}`);
    return t.v;
  };

  const or = (): CalicoPredicate => {
    let left = and();
    while (isOp('||')) {
      pos++;
      const a = left;
      const b = and();
      left = (l) => a(l) || b(l);
    }
    return left;
  };
  const and = (): CalicoPredicate => {
    let left = unary();
    while (isOp('&&')) {
      pos++;
      const a = left;
      const b = unary();
      left = (l) => a(l) && b(l);
    }
    return left;
  };
  const unary = (): CalicoPredicate => {
    if (isOp('!')) {
      pos++;
      const inner = unary();
      return (l) => !inner(l);
    }
    if (isOp('(')) {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    return term();
  };
  const term = (): CalicoPredicate => {
    const t = toks[pos++];
    if (!t || t.t !== 'id') throw new Error(`expected a label or function at token ${pos}`);
    if (t.v === 'all' && isOp('(')) {
      pos++;
      expect(')');
      return () => true;
    }
    if (t.v === 'global' && isOp('(')) {
      pos++;
      expect(')');
      return (l) => l[NAMESPACE_LABEL] === undefined && l[NAMESPACE_SCOPE] === undefined;
    }
    if (t.v === 'has' && isOp('(')) {
      pos++;
      const k = toks[pos++];
      if (!k || k.t !== 'id') throw new Error('has() needs a label key');
      expect(')');
      keys.add(k.v);
      return (l) => l[k.v] !== undefined;
    }
    const key = t.v;
    keys.add(key);
    if (isOp('==')) {
      pos++;
      const v = str();
      return (l) => l[key] === v;
    }
    if (isOp('!=')) {
      pos++;
      const v = str();
      return (l) => l[key] !== v;
    }
    const set = (): Set<string> => {
      expect('{');
      const s = new Set<string>();
      if (!isOp('}')) {
        s.add(str());
        while (isOp(',')) {
          pos++;
          s.add(str());
        }
      }
      expect('}');
      return s;
    };
    if (isWord('in')) {
      pos++;
      const s = set();
      return (l) => l[key] !== undefined && s.has(l[key]);
    }
    if (isWord('not') && toks[pos + 1]?.v === 'in') {
      pos += 2;
      const s = set();
      return (l) => l[key] === undefined || !s.has(l[key]);
    }
    if (isWord('contains')) {
      pos++;
      const v = str();
      return (l) => l[key] !== undefined && l[key].includes(v);
    }
    if (isWord('starts') && toks[pos + 1]?.v === 'with') {
      pos += 2;
      const v = str();
      return (l) => l[key] !== undefined && l[key].startsWith(v);
    }
    if (isWord('ends') && toks[pos + 1]?.v === 'with') {
      pos += 2;
      const v = str();
      return (l) => l[key] !== undefined && l[key].endsWith(v);
    }
    throw new Error(`expected an operator after '${key}'`);
  };

  if (toks.length === 0) return () => true;
  const p = or();
  if (pos < toks.length) throw new Error(`unexpected '${toks[pos].v}' at token ${pos + 1}`);
  // One function per parse, so the keys can be looked up by it.
  const out: CalicoPredicate = (l) => p(l);
  keysOf.set(out, keys);
  return out;
}
