/**
 * policy.networking.k8s.io: AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1) and
 * ClusterNetworkPolicy (v1alpha2, tiers Admin and Baseline).
 */
import type { PolicyObject, Protocol } from '../model/types.js';
import { compileSelector } from './labels.js';
import type { CompiledPolicy, Direction, PeerMatcher, Rule, Tri } from './ir.js';
import {
  anyPeer,
  asArray,
  domainPeer,
  emptyPolicy,
  ipBlockPeer,
  isObj,
  newRule,
  NO_PEER,
  orPeers,
  parseCidrOrWarn,
  portMatcher,
  portValue,
  normProtocol,
  shown,
  type CompileContext,
  type Obj,
  type PortSpec,
} from './compile-common.js';
import type { Bitset } from './bitset.js';

export function compileAdmin(ctx: CompileContext, p: PolicyObject): CompiledPolicy[] {
  const { u } = ctx;
  const spec = isObj(p.manifest.spec) ? p.manifest.spec : {};
  const v2 = p.kind === 'ClusterNetworkPolicy';
  let layer: 'admin' | 'baseline';
  let priority = 0;
  if (p.kind === 'BaselineAdminNetworkPolicy') layer = 'baseline';
  else if (p.kind === 'AdminNetworkPolicy') layer = 'admin';
  else layer = spec.tier === 'Baseline' ? 'baseline' : 'admin';
  // Calico orders the baseline policy as order 1000 within its kube-baseline tier.
  if (p.kind !== 'BaselineAdminNetworkPolicy') priority = typeof spec.priority === 'number' ? spec.priority : 0;
  else priority = 1000;
  const label =
    p.kind === 'BaselineAdminNetworkPolicy'
      ? `BaselineAdminNetworkPolicy ${p.name}`
      : v2
        ? `ClusterNetworkPolicy ${p.name} (${layer === 'admin' ? 'Admin' : 'Baseline'} tier, priority ${priority})`
        : `AdminNetworkPolicy ${p.name} (priority ${priority})`;
  const cp = emptyPolicy(p, u, layer, priority, label);
  const warn = (message: string) => ctx.warnings.push({ policy: cp.key, message });
  if (v2 && spec.tier !== 'Admin' && spec.tier !== 'Baseline') warn(`spec.tier: '${shown(spec.tier)}' must be Admin or Baseline (treated as Admin)`);
  if (p.kind !== 'BaselineAdminNetworkPolicy' && (typeof spec.priority !== 'number' || spec.priority < 0 || spec.priority > 1000))
    warn(`spec.priority: '${shown(spec.priority)}' must be a number from 0 to 1000`);

  cp.subjects = subjectOf(ctx, spec.subject, warn);
  const actions: Record<string, Rule['action']> = v2
    ? { Accept: 'allow', Deny: 'deny', Pass: 'pass' }
    : p.kind === 'BaselineAdminNetworkPolicy'
      ? { Allow: 'allow', Deny: 'deny' }
      : { Allow: 'allow', Deny: 'deny', Pass: 'pass' };
  for (const dir of ['ingress', 'egress'] as Direction[]) {
    asArray(spec[dir]).forEach((r, i) => {
      const where = `spec.${dir}[${i}]`;
      const rule = isObj(r) ? r : {};
      const action = typeof rule.action === 'string' && Object.hasOwn(actions, rule.action) ? actions[rule.action] : undefined;
      if (!action) {
        warn(`${where}.action: '${shown(rule.action)}' is not one of ${Object.keys(actions).join(', ')} (rule ignored)`);
        return;
      }
      const peersRaw = rule[dir === 'ingress' ? 'from' : 'to'];
      const unknownPeers: string[] = [];
      let peer = peersOf(ctx, cp.key, `${where}.${dir === 'ingress' ? 'from' : 'to'}`, peersRaw, dir, warn, unknownPeers);
      if (!Array.isArray(peersRaw) || peersRaw.length === 0) {
        warn(`${where}: needs at least one peer (rule matches nothing)`);
        peer = NO_PEER;
      }
      let ruleAction = action;
      let ports = v2 ? protocolsOf(ctx, cp.key, `${where}.protocols`, rule.protocols) : portsOf(ctx, cp.key, `${where}.ports`, rule.ports);
      if (unknownPeers.length && action !== 'allow') {
        // The API says: a peer of an unknown kind fails closed; for Deny and Pass that is "deny all".
        warn(`${where}: peer of unknown kind (${unknownPeers.join(', ')}): rule fails closed and denies everything`);
        peer = anyPeer(ctx.u);
        ruleAction = 'deny';
        ports = null;
      }
      cp.rules[dir].push(newRule(ctx, cp, dir, dir, i + 1, ruleAction, peer, portMatcher(ports), typeof rule.name === 'string' ? rule.name : undefined));
    });
  }
  return [cp];
}

