/**
 * projectcalico.org/v3 NetworkPolicy and GlobalNetworkPolicy (default tier). Covered: selector,
 * namespaceSelector, order, types (and their inference), Allow/Deny/Pass/Log, protocol /
 * notProtocol (TCP, UDP, SCTP), source/destination selector, notSelector, namespaceSelector, nets,
 * notNets, ports, notPorts (numbers, "a:b" ranges, names). Not covered: tiers other than default
 * (warned, treated as default), serviceAccountSelector / serviceAccounts, services, source ports,
 * ICMP and HTTP matches, host endpoints (preDNAT, applyOnForward, doNotTrack), profiles.
 */
import type { Labels, PolicyObject, Protocol } from '../model/types.js';
import { parseCalicoSelector, type CalicoPredicate } from './calico-selector.js';
import type { CompiledPolicy, Direction, Endpoint, PeerMatcher, Rule, Tri } from './ir.js';
import { asArray, emptyPolicy, isObj, newRule, parseCidrOrWarn, type CompileContext, type Obj, type PortSpec } from './compile-common.js';
import { cidrContains, type Cidr } from './ip.js';
import { ALL_PORTS, NO_PORTS, PROTOCOLS, intersect, portSetOf, protocolSet, subtract, union, type PortSet } from './ports.js';
import type { PodClass } from './universe.js';
import type { Bitset } from './bitset.js';

const podLabelCache = new WeakMap<PodClass, Labels>();
function calicoPodLabels(c: PodClass): Labels {
  let l = podLabelCache.get(c);
  if (!l) podLabelCache.set(c, (l = { ...c.labels, 'projectcalico.org/namespace': c.ns, 'projectcalico.org/orchestrator': 'k8s' }));
  return l;
}
const calicoNsLabels = (ns: string, l: Labels): Labels => ({ ...l, 'projectcalico.org/name': ns });

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
      return parseCalicoSelector(String(src));
    } catch (e) {
      warn(`${where}: invalid selector '${String(src)}': ${(e as Error).message} (matches nothing)`);
      return () => false;
    }
  };
  if (spec.serviceAccountSelector !== undefined) warn('spec.serviceAccountSelector: not analysed (ignored)');
  for (const k of ['preDNAT', 'applyOnForward', 'doNotTrack']) if (spec[k]) warn(`spec.${k}: host endpoint policy not analysed`);

  const subjSel = sel(spec.selector, 'spec.selector');
  const subjNs = global ? sel(spec.namespaceSelector, 'spec.namespaceSelector') : null;
  cp.subjects = u.select(global ? (n, l) => !subjNs || subjNs(calicoNsLabels(n, l)) : ns, subjSel ? (c) => subjSel(calicoPodLabels(c)) : null);

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
      const action = ACTIONS[String(r.action)];
      if (!action) return warn(`${where}.action: '${String(r.action)}' is not Allow, Deny, Pass or Log (rule ignored)`);
      const src = isObj(r.source) ? r.source : {};
      const dst = isObj(r.destination) ? r.destination : {};
      const peerSide = dir === 'ingress' ? src : dst;
      const selfSide = dir === 'ingress' ? dst : src;
      const peer = entityPeer(ctx, cp.key, global, ns, peerSide, `${where}.${dir === 'ingress' ? 'source' : 'destination'}`, sel, warn);
      const rule = newRule(ctx, cp, dir, dir, i + 1, action, peer, portsOf(ctx, cp.key, r, dst, `${where}`, warn), typeof (r.metadata as Obj | undefined)?.name === 'string' ? String((r.metadata as Obj).name) : undefined);
      const selfFilter = subjectSideFilter(ctx, global, ns, selfSide, `${where}.${dir === 'ingress' ? 'destination' : 'source'}`, sel, warn);
      if (selfFilter) rule.subjectFilter = selfFilter;
      const uncertain: string[] = [];
      if (src.ports !== undefined || src.notPorts !== undefined) uncertain.push('source ports are not analysed');
      for (const side of [src, dst]) {
        if (side.serviceAccounts !== undefined) uncertain.push('serviceAccounts are not analysed');
        if (side.services !== undefined) uncertain.push('services are not analysed');
      }
      if (r.http !== undefined) uncertain.push('HTTP match is not analysed');
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

