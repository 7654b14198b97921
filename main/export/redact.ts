/**
 * Redaction for sharing: IPs, pod names, node names (they often spell an IP) and label values are
 * replaced by salted tokens before any format is written. Within one export the same value always
 * gives the same token (so roads still line up); a new export gets a new salt, so tokens cannot be
 * joined across exports. Structured fields are redacted by meaning; every other string goes through
 * a scrubber that catches the same values (and any IP) in free text.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { MapEdge, MapModel, MapNode } from '../map/model.js';
import { ipId, nodeId, parsePeerId, podId, workloadId } from '../model/ids.js';
import type { FlowEndpoint, Labels, PeerId, Snapshot } from '../model/types.js';

export type TokenKind = 'pod' | 'node' | 'ip' | 'label' | 'ctx';

// '_' never occurs in Kubernetes names or addresses, so a token can never read as (or contain) an original.
const PREFIX: Record<TokenKind, string> = { pod: 'pod_', node: 'node_', ip: 'ip_', label: 'v_', ctx: 'ctx_' };

/** Label values too generic to hide in free text (they stay hidden in label fields). */
const GENERIC_VALUES = new Set(['true', 'false', 'yes', 'no', 'on', 'off', 'enabled', 'disabled', 'none', 'default', 'tcp', 'udp']);

