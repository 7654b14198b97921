/**
 * cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy at L3/L4. L7 rules are kept
 * as a mark on the allow ("allowed with L7 rules"); toFQDNs depends on DNS, so it is unknown to a
 * static check. CIDR rules select addresses outside the cluster only (Cilium's default).
 */
import type { Labels, PolicyObject } from '../model/types.js';
import { compileSelector } from './labels.js';
import type { CompiledPolicy, Direction, Endpoint, PeerMatcher, Rule, Tri } from './ir.js';
import {
  anyPeer,
  asArray,
  domainPeer,
  emptyPolicy,
  ipBlockPeer,
  isObj,
  newRule,
  NO_PEER,
  normProtocol,
  orPeers,
  parseCidrOrWarn,
  portMatcher,
  type CompileContext,
  type IpBlock,
  type Obj,
  type PortSpec,
  shown,
} from './compile-common.js';
import type { PodClass } from './universe.js';

const NS_KEY = 'io.kubernetes.pod.namespace';
const NS_LABEL_PREFIX = 'io.cilium.k8s.namespace.labels.';
const ENTITIES = new Set(['world', 'world-ipv4', 'world-ipv6', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'all', 'health', 'init', 'unmanaged', 'ingress']);

const labelCache = new WeakMap<PodClass, Labels>();
/** The labels Cilium sees on an endpoint: pod labels, its namespace and the namespace's labels. */
function ciliumLabels(c: PodClass): Labels {
  let l = labelCache.get(c);
  if (!l) {
    l = { ...c.labels, [NS_KEY]: c.ns };
    for (const [k, v] of Object.entries(c.nsLabels)) l[NS_LABEL_PREFIX + k] = v;
    labelCache.set(c, l);
  }
  return l;
}

const stripSource = (k: string) => k.replace(/^(k8s|any):/, '');

function selectorKeys(sel: unknown): string[] {
  if (!isObj(sel)) return [];
  const keys = isObj(sel.matchLabels) ? Object.keys(sel.matchLabels) : [];
  for (const e of asArray(sel.matchExpressions)) if (isObj(e) && typeof e.key === 'string') keys.push(e.key);
  return keys;
}

function entityMatch(name: string, ep: Endpoint): Tri {
  if (name === 'all') return 'yes';
  switch (ep.t) {
    case 'pod':
      return name === 'cluster' ? 'yes' : 'no';
    case 'ext':
      if (name === 'world') return 'yes';
      if (name === 'world-ipv4' || name === 'world-ipv6') return ep.ip ? (ep.ip.v6 === (name === 'world-ipv6') ? 'yes' : 'no') : 'unknown';
      return 'no';
    case 'node':
      if (name === 'cluster') return 'yes';
      if (name === 'host') return ep.local === undefined ? 'unknown' : ep.local ? 'yes' : 'no';
      if (name === 'remote-node') return ep.local === undefined ? 'unknown' : ep.local ? 'no' : 'yes';
      return 'no';
    case 'apiserver':
      return name === 'kube-apiserver' || name === 'cluster' ? 'yes' : 'no';
  }
}

export function compileCilium(ctx: CompileContext, p: PolicyObject): CompiledPolicy[] {
  const m = p.manifest;
  const specs: { spec: Obj; prefix: string }[] = [];
  if (isObj(m.spec)) specs.push({ spec: m.spec, prefix: '' });
  asArray(m.specs).forEach((s, i) => {
    if (isObj(s)) specs.push({ spec: s, prefix: `specs[${i}].` });
  });
  const label = p.kind === 'CiliumNetworkPolicy' ? `CiliumNetworkPolicy ${p.namespace ?? 'default'}/${p.name}` : `CiliumClusterwideNetworkPolicy ${p.name}`;
  if (specs.length === 0) {
    ctx.warnings.push({ policy: `${p.kind}/${p.namespace ? p.namespace + '/' : ''}${p.name}`, message: 'no spec or specs (policy ignored)' });
    return [];
  }
  return specs.map(({ spec, prefix }) => compileSpec(ctx, p, spec, prefix, label)).filter((c): c is CompiledPolicy => c !== null);
}