function entityPeer(
  ctx: CompileContext,
  key: string,
  global: boolean,
  ns: string,
  e: Obj,
  where: string,
  sel: (s: unknown, w: string) => CalicoPredicate | null,
  warn: (m: string) => void,
): PeerMatcher {
  const { u } = ctx;
  const s = sel(e.selector, `${where}.selector`);
  const notS = sel(e.notSelector, `${where}.notSelector`);
  const nsS = sel(e.namespaceSelector, `${where}.namespaceSelector`);
  const inNets = e.nets !== undefined ? nets(ctx, key, e.nets, `${where}.nets`) : null;
  const outNets = e.notNets !== undefined ? nets(ctx, key, e.notNets, `${where}.notNets`) : null;
  void warn;
  const bySelector = s !== null || nsS !== null;
  // Pods: chosen by selectors (in the policy's namespace unless namespaceSelector says otherwise).
  let classes: Bitset | null = null;
  if (inNets === null) {
    // A selector in a namespaced policy looks in the policy's namespace; no selector means anywhere.
    classes = u.select(
      nsS ? (n, l) => nsS(calicoNsLabels(n, l)) : s && !global ? ns : null,
      s || notS ? (c) => (!s || s(calicoPodLabels(c))) && !(notS && notS(calicoPodLabels(c))) : null,
    );
  }
  const ipsMatch = (ips: { v6: boolean; value: bigint }[]): Tri => {
    if (ips.length === 0) return inNets || outNets ? 'unknown' : 'yes';
    const ok = ips.some((ip) => (!inNets || inNets.some((c) => cidrContains(c, ip))) && !(outNets && outNets.some((c) => cidrContains(c, ip))));
    return ok ? 'yes' : 'no';
  };
  const other = (ep: Endpoint): Tri => {
    if (bySelector) return 'no'; // selectors pick workload endpoints only
    switch (ep.t) {
      case 'pod':
        return 'no';
      case 'ext':
        return ipsMatch(ep.ip ? [ep.ip] : []);
      case 'node':
      case 'apiserver':
        return ipsMatch(ep.ips);
    }
  };
  return { classes, other, unknownWhy: 'address not known to compare with nets/notNets' };
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
): Bitset | null {
  const s = sel(e.selector, `${where}.selector`);
  const notS = sel(e.notSelector, `${where}.notSelector`);
  const nsS = sel(e.namespaceSelector, `${where}.namespaceSelector`);
  if (e.nets !== undefined || e.notNets !== undefined) warn(`${where}: nets on the policy's own side are not analysed (ignored)`);
  if (!s && !notS && !nsS) return null;
  return ctx.u.select(
    nsS ? (n, l) => nsS(calicoNsLabels(n, l)) : global ? null : ns,
    (c) => (!s || s(calicoPodLabels(c))) && !(notS && notS(calicoPodLabels(c))),
  );
}

function protocolOf(v: unknown): Protocol | 'OTHER' | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).toUpperCase();
  if (s === 'TCP' || s === '6') return 'TCP';
  if (s === 'UDP' || s === '17') return 'UDP';
  if (s === 'SCTP' || s === '132') return 'SCTP';
  return 'OTHER';
}

function portsOf(ctx: CompileContext, key: string, r: Obj, dst: Obj, where: string, warn: (m: string) => void) {
  const proto = protocolOf(r.protocol);
  const notProto = protocolOf(r.notProtocol);
  let base: PortSet = proto === undefined ? ALL_PORTS : proto === 'OTHER' ? NO_PORTS : protocolSet(proto);
  if (notProto && notProto !== 'OTHER') base = subtract(base, protocolSet(notProto));
  const parse = (list: unknown, at: string): PortSpec[] | null => {
    if (list === undefined) return null;
    const specs: PortSpec[] = [];
    asArray(list).forEach((p, i) => {
      const s = String(p);
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