const IPV4 = /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?(?![\w.])/g;
const IPV4_DASHED = /(?<![\d.])\d{1,3}(?:-\d{1,3}){3}(?![\d])/g;
const IPV6 = /(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\/\d{1,3})?(?![\w:])/g;
const ARN = /\barn:[a-z0-9-]+:[^\s"',]*/g;
const WORD = /[A-Za-z0-9][A-Za-z0-9._-]*/g;

export class Redactor {
  private readonly salt: Buffer;
  private readonly tokens = new Map<string, string>();
  private readonly issued = new Set<string>();
  /** Original word -> token, for the free-text scrubber. */
  private readonly words = new Map<string, string>();
  /** The subset that may appear as one part of a dotted host name (pod.ns.svc, node.ec2.internal). */
  private readonly hostParts = new Map<string, string>();

  constructor(salt: string | Buffer = randomBytes(16)) {
    this.salt = typeof salt === 'string' ? Buffer.from(salt, 'utf8') : salt;
  }

  token(kind: TokenKind, value: string): string {
    const key = `${kind}\u0000${value}`;
    const known = this.tokens.get(key);
    if (known) return known;
    const digest = createHmac('sha256', this.salt).update(key).digest('hex');
    // 10 hex digits; lengthen on the rare collision so two values never share a token.
    let len = 10;
    let tok = PREFIX[kind] + digest.slice(0, len);
    while (this.issued.has(tok) && len < digest.length) tok = PREFIX[kind] + digest.slice(0, ++len);
    this.tokens.set(key, tok);
    this.issued.add(tok);
    return tok;
  }

  /** An IP or CIDR: the address becomes a token, the prefix length stays (it says how wide a range is). */
  ip(value: string): string {
    const slash = value.indexOf('/');
    const addr = slash < 0 ? value : value.slice(0, slash);
    return this.token('ip', addr) + (slash < 0 ? '' : value.slice(slash));
  }

  pod(name: string): string {
    return this.token('pod', name);
  }

  node(name: string): string {
    return this.token('node', name);
  }

  label(value: string): string {
    return value === '' ? '' : this.token('label', value);
  }

  labels(l: Labels | undefined): Labels {
    const out: Labels = {};
    for (const [k, v] of Object.entries(l ?? {})) out[k] = this.label(v);
    return out;
  }

  /** Registers values the scrubber must also catch inside free text. */
  learn(kind: 'pod' | 'node' | 'label', value: string): void {
    if (!value || this.words.has(value)) return;
    this.scrubMemo.clear(); // answers given before this word was known are stale
    const token = kind === 'pod' ? this.pod(value) : kind === 'node' ? this.node(value) : this.label(value);
    this.words.set(value, token);
    // Label values ("api", "web") are common words in DNS names; only pod and node names are host parts.
    if (kind !== 'label') this.hostParts.set(value, token);
  }

  /** Peer ids and short texts repeat across roads, edges and flows: remember their answers. */
  private readonly peerMemo = new Map<string, string>();
  private readonly scrubMemo = new Map<string, string>();

  /** The free-text safety net: IPs (dotted, dashed as in node host names, v6), ARNs and learnt words. */
  scrub(text: string): string {
    if (!text) return text;
    const memo = this.scrubMemo.get(text);
    if (memo !== undefined) return memo;
    const out = this.scrubUncached(text);
    if (text.length < 256 && this.scrubMemo.size < 500_000) this.scrubMemo.set(text, out);
    return out;
  }

  private scrubUncached(text: string): string {
    // Cheap guards first: most strings hold no address, and the IPv6 pattern is costly to scan.
    let out = text.includes('arn:') ? text.replace(ARN, (m) => this.token('ctx', m)) : text;
    if (/\d\.\d/.test(out)) out = out.replace(IPV4, (m) => (isIP(m.split('/')[0]) === 4 ? this.ip(m) : m));
    if (/\d-\d/.test(out)) out = out.replace(IPV4_DASHED, (m) => (isIP(m.replaceAll('-', '.')) === 4 ? this.token('ip', m.replaceAll('-', '.')) : m));
    if (/:[0-9A-Fa-f]*:/.test(out)) out = out.replace(IPV6, (m) => (m.includes(':') && isIP(m.split('/')[0]) === 6 ? this.ip(m) : m));
    if (this.words.size === 0) return out;
    return out.replace(WORD, (w) => {
      const hit = this.words.get(w);
      if (hit) return hit;
      // Host names such as pod.ns.svc: check each dotted part.
      if (!w.includes('.')) return w;
      return w.split('.').map((part) => this.hostParts.get(part) ?? part).join('.');
    });
  }

  /** A peer id with its sensitive part tokenised (pod and node names, addresses). */
  peer(id: PeerId): PeerId {
    let out = this.peerMemo.get(id);
    if (out === undefined) {
      out = this.peerUncached(id);
      if (this.peerMemo.size < 500_000) this.peerMemo.set(id, out);
    }
    return out;
  }

  private peerUncached(id: PeerId): PeerId {
    const p = parsePeerId(id);
    switch (p.type) {
      case 'pod':
        return podId(p.namespace!, this.pod(p.name));
      case 'node':
        return nodeId(this.node(p.name));
      case 'ip':
        return isIP(p.name.split('/')[0]) ? ipId(this.ip(p.name)) : ipId(this.scrub(p.name));
      case 'workload':
        // A bare pod is its own workload: its name is a pod name.
        return p.kind === 'Pod' ? workloadId(p.namespace!, p.kind, this.pod(p.name)) : this.scrub(id);
      default:
        return this.scrub(id);
    }
  }

  /** "k8s:app=cart" / "app=cart": the value after '=' is a label value. */
  labelString(s: string): string {
    const eq = s.indexOf('=');
    return eq < 0 ? this.scrub(s) : `${s.slice(0, eq + 1)}${this.label(s.slice(eq + 1))}`;
  }
}

/** Teaches the redactor every sensitive value in a snapshot so free text is scrubbed as well. */
export function learnSnapshot(s: Snapshot, r: Redactor): void {
  const visible = new Set<string>();
  for (const n of s.namespaces) visible.add(n.name);
  for (const w of s.workloads) if (w.kind !== 'Pod') visible.add(w.name);
  for (const sv of s.services) visible.add(sv.name);
  for (const p of s.policies) visible.add(p.name);
  for (const p of s.pods) r.learn('pod', p.name);
  for (const n of s.nodes) r.learn('node', n.name);
  for (const p of s.pods) if (p.node) r.learn('node', p.node);
  const learnLabels = (l: Labels | undefined) => {
    for (const v of Object.values(l ?? {})) {
      // Values equal to a name shown anyway, numbers and booleans would only garble free text.
      if (v.length < 3 || visible.has(v) || GENERIC_VALUES.has(v.toLowerCase()) || /^\d+$/.test(v)) continue;
      r.learn('label', v);
    }
  };
  for (const n of s.namespaces) learnLabels(n.labels);
  for (const n of s.nodes) learnLabels(n.labels);
  for (const w of s.workloads) { learnLabels(w.labels); learnLabels(w.podLabels); }
  for (const p of s.pods) learnLabels(p.labels);
  for (const sv of s.services) learnLabels(sv.selector);
}

export function redactSnapshot(s: Snapshot, r: Redactor): Snapshot {
  const sc = (t: string | undefined) => (t === undefined ? undefined : r.scrub(t));
  const endpoint = (e: FlowEndpoint): FlowEndpoint => ({
    ...e,
    peer: r.peer(e.peer),
    workload: e.workload && r.peer(e.workload),
    ip: e.ip && r.ip(e.ip),
    labels: e.labels?.map((l) => r.labelString(l)),
  });
  const record = <T>(rec: Record<string, T>, val: (v: T) => T = (v) => v): Record<string, T> =>
    Object.fromEntries(Object.entries(rec).map(([k, v]) => [r.scrub(k), val(v)]));
  return {
    ...s,
    name: r.scrub(s.name),
    cluster: { ...s.cluster, name: r.scrub(s.cluster.name), context: sc(s.cluster.context), server: s.cluster.server ? '(redacted)' : undefined },
    roadBuilder: {
      ...s.roadBuilder,
      podCIDRs: s.roadBuilder.podCIDRs?.map((c) => r.ip(c)),
      details: record(s.roadBuilder.details, (v) => r.scrub(v)),
      evidence: s.roadBuilder.evidence.map((e) => r.scrub(e)),
    },
    namespaces: s.namespaces.map((n) => ({ ...n, labels: r.labels(n.labels) })),
    nodes: s.nodes.map((n) => ({
      ...n,
      name: r.node(n.name),
      labels: r.labels(n.labels),
      addresses: n.addresses.map((a) => ({ type: a.type, address: isIP(a.address) ? r.ip(a.address) : r.scrub(a.address) })),
      podCIDRs: n.podCIDRs.map((c) => r.ip(c)),
    })),
    workloads: s.workloads.map((w) => ({
      ...w,
      name: w.kind === 'Pod' ? r.pod(w.name) : w.name,
      labels: r.labels(w.labels),
      podLabels: r.labels(w.podLabels),
    })),
    pods: s.pods.map((p) => ({
      ...p,
      name: r.pod(p.name),
      labels: r.labels(p.labels),
      ips: p.ips.map((ip) => r.ip(ip)),
      node: p.node && r.node(p.node),
      owner: p.owner && (p.owner.kind === 'Pod' ? { ...p.owner, name: r.pod(p.owner.name) } : p.owner),
      ports: p.ports.map((pt) => ({ ...pt, name: sc(pt.name) })),
    })),
    services: s.services.map((sv) => ({
      ...sv,
      clusterIPs: sv.clusterIPs.map((ip) => (isIP(ip) ? r.ip(ip) : ip)),
      selector: sv.selector && r.labels(sv.selector),
      externalName: sc(sv.externalName),
      endpoints: sv.endpoints.map((e) => ({ ...e, ip: r.ip(e.ip), pod: sc(e.pod), node: e.node && r.node(e.node) })),
    })),
    policies: s.policies.map((p) => ({ ...p, manifest: redactManifest(p.manifest, r) as Record<string, unknown> })),
    flows: s.flows.map((f) => ({
      ...f,
      src: endpoint(f.src),
      dst: endpoint(f.dst),
      node: f.node && r.node(f.node),
      dropReason: sc(f.dropReason),
      l7: f.l7 && { ...f.l7, path: sc(f.l7.path), query: sc(f.l7.query) },
    })),
    roads: s.roads.map((rd) => ({
      ...rd,
      key: r.scrub(rd.key).replace(/^[^|]*\|[^|]*/, `${r.peer(rd.src)}|${r.peer(rd.dst)}`),
      src: r.peer(rd.src),
      dst: r.peer(rd.dst),
      dropReasons: record(rd.dropReasons),
      l7: rd.l7 && {
        httpMethods: rd.l7.httpMethods,
        httpCodes: rd.l7.httpCodes,
        topPaths: record(rd.l7.topPaths),
        dnsNames: record(rd.l7.dnsNames),
        dnsRcodes: rd.l7.dnsRcodes,
      },
    })),
    probes: s.probes.map((p) => ({ ...p, src: r.peer(p.src), dst: r.peer(p.dst), dstTarget: sc(p.dstTarget), detail: sc(p.detail) })),
    findings: s.findings.map((f) => ({ ...f, title: r.scrub(f.title), detail: r.scrub(f.detail), target: f.target && redactTarget(f.target, r) })),
    warnings: s.warnings.map((w) => ({ ...w, message: r.scrub(w.message), subject: sc(w.subject) })),
    permissions: s.permissions,
    positions: Object.fromEntries(Object.entries(s.positions).map(([k, v]) => [r.peer(k), v])),
    notes: s.notes.map((n) => ({ ...n, text: r.scrub(n.text), target: n.target && redactTarget(n.target, r) })),
  };
}

/** A finding or note target: a peer id, a road key (peer|peer|...) or a policy key. */
function redactTarget(t: string, r: Redactor): string {
  if (t.includes('|')) {
    const [src, dst, ...rest] = t.split('|');
    return [r.peer(src), r.peer(dst), ...rest].join('|');
  }
  return /^(pod|wl|node|ip):/.test(t) ? r.peer(t) : r.scrub(t);
}

/** Policy manifests: selector and label values by meaning, annotations dropped, every other string scrubbed. */
function redactManifest(v: unknown, r: Redactor, key = ''): unknown {
  if (typeof v === 'string') return r.scrub(v);
  if (Array.isArray(v)) return v.map((item) => redactManifest(item, r, key));
  if (v === null || typeof v !== 'object') return v;
  const obj = v as Record<string, unknown>;
  if (key === 'matchLabels' || key === 'labels') {
    return Object.fromEntries(Object.entries(obj).map(([k, val]) => [k, typeof val === 'string' ? r.label(val) : redactManifest(val, r)]));
  }
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(obj)) {
    // last-applied-configuration and friends repeat the whole object; they add nothing to an export.
    if (k === 'annotations') continue;
    if (k === 'values' && Array.isArray(val) && key === 'matchExpressions') out[k] = val.map((x) => (typeof x === 'string' ? r.label(x) : x));
    else out[k] = redactManifest(val, r, k === 'matchExpressions' ? k : k === 'values' ? key : k);
  }
  return out;
}

