/**
 * The fake relay's server-side FlowFilter evaluation, for the fields NetCity sends: pods
 * ("ns/" or "ns/prefix"), label selectors (equality "k=v" and bare "k"), verdict, protocol,
 * ports. Within a filter every set field must match; within a field any value matches.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

function podMatches(ep: Obj | undefined, patterns: string[]): boolean {
  const ns = ep?.namespace ?? '';
  const pod = ep?.pod_name ?? '';
  return patterns.some((p) => {
    const slash = p.indexOf('/');
    if (slash < 0) return pod.startsWith(p);
    return ns === p.slice(0, slash) && pod.startsWith(p.slice(slash + 1));
  });
}

function labelMatches(ep: Obj | undefined, selectors: string[]): boolean {
  const labels: string[] = ep?.labels ?? [];
  const plain = labels.map((l) => l.replace(/^[a-z0-9-]+:/, ''));
  return selectors.some((sel) =>
    sel.split(',').every((term) => {
      const t = term.trim();
      const eq = t.indexOf('=');
      if (eq < 0) return plain.some((l) => l === t || l.startsWith(`${t}=`));
      return plain.includes(`${t.slice(0, eq).replace(/=$/, '')}=${t.slice(eq + 1).replace(/^=/, '')}`);
    }),
  );
}

function protocolOf(f: Obj): string[] {
  const out: string[] = [];
  const l4 = f.l4 ?? {};
  if (l4.TCP) out.push('tcp');
  if (l4.UDP) out.push('udp');
  if (l4.SCTP) out.push('sctp');
  if (l4.ICMPv4) out.push('icmp', 'icmpv4');
  if (l4.ICMPv6) out.push('icmpv6');
  if (f.l7?.http) out.push('http');
  if (f.l7?.dns) out.push('dns');
  if (f.l7?.kafka) out.push('kafka');
  return out;
}

function ports(f: Obj): { s?: number; d?: number } {
  const p = f.l4?.TCP ?? f.l4?.UDP ?? f.l4?.SCTP;
  return p ? { s: p.source_port, d: p.destination_port } : {};
}

const has = (v: unknown): v is any[] => Array.isArray(v) && v.length > 0;

export function matchesFilter(f: Obj, filter: Obj): boolean {
  if (has(filter.source_pod) && !podMatches(f.source, filter.source_pod)) return false;
  if (has(filter.destination_pod) && !podMatches(f.destination, filter.destination_pod)) return false;
  if (has(filter.source_label) && !labelMatches(f.source, filter.source_label)) return false;
  if (has(filter.destination_label) && !labelMatches(f.destination, filter.destination_label)) return false;
  if (has(filter.verdict) && !filter.verdict.includes(f.verdict)) return false;
  if (has(filter.protocol) && !protocolOf(f).some((p) => filter.protocol.includes(p))) return false;
  const { s, d } = ports(f);
  if (has(filter.destination_port) && !filter.destination_port.includes(String(d))) return false;
  if (has(filter.source_port) && !filter.source_port.includes(String(s))) return false;
  return true;
}

export const matchesAnyFilter = (f: Obj, filters: Obj[]): boolean => filters.some((x) => matchesFilter(f, x));
