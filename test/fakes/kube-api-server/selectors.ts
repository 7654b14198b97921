/** Label and field selectors as the API server reads them (the common subset). */
type Obj = Record<string, any>;

type Req = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(text: string): Req {
  const reqs: Req[] = [];
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key, op, list] = m;
      const values = new Set(list.split(',').map((v) => v.trim()));
      reqs.push(op === 'in' ? (l) => key in l && values.has(l[key]) : (l) => !(key in l) || !values.has(l[key]));
    } else if ((m = p.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/))) {
      const [, key, op, value] = m;
      reqs.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((m = p.match(/^!([\w./-]+)$/))) {
      const key = m[1];
      reqs.push((l) => !(key in l));
    } else if ((m = p.match(/^([\w./-]+)$/))) {
      const key = m[1];
      reqs.push((l) => key in l);
    } else throw new Error(`unable to parse requirement: ${p}`);
  }
  return (labels) => reqs.every((r) => r(labels));
}

const FIELD_GETTERS: Record<string, (o: Obj) => unknown> = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace,
  'spec.nodeName': (o) => o.spec?.nodeName ?? '',
  'status.phase': (o) => o.status?.phase,
  'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
};

export function parseFieldSelector(text: string): (o: Obj) => boolean {
  const reqs = text
    .split(',')
    .filter((p) => p.trim())
    .map((p) => {
      const m = p.trim().match(/^([\w.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw new Error(`invalid field selector: ${p}`);
      const get = FIELD_GETTERS[m[1]];
      if (!get) throw new Error(`field label not supported: ${m[1]}`);
      const value = m[3];
      return m[2] === '!=' ? (o: Obj) => String(get(o) ?? '') !== value : (o: Obj) => String(get(o) ?? '') === value;
    });
  return (o) => reqs.every((r) => r(o));
}