function subjectOf(ctx: CompileContext, subject: unknown, warn: (m: string) => void): Bitset {
  const { u } = ctx;
  if (!isObj(subject)) {
    warn('spec.subject: missing (policy selects nothing)');
    return u.none();
  }
  if (subject.namespaces !== undefined) {
    const s = compileSelector(subject.namespaces, 'spec.subject.namespaces');
    s.errors.forEach(warn);
    return u.select((_n, l) => s.match(l), null);
  }
  if (isObj(subject.pods)) return podsPeer(u, subject.pods, 'spec.subject.pods', warn);
  warn('spec.subject: needs namespaces or pods (policy selects nothing)');
  return u.none();
}

function podsPeer(u: CompileContext['u'], pods: Obj, where: string, warn: (m: string) => void): Bitset {
  // v1alpha1 before 0.1.5 nested the namespace selector under pods.namespaces.namespaceSelector.
  const nsRaw = pods.namespaceSelector ?? (isObj(pods.namespaces) ? pods.namespaces.namespaceSelector : undefined);
  const nsSel = compileSelector(nsRaw ?? {}, `${where}.namespaceSelector`);
  const podSel = compileSelector(pods.podSelector ?? {}, `${where}.podSelector`);
  nsSel.errors.forEach(warn);
  podSel.errors.forEach(warn);
  return u.select((_n, l) => nsSel.match(l), podSel.empty ? null : (c) => podSel.match(c.labels));
}

function peersOf(ctx: CompileContext, key: string, where: string, raw: unknown, dir: Direction, warn: (m: string) => void, unknownPeers: string[]): PeerMatcher {
  const { u } = ctx;
  const peers: PeerMatcher[] = [];
  asArray(raw).forEach((e, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(e)) return warn(`${at}: peer must be an object`);
    if (e.namespaces !== undefined) {
      const nsObj = isObj(e.namespaces) ? e.namespaces : {};
      if (nsObj.sameLabels !== undefined || nsObj.notSameLabels !== undefined) {
        warn(`${at}.namespaces: sameLabels/notSameLabels are not supported (peer treated as unknown)`);
        peers.push({ classes: null, other: () => 'unknown', unknownWhy: 'sameLabels/notSameLabels not supported' });
        return;
      }
      const s = compileSelector(nsObj.namespaceSelector ?? e.namespaces, `${at}.namespaces`);
      s.errors.forEach(warn);
      peers.push({ classes: u.select((_n, l) => s.match(l), null), other: () => 'no' });
    } else if (isObj(e.pods)) peers.push({ classes: podsPeer(u, e.pods, `${at}.pods`, warn), other: () => 'no' });
    else if (dir === 'egress' && e.nodes !== undefined) {
      const s = compileSelector(e.nodes, `${at}.nodes`);
      s.errors.forEach(warn);
      peers.push({
        classes: null,
        other: (ep): Tri => {
          if (ep.t !== 'node') return 'no';
          if (s.empty) return 'yes';
          // Without its Node object (or its name), the node's labels are not known.
          const node = ep.name === undefined ? undefined : u.nodes.get(ep.name);
          if (!node) return 'unknown';
          return s.match(node.labels) ? 'yes' : 'no';
        },
        unknownWhy: 'node labels not known (no Node object) to match the nodes selector',
      });
    } else if (dir === 'egress' && e.networks !== undefined) {
      const cidrs = asArray(e.networks)
        .map((c, j) => parseCidrOrWarn(ctx, key, `${at}.networks[${j}]`, c))
        .filter((c) => c !== undefined);
      peers.push(ipBlockPeer(cidrs.map((cidr) => ({ cidr, except: [] })), { nodes: true, pods: ctx.podIps ? u : undefined, what: 'networks' }));
    } else if (dir === 'egress' && e.domainNames !== undefined) {
      const names = asArray(e.domainNames).map(String);
      peers.push(domainPeer(names, `domain names (${names.join(', ')}) depend on DNS`, 'gateway'));
    } else {
      // For Accept/Allow this matches nothing; the caller turns Deny/Pass into "deny all".
      warn(`${at}: unknown peer type ${Object.keys(e).join(',') || '(empty)'} (peer ignored)`);
      unknownPeers.push(Object.keys(e).join(',') || '(empty)');
    }
  });
  return peers.length ? orPeers(u, peers) : NO_PEER;
}