export function redactMap(m: MapModel, r: Redactor): MapModel {
  const edge = redactEdgeWith(r);
  const node = (n: MapNode): MapNode => ({
    ...n,
    id: r.peer(n.id),
    parent: n.parent && r.peer(n.parent),
    label: n.kind === 'house' && parsePeerId(n.id).type === 'pod' ? r.pod(parsePeerId(n.id).name) : r.scrub(n.label),
    meta: Object.fromEntries(Object.entries(n.meta).map(([k, v]) => [k, /label/i.test(k) ? redactLabelList(v, r) : r.scrub(v)])),
    flags: n.flags.map((f) => r.scrub(f)),
  });
  return {
    ...m,
    title: r.scrub(m.title),
    subtitle: r.scrub(m.subtitle),
    nodes: m.nodes.map(node),
    edges: m.edges.map(edge),
    districtRoads: m.districtRoads?.map(edge),
    legend: m.legend.map((l) => ({ ...l, label: r.scrub(l.label) })),
  };
}

function redactEdgeWith(r: Redactor) {
  return (e: MapEdge): MapEdge => ({
      ...e,
      id: r.scrub(e.id),
      source: r.peer(e.source),
      target: r.peer(e.target),
      label: r.scrub(e.label),
      roadKeys: e.roadKeys.map((k) => redactTarget(k, r)),
      flags: e.flags.map((f) => r.scrub(f)),
    });
}


/** "app=cart, tier=web" (or newline separated): each value after '=' is a label value. */
function redactLabelList(v: string, r: Redactor): string {
  return v.replace(/([^\s,=]+)=([^\s,]*)/g, (_m, k: string, val: string) => `${k}=${r.label(val)}`);
}

/** Redacts a snapshot and its map with one salt, so both speak of the same tokens. */
export function redactAll(snapshot: Snapshot, map: MapModel, salt?: string | Buffer): { snapshot: Snapshot; map: MapModel; redactor: Redactor } {
  const r = new Redactor(salt);
  learnSnapshot(snapshot, r);
  return { snapshot: redactSnapshot(snapshot, r), map: redactMap(map, r), redactor: r };
}
