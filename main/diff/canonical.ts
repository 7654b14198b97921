/**
 * Canonical forms for comparing manifests by meaning: object keys sorted, and arrays sorted too,
 * because in the fields we compare (peers, ports, label expressions, policy types) order carries
 * no meaning. Rule lists are the exception and are matched rule by rule in policy-rules.ts.
 */

export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.map((v) => [canonicalText(v), v] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((p) => p[1]);
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Stable text of an already-canonical value. */
export function canonicalText(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

export const sameMeaning = (a: unknown, b: unknown): boolean => canonicalText(canonical(a)) === canonicalText(canonical(b));