/** v1alpha1 ports: portNumber, namedPort, portRange. */
function portsOf(ctx: CompileContext, key: string, where: string, raw: unknown): PortSpec[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const specs: PortSpec[] = [];
  raw.forEach((e, i) => {
    const at = `${where}[${i}]`;
    const o = isObj(e) ? e : {};
    if (isObj(o.portNumber)) {
      const protocol = normProtocol(o.portNumber.protocol, 'TCP') as Protocol;
      const v = portValue(ctx, key, `${at}.portNumber.port`, o.portNumber.port);
      if (typeof v === 'number' && protocol !== ('ANY' as string)) specs.push({ protocol, from: v });
    } else if (typeof o.namedPort === 'string') specs.push({ protocol: 'ANY', name: o.namedPort });
    else if (isObj(o.portRange)) {
      const protocol = normProtocol(o.portRange.protocol, 'TCP') as Protocol;
      const a = portValue(ctx, key, `${at}.portRange.start`, o.portRange.start);
      const b = portValue(ctx, key, `${at}.portRange.end`, o.portRange.end);
      if (typeof a === 'number' && typeof b === 'number' && a <= b) specs.push({ protocol, from: a, to: b });
      else ctx.warnings.push({ policy: key, message: `${at}.portRange: start must be a number not above end (port ignored)` });
    } else ctx.warnings.push({ policy: key, message: `${at}: needs portNumber, namedPort or portRange (port ignored)` });
  });
  return specs;
}

/** v1alpha2 protocols: tcp/udp/sctp with destinationPort {number | range}, destinationNamedPort. */
function protocolsOf(ctx: CompileContext, key: string, where: string, raw: unknown): PortSpec[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const specs: PortSpec[] = [];
  raw.forEach((e, i) => {
    const at = `${where}[${i}]`;
    const o = isObj(e) ? e : {};
    if (typeof o.destinationNamedPort === 'string') {
      specs.push({ protocol: 'ANY', name: o.destinationNamedPort });
      return;
    }
    const found = (['tcp', 'udp', 'sctp'] as const).find((k) => o[k] !== undefined);
    if (!found) {
      ctx.warnings.push({ policy: key, message: `${at}: needs tcp, udp, sctp or destinationNamedPort (ignored)` });
      return;
    }
    const protocol = found.toUpperCase() as Protocol;
    const body = isObj(o[found]) ? (o[found] as Obj) : {};
    const dp = isObj(body.destinationPort) ? body.destinationPort : undefined;
    if (!dp) specs.push({ protocol });
    else if (dp.number !== undefined) {
      const v = portValue(ctx, key, `${at}.${found}.destinationPort.number`, dp.number);
      if (typeof v === 'number') specs.push({ protocol, from: v });
    } else if (isObj(dp.range)) {
      const a = portValue(ctx, key, `${at}.${found}.destinationPort.range.start`, dp.range.start);
      const b = portValue(ctx, key, `${at}.${found}.destinationPort.range.end`, dp.range.end);
      if (typeof a === 'number' && typeof b === 'number' && a <= b) specs.push({ protocol, from: a, to: b });
    } else ctx.warnings.push({ policy: key, message: `${at}.${found}.destinationPort: needs number or range (ignored)` });
  });
  return specs;
}
