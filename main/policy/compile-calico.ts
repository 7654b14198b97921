/**
 * projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy, in their tiers. Covered: selector,
 * namespaceSelector, serviceAccountSelector, order, tier, types (and their inference),
 * Allow/Deny/Pass/Log, protocol / notProtocol, icmp / notICMP (ICMP rules match no TCP/UDP/SCTP
 * port), ipVersion, source/destination selector, notSelector, namespaceSelector, serviceAccounts,
 * services, nets, notNets, ports, notPorts (numbers, "a:b" ranges, names); NetworkSets,
 * GlobalNetworkSets and HostEndpoints as peers by labels. HTTP matches on Allow rules: allowed
 * with L7 rules. Not covered: source ports, policies for host endpoints (preDNAT,
 * applyOnForward, doNotTrack), profiles, service-account labels other than the name.
 */
import type { Labels, PolicyObject, Protocol, ServiceInfo } from '../model/types.js';
import { NAMESPACE_SCOPE, parseCalicoSelector, selectorKeys, type CalicoPredicate } from './calico-selector.js';
import type { CompiledPolicy, Direction, Endpoint, PeerMatcher, PortMatcher, Rule, Tri } from './ir.js';
import { asArray, emptyPolicy, isObj, newRule, NO_PEER, parseCidrOrWarn, type CalicoObjects, type CompileContext, type Obj, type PortSpec, shown } from './compile-common.js';
import { cidrContains, parseIp, type Cidr, type IpAddr } from './ip.js';
import { ALL_PORTS, NO_PORTS, PROTOCOLS, intersect, portSetOf, protocolSet, subtract, union, type PortSet } from './ports.js';
import type { PodClass } from './universe.js';
import type { Bitset } from './bitset.js';

const podLabelCache = new WeakMap<PodClass, Labels>();
function calicoPodLabels(c: PodClass): Labels {
  let l = podLabelCache.get(c);
  if (!l)
    podLabelCache.set(
      c,
      (l = {
        ...c.labels,
        'projectcalico.org/namespace': c.ns,
        'projectcalico.org/orchestrator': 'k8s',
        ...(c.serviceAccount !== undefined ? { 'projectcalico.org/serviceaccount': c.serviceAccount } : {}),
      }),
    );
  return l;
}
const calicoNsLabels = (ns: string, l: Labels): Labels => ({ ...l, 'projectcalico.org/name': ns, [NAMESPACE_SCOPE]: 'true' });
const SA_NAME = 'projectcalico.org/name';

const ACTIONS: Record<string, Rule['action']> = { Allow: 'allow', Deny: 'deny', Pass: 'pass', Log: 'log' };

