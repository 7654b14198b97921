/**
 * The fake relay's server-side FlowFilter evaluation, for every field of NetCity's proto subset
 * (resources/proto/flow/flow.proto), with Hubble's semantics: within a filter every set field
 * must match (AND); within a field any value matches (OR). Written for NetCity from the filter
 * descriptions in Hubble's API and CLI documentation; the real-Relay suite checks it.
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

/** "ns/name-prefix" or "name-prefix" against a Service. */
function serviceMatches(svc: Obj | undefined, patterns: string[]): boolean {
  if (!svc?.name) return false;
  return patterns.some((p) => {
    const slash = p.indexOf('/');
    if (slash < 0) return svc.name.startsWith(p);
    return (svc.namespace ?? '') === p.slice(0, slash) && svc.name.startsWith(p.slice(slash + 1));
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
  if (l4.ICMPv6) out.push('icmp', 'icmpv6');
  if (f.l7?.http) out.push('http');
  if (f.l7?.dns) out.push('dns');
  if (f.l7?.kafka) out.push('kafka');
  return out;
}

function ports(f: Obj): { s?: number; d?: number } {
  const p = f.l4?.TCP ?? f.l4?.UDP ?? f.l4?.SCTP;
  return p ? { s: p.source_port, d: p.destination_port } : {};
}

/** Exact address or a CIDR (IPv4). */
function ipMatches(ip: string | undefined, patterns: string[]): boolean {
  if (!ip) return false;
  return patterns.some((p) => {
    const slash = p.indexOf('/');
    if (slash < 0) return p === ip;
    const bits = Number(p.slice(slash + 1));
    const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const mask = bits === 0 ? 0 : 2 ** 32 - 2 ** (32 - bits);
    return Math.floor(toInt(ip) / 2 ** (32 - bits)) * 2 ** (32 - bits) === (toInt(p.slice(0, slash)) & mask) >>> 0;
  });
}

/** Hubble's FQDN and node-name patterns: "*" matches within a label, the rest literally. */
function glob(patterns: string[]): RegExp {
  const one = (p: string) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.]*');
  return new RegExp(`^(?:${patterns.map(one).join('|')})$`);
}

function nodeMatches(node: string | undefined, patterns: string[]): boolean {
  if (!node) return false;
  const full = node.includes('/') ? node : `default/${node}`;
  // A pattern without a cluster means any cluster.
  return glob(patterns.map((p) => (p.includes('/') ? p : `*/${p}`))).test(full);
}

/** "503" exactly, or a prefix "5+" / "50+"; only HTTP responses (code set) can match. */
function httpStatusMatches(f: Obj, codes: string[]): boolean {
  const code = Number(f.l7?.http?.code ?? 0);
  if (!code) return false;
  const s = String(code).padStart(3, '0');
  return codes.some((c) => (c.endsWith('+') ? s.startsWith(c.slice(0, -1)) : s === c));
}

function workloadMatches(ep: Obj | undefined, wanted: Obj[]): boolean {
  const wls: Obj[] = ep?.workloads ?? [];
  return wls.some((w) => wanted.some((x) => (!x.name || x.name === w.name) && (!x.kind || x.kind === w.kind)));
}

function eventTypeMatches(f: Obj, wanted: Obj[]): boolean {
  const et = f.event_type;
  if (!et) return false;
  return wanted.some((t) => (!t.type || t.type === et.type) && (!t.match_sub_type || Number(t.sub_type ?? 0) === Number(et.sub_type ?? 0)));
}

const isReply = (f: Obj): boolean => (f.is_reply && typeof f.is_reply === 'object' ? Boolean(f.is_reply.value) : Boolean(f.is_reply ?? f.reply));

const has = (v: unknown): v is any[] => Array.isArray(v) && v.length > 0;
const regexes = (v: string[]): RegExp[] => v.map((p) => new RegExp(p));

export function matchesFilter(f: Obj, filter: Obj): boolean {
  if (has(filter.uuid) && !filter.uuid.includes(f.uuid)) return false;
  if (has(filter.source_ip) && !ipMatches(f.IP?.source, filter.source_ip)) return false;
  if (has(filter.destination_ip) && !ipMatches(f.IP?.destination, filter.destination_ip)) return false;
  if (has(filter.source_pod) && !podMatches(f.source, filter.source_pod)) return false;
  if (has(filter.destination_pod) && !podMatches(f.destination, filter.destination_pod)) return false;
  if (has(filter.source_fqdn) && !(f.source_names ?? []).some((n: string) => glob(filter.source_fqdn).test(n))) return false;
  if (has(filter.destination_fqdn) && !(f.destination_names ?? []).some((n: string) => glob(filter.destination_fqdn).test(n))) return false;
  if (has(filter.source_label) && !labelMatches(f.source, filter.source_label)) return false;
  if (has(filter.destination_label) && !labelMatches(f.destination, filter.destination_label)) return false;
  if (has(filter.source_service) && !serviceMatches(f.source_service, filter.source_service)) return false;
  if (has(filter.destination_service) && !serviceMatches(f.destination_service, filter.destination_service)) return false;
  if (has(filter.source_workload) && !workloadMatches(f.source, filter.source_workload)) return false;
  if (has(filter.destination_workload) && !workloadMatches(f.destination, filter.destination_workload)) return false;
  if (has(filter.source_cluster_name) && !filter.source_cluster_name.includes(f.source?.cluster_name ?? '')) return false;
  if (has(filter.destination_cluster_name) && !filter.destination_cluster_name.includes(f.destination?.cluster_name ?? '')) return false;
  if (has(filter.traffic_direction) && !filter.traffic_direction.includes(f.traffic_direction)) return false;
  if (has(filter.verdict) && !filter.verdict.includes(f.verdict)) return false;
  if (has(filter.drop_reason_desc) && !(f.verdict === 'DROPPED' && filter.drop_reason_desc.includes(f.drop_reason_desc))) return false;
  if (has(filter.event_type) && !eventTypeMatches(f, filter.event_type)) return false;
  if (has(filter.http_status_code) && !httpStatusMatches(f, filter.http_status_code)) return false;
  if (has(filter.protocol) && !protocolOf(f).some((p) => filter.protocol.map((x: string) => x.toLowerCase()).includes(p))) return false;
  const { s, d } = ports(f);
  if (has(filter.source_port) && !filter.source_port.includes(String(s))) return false;
  if (has(filter.destination_port) && !filter.destination_port.includes(String(d))) return false;
  if (has(filter.reply) && !filter.reply.includes(isReply(f))) return false;
  if (has(filter.dns_query) && !(f.l7?.dns && regexes(filter.dns_query).some((r) => r.test(f.l7.dns.query ?? '')))) return false;
  if (has(filter.source_identity) && !filter.source_identity.includes(Number(f.source?.identity ?? 0))) return false;
  if (has(filter.destination_identity) && !filter.destination_identity.includes(Number(f.destination?.identity ?? 0))) return false;
  if (has(filter.http_method) && !(f.l7?.http?.method && filter.http_method.some((m: string) => m.toUpperCase() === f.l7.http.method.toUpperCase()))) return false;
  if (has(filter.http_path) && !(f.l7?.http?.url && regexes(filter.http_path).some((r) => r.test(urlPath(f.l7.http.url))))) return false;
  if (has(filter.http_url) && !(f.l7?.http?.url && regexes(filter.http_url).some((r) => r.test(f.l7.http.url)))) return false;
  if (has(filter.node_name) && !nodeMatches(f.node_name, filter.node_name)) return false;
  if (has(filter.ip_version) && !filter.ip_version.includes(f.IP?.ipVersion)) return false;
  return true;
}

function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export const matchesAnyFilter = (f: Obj, filters: Obj[]): boolean => filters.some((x) => matchesFilter(f, x));