function compileSpec(ctx: CompileContext, p: PolicyObject, spec: Obj, prefix: string, label: string): CompiledPolicy | null {
  const { u } = ctx;
  const namespaced = p.kind === 'CiliumNetworkPolicy';
  const ns = p.namespace ?? 'default';
  const cp = emptyPolicy(p, u, 'main', 1000, label);
  const warn = (message: string) => ctx.warnings.push({ policy: cp.key, message });
  if (spec.nodeSelector !== undefined && spec.endpointSelector === undefined) {
    warn(`${prefix}spec.nodeSelector: host policies are not analysed (spec ignored)`);
    return null;
  }
  const epSel = compileSelector(spec.endpointSelector ?? {}, `${prefix}endpointSelector`, stripSource);
  epSel.errors.forEach(warn);
  cp.subjects = u.selectOnce(['cilium', namespaced ? ns : null, epSel.empty ? null : spec.endpointSelector], namespaced ? ns : null, epSel.empty ? null : (c) => epSel.match(ciliumLabels(c)));

  const dd = isObj(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
  for (const dir of ['ingress', 'egress'] as Direction[]) {
    const allow = asArray(spec[dir]);
    const deny = asArray(spec[`${dir}Deny`]);
    cp.isolates[dir] = (allow.length > 0 || deny.length > 0) && dd[dir] !== false;
    allow.forEach((r, i) => cp.rules[dir].push(...compileRule(ctx, cp, namespaced, ns, dir, `${prefix}${dir}`, i, r, 'allow', warn)));
    deny.forEach((r, i) => cp.denyRules[dir].push(...compileRule(ctx, cp, namespaced, ns, dir, `${prefix}${dir}Deny`, i, r, 'deny', warn)));
  }
  return cp;
}

function compileRule(
  ctx: CompileContext,
  cp: CompiledPolicy,
  namespaced: boolean,
  ns: string,
  dir: Direction,
  section: string,
  i: number,
  raw: unknown,
  action: Rule['action'],
  warn: (m: string) => void,
): Rule[] {
  const { u } = ctx;
  const where = `${section}[${i}]`;
  const r = isObj(raw) ? raw : {};
  const pre = dir === 'ingress' ? 'from' : 'to';
  const peers: PeerMatcher[] = [];
  let hasL3 = false;

  const eps = r[`${pre}Endpoints`];
  if (eps !== undefined) {
    hasL3 = true;
    asArray(eps).forEach((sel, j) => {
      const at = `${where}.${pre}Endpoints[${j}]`;
      const keys = selectorKeys(sel).map(stripSource);
      const reserved = selectorKeys(sel).find((k) => k.startsWith('reserved:'));
      if (reserved) {
        const ent = reserved.slice('reserved:'.length);
        peers.push({ classes: null, other: (ep) => entityMatch(ent, ep) });
        return;
      }
      const s = compileSelector(sel, at, stripSource);
      s.errors.forEach(warn);
      // A namespaced policy's endpoint selectors stay in its namespace unless they name one or select by namespace labels.
      const scoped = namespaced && !keys.includes(NS_KEY) && !keys.some((k) => k.startsWith(NS_LABEL_PREFIX));
      const key = ['cilium', scoped ? ns : null, s.empty ? null : sel];
      peers.push({ classes: u.selectOnce(key, scoped ? ns : null, s.empty ? null : (c) => s.match(ciliumLabels(c))), other: () => 'no' });
    });
  }
  const ents = r[`${pre}Entities`];
  if (ents !== undefined) {
    hasL3 = true;
    for (const e of asArray(ents)) {
      const name = shown(e);
      if (!ENTITIES.has(name)) {
        warn(`${where}.${pre}Entities: unknown entity '${name}' (ignored)`);
        continue;
      }
      peers.push({ classes: name === 'cluster' || name === 'all' ? u.all() : null, other: (ep) => entityMatch(name, ep), unknownWhy: `entity ${name}: node locality not known` });
    }
  }
  const blocks: IpBlock[] = [];
  const cidrs = r[`${pre}CIDR`];
  if (cidrs !== undefined) {
    hasL3 = true;
    asArray(cidrs).forEach((c, j) => {
      const cidr = parseCidrOrWarn(ctx, cp.key, `${where}.${pre}CIDR[${j}]`, c);
      if (cidr) blocks.push({ cidr, except: [] });
    });
  }
  const cidrSet = r[`${pre}CIDRSet`];
  if (cidrSet !== undefined) {
    hasL3 = true;
    asArray(cidrSet).forEach((c, j) => {
      const at = `${where}.${pre}CIDRSet[${j}]`;
      if (!isObj(c)) return warn(`${at}: must be an object`);
      if (c.cidr === undefined) {
        warn(`${at}: cidrGroupRef/selector are not analysed (treated as unknown)`);
        peers.push({ classes: null, other: (ep) => (ep.t === 'ext' ? 'unknown' : 'no'), unknownWhy: 'CIDR group not known' });
        return;
      }
      const cidr = parseCidrOrWarn(ctx, cp.key, `${at}.cidr`, c.cidr);
      if (!cidr) return;
      const except = asArray(c.except)
        .map((x, k) => parseCidrOrWarn(ctx, cp.key, `${at}.except[${k}]`, x))
        .filter((x) => x !== undefined);
      blocks.push({ cidr, except });
    });
  }
  if (blocks.length) peers.push(ipBlockPeer(blocks, { nodes: false }));
  const nodes = r[`${pre}Nodes`];
  if (nodes !== undefined) {
    hasL3 = true;
    asArray(nodes).forEach((sel, j) => {
      const s = compileSelector(sel, `${where}.${pre}Nodes[${j}]`, stripSource);
      s.errors.forEach(warn);
      peers.push({
        classes: null,
        other: (ep) => (ep.t !== 'node' ? 'no' : !ep.name ? 'unknown' : s.match(u.nodes.get(ep.name)?.labels ?? {}) ? 'yes' : 'no'),
        unknownWhy: 'node not known',
      });
    });
  }
  if (dir === 'egress' && r.toFQDNs !== undefined) {
    hasL3 = true;
    const names = asArray(r.toFQDNs).map((f) => (isObj(f) ? shown(f.matchName ?? f.matchPattern ?? '') : '')).filter(Boolean);
    peers.push(domainPeer(names, `toFQDNs (${names.join(', ')}) depends on DNS`, 'cilium'));
  }
  for (const k of ['toServices', 'toGroups']) {
    if (dir === 'egress' && r[k] !== undefined) {
      hasL3 = true;
      warn(`${where}.${k}: not analysed (treated as unknown for addresses outside the cluster)`);
      peers.push({ classes: null, other: (ep) => (ep.t === 'ext' ? 'unknown' : 'no'), unknownWhy: `${k} not analysed` });
    }
  }
  if (r[`${pre}Requires`] !== undefined) warn(`${where}.${pre}Requires: deprecated and not analysed (ignored)`);

  const toPorts = asArray(r.toPorts);
  const hasL4 = toPorts.length > 0;
  if (!hasL3 && !hasL4) {
    // An empty rule selects nothing: it only switches on default deny.
    return [];
  }
  const peer = hasL3 ? (peers.length ? orPeers(u, peers) : NO_PEER) : anyPeer(u);
  if (!hasL4) {
    const icmpOnly = r.icmps !== undefined;
    return [newRule(ctx, cp, dir, section, i + 1, action, peer, portMatcher(icmpOnly ? [] : null))];
  }
  return toPorts.map((tp, j) => {
    const o = isObj(tp) ? tp : {};
    const specs: PortSpec[] = [];
    const list = asArray(o.ports);
    if (list.length === 0) specs.push({ protocol: 'ANY' });
    list.forEach((pp, k) => {
      const at = `${where}.toPorts[${j}].ports[${k}]`;
      const q = isObj(pp) ? pp : {};
      const protocol = normProtocol(q.protocol, 'ANY');
      if (!protocol) return warn(`${at}.protocol: '${shown(q.protocol)}' is not TCP, UDP, SCTP or ANY (port ignored)`);
      const port = q.port === undefined ? '0' : shown(q.port);
      if (/^\d+$/.test(port)) {
        const n = Number(port);
        if (n > 65535) return warn(`${at}.port: '${port}' is above 65535 (port ignored)`);
        if (n === 0) return specs.push({ protocol });
        const end = q.endPort === undefined ? n : Number(q.endPort);
        if (!Number.isInteger(end) || end < n || end > 65535) return warn(`${at}.endPort: '${shown(q.endPort)}' must be from ${n} to 65535 (port ignored)`);
        specs.push({ protocol, from: n, to: end });
      } else if (/^[a-z0-9-]{1,15}$/.test(port)) specs.push({ protocol, name: port });
      else warn(`${at}.port: '${port}' is not a port number or name (port ignored)`);
    });
    const rule = newRule(ctx, cp, dir, section, i + 1, action, peer, portMatcher(specs));
    const rules = isObj(o.rules) ? o.rules : undefined;
    if (rules && action === 'allow') {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(rules)) {
        if (k === 'l7proto') {
          parts.push(shown(v));
          continue;
        }
        const list = asArray(v).filter(isObj);
        if (list.length === 0) continue;
        // Short forms of what the proxy will check: "HTTP GET /api/.*", "DNS *.example.com", "KAFKA produce orders".
        const what = list
          .slice(0, 3)
          .map((x) =>
            k === 'http'
              ? [x.method, x.path, x.host].filter((y) => typeof y === 'string').join(' ') || 'any request'
              : k === 'dns'
                ? shown(x.matchName ?? x.matchPattern ?? 'any name')
                : [x.role ?? x.apiKey, x.topic].filter((y) => typeof y === 'string').join(' ') || 'any',
          );
        parts.push(`${k.toUpperCase()} ${what.join(', ')}${list.length > 3 ? ', ...' : ''}`);
      }
      if (parts.length) rule.l7 = parts.join('; ');
    }
    return rule;
  });
}