export function compileCalico(ctx: CompileContext, p: PolicyObject): CompiledPolicy[] {
  const { u } = ctx;
  const global = p.kind === 'CalicoGlobalNetworkPolicy';
  const ns = p.namespace ?? 'default';
  const spec = isObj(p.manifest.spec) ? p.manifest.spec : {};
  const order = typeof spec.order === 'number' ? spec.order : Number.POSITIVE_INFINITY;
  const tierName = typeof spec.tier === 'string' && spec.tier ? spec.tier : 'default';
  let tier = ctx.tiers.get(tierName);
  const missingTier = !tier;
  if (!tier) ctx.tiers.set(tierName, (tier = { name: tierName, order: Number.POSITIVE_INFINITY, defaultAction: 'deny' }));
  // Live (crd.projectcalico.org/v1) names carry the tier: "security.block-egress", "default.allow-web".
  const shortName = p.name.startsWith(`${tierName}.`) ? p.name.slice(tierName.length + 1) : p.name;
  const layer = tierName === 'kube-admin' ? 'admin' : tierName === 'kube-baseline' ? 'baseline' : 'main';
  const label = `${global ? 'Calico GlobalNetworkPolicy' : 'Calico NetworkPolicy'} ${global ? shortName : `${ns}/${shortName}`}${Number.isFinite(order) ? ` (order ${order})` : ''}`;
  const cp = emptyPolicy(p, u, layer, order, label, tier);
  cp.displayName = global ? shortName : `${ns}/${shortName}`;
  cp.calico = true;
  const warn = (message: string) => ctx.warnings.push({ policy: cp.key, message });
  if (missingTier) warn(`spec.tier: tier '${tierName}' not found (no Tier object): evaluated after the ordered tiers, default action Deny`);
  const sel = (src: unknown, where: string): CalicoPredicate | null => {
    if (src === undefined || src === null || src === '') return null;
    try {
      return parseCalicoSelector(shown(src));
    } catch (e) {
      warn(`${where}: invalid selector '${shown(src)}': ${(e as Error).message} (matches nothing)`);
      return () => false;
    }
  };
  for (const k of ['preDNAT', 'applyOnForward', 'doNotTrack']) if (spec[k]) warn(`spec.${k}: host endpoint policy not analysed`);

  const subjSel = sel(spec.selector, 'spec.selector');
  const subjNs = global ? sel(spec.namespaceSelector, 'spec.namespaceSelector') : null;
  const subjSa = saTest(sel(spec.serviceAccountSelector, 'spec.serviceAccountSelector'), undefined);
  if (subjSa?.why) warn(`spec.serviceAccountSelector: ${subjSa.why} (those pods are taken as not selected)`);
  cp.subjects = u.select(
    global ? (n, l) => !subjNs || subjNs(calicoNsLabels(n, l)) : ns,
    subjSel || subjSa ? (c) => (!subjSel || subjSel(calicoPodLabels(c))) && (!subjSa || subjSa.test(c)) : null,
  );
  const objects = ctx.calico;

  let types: string[];
  if (Array.isArray(spec.types)) types = spec.types.map(String);
  else {
    // Calico's inference: Egress only when there are egress rules and no ingress rules.
    const hasIn = asArray(spec.ingress).length > 0;
    const hasOut = asArray(spec.egress).length > 0;
    types = hasOut && !hasIn ? ['Egress'] : hasOut ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const dir of ['ingress', 'egress'] as Direction[]) {
    if (!types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
    cp.isolates[dir] = true;
    asArray(spec[dir]).forEach((raw, i) => {
      const where = `spec.${dir}[${i}]`;
      const r = isObj(raw) ? raw : {};
      const action = typeof r.action === 'string' && Object.hasOwn(ACTIONS, r.action) ? ACTIONS[r.action] : undefined;
      if (!action) return warn(`${where}.action: '${shown(r.action)}' is not Allow, Deny, Pass or Log (rule ignored)`);
      const src = isObj(r.source) ? r.source : {};
      const dst = isObj(r.destination) ? r.destination : {};
      const peerSide = dir === 'ingress' ? src : dst;
      const selfSide = dir === 'ingress' ? dst : src;
      const uncertain: string[] = [];
      const side = `${where}.${dir === 'ingress' ? 'source' : 'destination'}`;
      const ep = entityPeer(ctx, cp.key, objects, global, ns, peerSide, side, sel, warn, dir === 'egress');
      let ports: PortMatcher = portsOf(ctx, cp.key, r, dst, `${where}`, warn);
      if (ep.ports) ports = andPorts(ports, ep.ports);
      let peer = ep.peer;
      const family = ipVersionOf(r.ipVersion, `${where}.ipVersion`, warn);
      if (family) {
        const fams = podFamilies(ctx);
        if (fams.size === 1 && !fams.has(family)) peer = NO_PEER; // the pods have no address of that family
        else {
          if (fams.size !== 1) uncertain.push(`ipVersion ${family === 'v6' ? 6 : 4}: the address family of pod traffic is not known`);
          peer = familyPeer(peer, family);
        }
      }
      const rule = newRule(ctx, cp, dir, dir, i + 1, action, peer, ports, typeof (r.metadata as Obj | undefined)?.name === 'string' ? shown((r.metadata as Obj).name) : undefined);
      const selfFilter = subjectSideFilter(ctx, global, ns, selfSide, `${where}.${dir === 'ingress' ? 'destination' : 'source'}`, sel, warn, uncertain);
      if (selfFilter) rule.subjectFilter = selfFilter;
      if (src.ports !== undefined || src.notPorts !== undefined) uncertain.push('source ports are not analysed');
      if (r.http !== undefined) {
        // An Allow with HTTP matches is an L3/L4 allow with L7 rules on top; a Deny of some requests is not a deny of the connection.
        if (action === 'allow') rule.l7 = httpText(r.http);
        else uncertain.push(`HTTP match on a ${shown(r.action)} rule: only some requests are matched`);
      }
      if (uncertain.length) rule.uncertain = [...new Set(uncertain)].join('; ');
      cp.rules[dir].push(rule);
    });
  }
  return [cp];
}

function nets(ctx: CompileContext, key: string, raw: unknown, where: string): Cidr[] {
  return asArray(raw)
    .map((c, j) => parseCidrOrWarn(ctx, key, `${where}[${j}]`, c))
    .filter((c): c is Cidr => c !== undefined);
}

/**
 * serviceAccounts / serviceAccountSelector: the pod's service account by name (names) and by its
 * labels (selector; only projectcalico.org/name, the account's name, is known). `why` says what
 * cannot be known.
 */
function saTest(selector: CalicoPredicate | null, names: string[] | undefined): { test: (c: PodClass) => boolean; maybe: (c: PodClass) => boolean; why?: string } | null {
  if (!selector && !names) return null;
  const other = selector ? [...selectorKeys(selector)].filter((k) => k !== SA_NAME) : [];
  const byName = (sa: string) => !names || names.includes(sa);
  return {
    test: (c) => c.serviceAccount !== undefined && byName(c.serviceAccount) && (!selector || selector({ [SA_NAME]: c.serviceAccount })),
    // Pods that may match once what is not known is known (a rule using it is uncertain).
    maybe: (c) => c.serviceAccount === undefined || (byName(c.serviceAccount) && (other.length > 0 || !selector || selector({ [SA_NAME]: c.serviceAccount }))),
    why: other.length ? `service account labels (${other.join(', ')}) are not known, only the name` : undefined,
  };
}

const famCache = new WeakMap<object, Set<'v4' | 'v6'>>();
/** The address families of the pods (one when the cluster is single-stack and addresses are known). */
function podFamilies(ctx: CompileContext): Set<'v4' | 'v6'> {
  let f = famCache.get(ctx.u);
  if (!f) {
    f = new Set();
    let none = false;
    for (const p of ctx.u.pods.values()) {
      if (p.hostNetwork) continue;
      if (p.ips.length === 0) none = true;
      for (const ip of p.ips) f.add(ip.includes(':') ? 'v6' : 'v4');
    }
    if (none) f.add('v4').add('v6'); // some pods without an address: not known
    famCache.set(ctx.u, f);
  }
  return f;
}

function ipVersionOf(v: unknown, where: string, warn: (m: string) => void): 'v4' | 'v6' | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === 4 || v === '4') return 'v4';
  if (v === 6 || v === '6') return 'v6';
  warn(`${where}: '${shown(v)}' is not 4 or 6 (ignored)`);
  return undefined;
}

/** Restricts a peer's addresses to one family; an address-less peer ("world") may be either. */
function familyPeer(peer: PeerMatcher, family: 'v4' | 'v6'): PeerMatcher {
  const v6 = family === 'v6';
  return {
    classes: peer.classes,
    unknownWhy: peer.unknownWhy,
    other: (ep) => {
      switch (ep.t) {
        case 'pod':
          return peer.other(ep);
        case 'ext': {
          if (ep.ip) return ep.ip.v6 === v6 ? peer.other(ep) : 'no';
          const t = peer.other(ep);
          return t === 'yes' ? 'unknown' : t;
        }
        case 'node':
        case 'apiserver': {
          const ips = ep.ips.filter((ip) => ip.v6 === v6);
          if (ep.ips.length && !ips.length) return 'no';
          return peer.other({ ...ep, ips } as Endpoint);
        }
      }
    },
  };
}

function andPorts(a: PortMatcher, b: PortMatcher): PortMatcher {
  if (a.fixed && b.fixed) {
    const fixed = intersect(a.fixed, b.fixed);
    return { fixed, resolve: () => fixed };
  }
  const cache = new Map<number, PortSet>();
  return {
    resolve: (d) => {
      const k = d ? d.id : -1;
      let v = cache.get(k);
      if (!v) cache.set(k, (v = intersect(a.resolve(d), b.resolve(d))));
      return v;
    },
  };
}

function httpText(h: unknown): string {
  const o = isObj(h) ? h : {};
  const methods = asArray(o.methods).map(String);
  const paths = asArray(o.paths).map((p) => (isObj(p) ? shown(p.exact ?? p.prefix ?? '') : shown(p)));
  return `HTTP${methods.length ? ` ${methods.join(',')}` : ''}${paths.length ? ` ${paths.join(',')}` : ''}`;
}

function ipsOf(ep: Endpoint): IpAddr[] {
  return ep.t === 'ext' ? (ep.ip ? [ep.ip] : []) : ep.t === 'pod' ? [] : ep.ips;
}


/** `services` as a peer: the service's backends (pods, endpoint addresses, the API server) and, as a destination, its target ports. */
function servicePeer(ctx: CompileContext, ns: string, global: boolean, raw: unknown, where: string, destination: boolean, warn: (m: string) => void): { peer: PeerMatcher; ports?: PortMatcher } {
  const { u } = ctx;
  const o = isObj(raw) ? raw : {};
  const name = typeof o.name === 'string' ? o.name : '';
  const svcNs = typeof o.namespace === 'string' && o.namespace ? o.namespace : global ? '' : ns;
  if (!name || !svcNs) {
    warn(`${where}: needs name${global ? ' and namespace' : ''} (rule matches nothing)`);
    return { peer: NO_PEER };
  }
  const svc: ServiceInfo | undefined = u.services.find((x) => x.namespace === svcNs && x.name === name);
  if (!svc) {
    warn(`${where}: service ${svcNs}/${name} not found (rule matches nothing)`);
    return { peer: NO_PEER };
  }
  const sel = svc.selector && Object.keys(svc.selector).length ? svc.selector : undefined;
  const classes = sel
    ? u.selectIn(svcNs, (c) => Object.entries(sel).every(([k, v]) => c.labels[k] === v))
    : u.none();
  const addrs: IpAddr[] = [];
  for (const e of svc.endpoints) {
    const cls = e.pod ? u.podClass.get(e.pod) : undefined;
    if (cls) classes.set(cls.id);
    else {
      const ip = parseIp(e.ip);
      if (ip) addrs.push(ip);
    }
  }
  const apiserver = svcNs === 'default' && name === 'kubernetes';
  const peer: PeerMatcher = {
    classes,
    other: (ep) => {
      if (ep.t === 'apiserver') return apiserver ? 'yes' : 'no';
      const ips = ipsOf(ep);
      return ips.some((ip) => addrs.some((a) => a.v6 === ip.v6 && a.value === ip.value)) ? 'yes' : 'no';
    },
  };
  if (!destination) return { peer };
  // Ports come from the service: target ports, named ones resolved on each backend.
  const specs = svc.ports.map((sp) => ({ protocol: sp.protocol, target: sp.targetPort }));
  const resolve = (d: PodClass | null): PortSet => {
    let out = NO_PORTS;
    for (const sp of specs) {
      if (typeof sp.target === 'number') out = union(out, portSetOf(sp.protocol, sp.target));
      else if (/^\d+$/.test(sp.target)) out = union(out, portSetOf(sp.protocol, Number(sp.target)));
      else for (const cp of d?.namedPorts ?? []) if (cp.name === sp.target && cp.protocol === sp.protocol) out = union(out, portSetOf(sp.protocol, cp.containerPort));
    }
    return out;
  };
  if (!specs.some((sp) => typeof sp.target === 'string' && !/^\d+$/.test(sp.target))) {
    const fixed = resolve(null);
    return { peer, ports: { fixed, resolve: () => fixed } };
  }
  const cache = new Map<number, PortSet>();
  return {
    peer,
    ports: {
      resolve: (d) => {
        const k = d ? d.id : -1;
        let v = cache.get(k);
        if (!v) cache.set(k, (v = resolve(d)));
        return v;
      },
    },
  };
}

function entityPeer(
  ctx: CompileContext,
  key: string,
  objects: CalicoObjects,
  global: boolean,
  ns: string,
  e: Obj,
  where: string,
  sel: (s: unknown, w: string) => CalicoPredicate | null,
  warn: (m: string) => void,
  destination: boolean,
): { peer: PeerMatcher; ports?: PortMatcher } {
  const { u } = ctx;
  if (e.services !== undefined) {
    for (const k of ['selector', 'notSelector', 'namespaceSelector', 'serviceAccounts', 'nets', 'notNets'])
      if (e[k] !== undefined) warn(`${where}.${k}: not allowed with services (ignored)`);
    return servicePeer(ctx, ns, global, e.services, `${where}.services`, destination, warn);
  }
  const s = sel(e.selector, `${where}.selector`);
  const notS = sel(e.notSelector, `${where}.notSelector`);
  const nsS = sel(e.namespaceSelector, `${where}.namespaceSelector`);
  const inNets = e.nets !== undefined ? nets(ctx, key, e.nets, `${where}.nets`) : null;
  const outNets = e.notNets !== undefined ? nets(ctx, key, e.notNets, `${where}.notNets`) : null;
  const saRaw = isObj(e.serviceAccounts) ? e.serviceAccounts : undefined;
  if (e.serviceAccounts !== undefined && !saRaw) warn(`${where}.serviceAccounts: expected names and/or selector (ignored)`);
  const sa = saRaw ? saTest(sel(saRaw.selector, `${where}.serviceAccounts.selector`), saRaw.names !== undefined ? asArray(saRaw.names).map(String) : undefined) : null;
  // What cannot be known about service accounts makes those pods "maybe" (unknown), the others stay sure.
  const saWhy = sa ? [sa.why, u.classes.some((c) => c.serviceAccount === undefined) ? 'the service account of some pods is not known' : undefined].filter(Boolean).join('; ') : '';
  const bySelector = s !== null || nsS !== null || sa !== null;
  // Pods: chosen by selectors (in the policy's namespace unless namespaceSelector says otherwise).
  let classes: Bitset | null = null;
  let maybe: Bitset | undefined;
  if (inNets === null) {
    // A selector in a namespaced policy looks in the policy's namespace; no selector means anywhere.
    const scope = nsS ? (n: string, l: Labels) => nsS(calicoNsLabels(n, l)) : (s || sa) && !global ? ns : null;
    const pods = (saOk: ((c: PodClass) => boolean) | null) =>
      s || notS || saOk ? (c: PodClass) => (!s || s(calicoPodLabels(c))) && !(notS && notS(calicoPodLabels(c))) && (!saOk || saOk(c)) : null;
    classes = u.select(scope, pods(sa ? sa.test : null));
    if (sa && saWhy) {
      maybe = u.select(scope, pods(sa.maybe));
      maybe.andNot(classes);
    }
  }
  // Network sets and host endpoints are endpoints too: selectors pick them by their labels.
  // A namespaceSelector reaches non-namespaced resources (global network sets, host endpoints) only through global().
  const nsGlobal = nsS !== null && /\bglobal\(\s*\)/.test(String(e.namespaceSelector));
  const inScope = (setNs: string | undefined): boolean =>
    nsS ? (setNs === undefined ? nsGlobal && nsS({}) : nsS(calicoNsLabels(setNs, u.nsLabels.get(setNs) ?? {}))) : global ? true : setNs === ns;
  const labelsOfSet = (l: Labels, setNs: string | undefined): Labels => (setNs ? { ...l, 'projectcalico.org/namespace': setNs } : l);
  const picked = (l: Labels, setNs: string | undefined) => !sa && inScope(setNs) && (!s || s(labelsOfSet(l, setNs))) && !(notS && notS(labelsOfSet(l, setNs)));
  const sets = bySelector ? objects.netsets.filter((x) => picked(x.labels, x.ns)) : [];
  const heps = bySelector ? objects.heps.filter((x) => picked(x.labels, undefined)) : [];
  // notSelector alone matches anywhere but the endpoints it names: addresses of network sets it picks too.
  const notSets = !bySelector && notS ? objects.netsets.filter((x) => (global || x.ns === ns || x.ns === undefined) && notS(labelsOfSet(x.labels, x.ns))) : [];
  const ipsMatch = (ips: IpAddr[]): Tri => {
    if (ips.length === 0) return inNets || outNets ? 'unknown' : 'yes';
    const ok = ips.some((ip) => (!inNets || inNets.some((c) => cidrContains(c, ip))) && !(outNets && outNets.some((c) => cidrContains(c, ip))));
    return ok ? 'yes' : 'no';
  };
  const inSet = (ips: IpAddr[], list: typeof sets) => ips.some((ip) => list.some((x) => x.nets.some((c) => cidrContains(c, ip))));
  const other = (ep: Endpoint): Tri => {
    if (ep.t === 'pod') return 'no';
    const ips = ipsOf(ep);
    if (bySelector) {
      // Selectors pick workload endpoints, and the network sets and host endpoints they match.
      let t: Tri = 'no';
      if (sets.length) t = ips.length === 0 ? 'unknown' : inSet(ips, sets) ? 'yes' : 'no';
      if (t !== 'yes' && heps.length) {
        if (ep.t === 'node' && ep.name !== undefined && heps.some((h) => h.node === ep.name)) t = 'yes';
        else if (ips.some((ip) => heps.some((h) => h.ips.some((a) => a.v6 === ip.v6 && a.value === ip.value)))) t = 'yes';
        else if (ep.t === 'node' && ep.name === undefined && ips.length === 0) t = 'unknown';
      }
      if (t === 'no') return 'no';
      const n = inNets || outNets ? ipsMatch(ips) : 'yes';
      return n === 'no' ? 'no' : t === 'unknown' || n === 'unknown' ? 'unknown' : 'yes';
    }
    if (notSets.length && inSet(ips, notSets)) return 'no';
    return ipsMatch(ips);
  };
  const why = saWhy || (sets.length || heps.length ? 'address not known to compare with network sets, host endpoints or nets' : 'address not known to compare with nets/notNets');
  return { peer: { classes, other, unknownWhy: why, ...(maybe ? { maybe } : {}) } };
}

/** Constraints a rule puts on the policy's own endpoint (destination side of ingress, source of egress). */
function subjectSideFilter(
  ctx: CompileContext,
  global: boolean,
  ns: string,
  e: Obj,
  where: string,
  sel: (s: unknown, w: string) => CalicoPredicate | null,
  warn: (m: string) => void,
  uncertain: string[],
): Bitset | null {
  const s = sel(e.selector, `${where}.selector`);
  const notS = sel(e.notSelector, `${where}.notSelector`);
  const nsS = sel(e.namespaceSelector, `${where}.namespaceSelector`);
  if (e.nets !== undefined || e.notNets !== undefined) warn(`${where}: nets on the policy's own side are not analysed (ignored)`);
  if (e.services !== undefined) uncertain.push(`services on the policy's own side (${where}) are not analysed`);
  const saRaw = isObj(e.serviceAccounts) ? e.serviceAccounts : undefined;
  const sa = saRaw ? saTest(sel(saRaw.selector, `${where}.serviceAccounts.selector`), saRaw.names !== undefined ? asArray(saRaw.names).map(String) : undefined) : null;
  if (sa?.why) uncertain.push(sa.why);
  if (sa && ctx.u.classes.some((c) => c.serviceAccount === undefined)) uncertain.push('the service account of some pods is not known');
  if (!s && !notS && !nsS && !sa) return null;
  return ctx.u.select(
    nsS ? (n, l) => nsS(calicoNsLabels(n, l)) : global ? null : ns,
    (c) => (!s || s(calicoPodLabels(c))) && !(notS && notS(calicoPodLabels(c))) && (!sa || sa.maybe(c)),
  );
}

function protocolOf(v: unknown): Protocol | 'OTHER' | undefined {
  if (v === undefined || v === null) return undefined;
  const s = shown(v).toUpperCase();
  if (s === 'TCP' || s === '6') return 'TCP';
  if (s === 'UDP' || s === '17') return 'UDP';
  if (s === 'SCTP' || s === '132') return 'SCTP';
  return 'OTHER';
}

function portsOf(ctx: CompileContext, key: string, r: Obj, dst: Obj, where: string, warn: (m: string) => void) {
  const proto = protocolOf(r.protocol);
  const notProto = protocolOf(r.notProtocol);
  if (r.icmp !== undefined || r.notICMP !== undefined) {
    // An ICMP rule: it matches ICMP (type/code), never a TCP, UDP or SCTP port.
    const p = shown(r.protocol ?? '').toUpperCase();
    if (p !== 'ICMP' && p !== 'ICMPV6' && p !== '1' && p !== '58')
      warn(`${where}: ${r.icmp !== undefined ? 'icmp' : 'notICMP'} needs protocol ICMP or ICMPv6 (Calico refuses the rule; it matches nothing)`);
    return { fixed: NO_PORTS, resolve: () => NO_PORTS };
  }
  let base: PortSet = proto === undefined ? ALL_PORTS : proto === 'OTHER' ? NO_PORTS : protocolSet(proto);
  if (notProto && notProto !== 'OTHER') base = subtract(base, protocolSet(notProto));
  const parse = (list: unknown, at: string): PortSpec[] | null => {
    if (list === undefined) return null;
    const specs: PortSpec[] = [];
    asArray(list).forEach((p, i) => {
      const s = shown(p);
      const m = /^(\d+)(?::(\d+))?$/.exec(s);
      if (m) {
        const a = Number(m[1]);
        const b = m[2] ? Number(m[2]) : a;
        if (a < 1 || b > 65535 || a > b) return warn(`${at}[${i}]: invalid port '${s}' (ignored)`);
        specs.push({ protocol: 'ANY', from: a, to: b });
      } else if (/^[a-z0-9-]{1,15}$/.test(s)) specs.push({ protocol: 'ANY', name: s });
      else warn(`${at}[${i}]: invalid port '${s}' (ignored)`);
    });
    return specs;
  };
  const ports = parse(dst.ports, `${where}.destination.ports`);
  const notPorts = parse(dst.notPorts, `${where}.destination.notPorts`);
  if ((ports || notPorts) && (proto === undefined || proto === 'OTHER'))
    warn(`${where}: ports need protocol TCP, UDP or SCTP (rule matches nothing)`);
  void ctx;
  void key;
  const resolveSpecs = (specs: PortSpec[], d: PodClass | null): PortSet => {
    let out = NO_PORTS;
    for (const s of specs)
      for (const p of PROTOCOLS) {
        if (s.name !== undefined) {
          for (const cp of d?.namedPorts ?? []) if (cp.name === s.name && cp.protocol === p) out = union(out, portSetOf(p, cp.containerPort));
        } else out = union(out, portSetOf(p, s.from!, s.to));
      }
    return out;
  };
  const compute = (d: PodClass | null): PortSet => {
    if ((ports || notPorts) && (proto === undefined || proto === 'OTHER')) return NO_PORTS;
    let set = base;
    if (ports) set = intersect(set, resolveSpecs(ports, d));
    if (notPorts) set = subtract(set, resolveSpecs(notPorts, d));
    return set;
  };
  const named = [...(ports ?? []), ...(notPorts ?? [])].some((s) => s.name !== undefined);
  if (!named) {
    const fixed = compute(null);
    return { fixed, resolve: () => fixed };
  }
  const cache = new Map<number, PortSet>();
  return {
    resolve: (d: PodClass | null) => {
      const k = d ? d.id : -1;
      let v = cache.get(k);
      if (!v) cache.set(k, (v = compute(d)));
      return v;
    },
  };
}
