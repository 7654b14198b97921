/** networking.k8s.io/v1 NetworkPolicy. */
import type { PolicyObject } from '../model/types.js';
import { compileSelector } from './labels.js';
import type { CompiledPolicy, Direction, PeerMatcher } from './ir.js';
import {
  anyPeer,
  asArray,
  emptyPolicy,
  ipBlockPeer,
  isObj,
  newRule,
  normProtocol,
  NO_PEER,
  orPeers,
  parseCidrOrWarn,
  portMatcher,
  portValue,
  type CompileContext,
  type IpBlock,
  type PortSpec,
  shown,
} from './compile-common.js';

/** Calico runs Kubernetes policies at order 1000 in its default tier. */
export const NETPOL_ORDER = 1000;

export function compileNetworkPolicy(ctx: CompileContext, p: PolicyObject): CompiledPolicy[] {
  const { u } = ctx;
  const ns = p.namespace ?? 'default';
  const cp = emptyPolicy(p, u, 'main', NETPOL_ORDER, `NetworkPolicy ${ns}/${p.name}`);
  const warn = (message: string) => ctx.warnings.push({ policy: cp.key, message });
  const spec = isObj(p.manifest.spec) ? p.manifest.spec : {};
  const podSel = compileSelector(spec.podSelector, 'spec.podSelector');
  podSel.errors.forEach(warn);
  cp.subjects = u.selectOnce(['netpol', ns, podSel.empty ? null : spec.podSelector], ns, podSel.empty ? null : (c) => podSel.match(c.labels));

  // policyTypes inferred when omitted: Ingress always, Egress when egress rules are present.
  let types: string[];
  // An empty list is the same as none: the API server infers the types.
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) {
    types = spec.policyTypes.map(String);
    for (const t of types) if (t !== 'Ingress' && t !== 'Egress') warn(`spec.policyTypes: unknown type '${t}' (use Ingress or Egress)`);
  } else types = ['Ingress', ...(Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Egress'] : [])];

  for (const dir of ['ingress', 'egress'] as Direction[]) {
    if (!types.includes(dir === 'ingress' ? 'Ingress' : 'Egress')) continue;
    cp.isolates[dir] = true;
    asArray(spec[dir]).forEach((r, i) => {
      const where = `spec.${dir}[${i}]`;
      const rule = isObj(r) ? r : {};
      const peersRaw = rule[dir === 'ingress' ? 'from' : 'to'];
      const peer = peersOf(ctx, cp.key, ns, `${where}.${dir === 'ingress' ? 'from' : 'to'}`, peersRaw, warn);
      const ports = portsOf(ctx, cp.key, `${where}.ports`, rule.ports);
      cp.rules[dir].push(newRule(ctx, cp, dir, dir, i + 1, 'allow', peer, portMatcher(ports)));
    });
  }
  return [cp];
}

function peersOf(ctx: CompileContext, key: string, ns: string, where: string, raw: unknown, warn: (m: string) => void): PeerMatcher {
  const { u } = ctx;
  // Absent or empty from/to: every source/destination.
  if (!Array.isArray(raw) || raw.length === 0) return anyPeer(u);
  const peers: PeerMatcher[] = [];
  raw.forEach((e, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(e)) {
      warn(`${at}: peer must be an object`);
      return;
    }
    if (e.ipBlock !== undefined) {
      if (e.podSelector !== undefined || e.namespaceSelector !== undefined) {
        warn(`${at}: ipBlock cannot be combined with podSelector/namespaceSelector (peer ignored)`);
        return;
      }
      const b = isObj(e.ipBlock) ? e.ipBlock : {};
      const cidr = parseCidrOrWarn(ctx, key, `${at}.ipBlock.cidr`, b.cidr);
      if (!cidr) return;
      const except = asArray(b.except)
        .map((x, j) => parseCidrOrWarn(ctx, key, `${at}.ipBlock.except[${j}]`, x))
        .filter((c) => c !== undefined);
      for (const x of except)
        if (x.v6 !== cidr.v6 || x.start < cidr.start || x.end > cidr.end) warn(`${at}.ipBlock.except: ${x.text} is not inside ${cidr.text}`);
      const block: IpBlock = { cidr, except };
      peers.push(ipBlockPeer([block], { nodes: true, pods: ctx.podIps ? u : undefined, what: 'ipBlock' }));
      return;
    }
    if (e.podSelector === undefined && e.namespaceSelector === undefined) {
      warn(`${at}: peer has none of podSelector, namespaceSelector, ipBlock (peer ignored)`);
      return;
    }
    const pod = compileSelector(e.podSelector, `${at}.podSelector`);
    const nsSel = e.namespaceSelector === undefined ? null : compileSelector(e.namespaceSelector, `${at}.namespaceSelector`);
    pod.errors.forEach(warn);
    nsSel?.errors.forEach(warn);
    // podSelector alone: own namespace; with namespaceSelector: pods in the selected namespaces (AND).
    const selKey = ['netpol', nsSel ? e.namespaceSelector : ns, pod.empty ? null : e.podSelector];
    const classes = u.selectOnce(selKey, nsSel ? (_n, l) => nsSel.match(l) : ns, pod.empty ? null : (c) => pod.match(c.labels), nsSel?.required);
    peers.push({ classes, other: () => 'no' });
  });
  return peers.length ? orPeers(u, peers) : NO_PEER;
}

function portsOf(ctx: CompileContext, key: string, where: string, raw: unknown): PortSpec[] | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const specs: PortSpec[] = [];
  raw.forEach((e, i) => {
    const at = `${where}[${i}]`;
    const o = isObj(e) ? e : {};
    const protocol = normProtocol(o.protocol, 'TCP');
    if (!protocol || protocol === 'ANY') {
      ctx.warnings.push({ policy: key, message: `${at}.protocol: '${shown(o.protocol)}' is not TCP, UDP or SCTP (port ignored)` });
      return;
    }
    if (o.port === undefined || o.port === null) {
      specs.push({ protocol });
      return;
    }
    const v = portValue(ctx, key, `${at}.port`, o.port);
    if (v === undefined) return;
    if (typeof v === 'string') {
      if (o.endPort !== undefined) ctx.warnings.push({ policy: key, message: `${at}.endPort: not allowed with a named port (ignored)` });
      specs.push({ protocol, name: v });
      return;
    }
    let to = v;
    if (o.endPort !== undefined) {
      const e2 = o.endPort;
      if (typeof e2 !== 'number' || !Number.isInteger(e2) || e2 < v || e2 > 65535) {
        ctx.warnings.push({ policy: key, message: `${at}.endPort: '${shown(e2)}' must be a number from ${v} to 65535 (port ignored)` });
        return;
      }
      to = e2;
    }
    specs.push({ protocol, from: v, to });
  });
  // Every entry invalid: match nothing rather than everything (fail closed).
  return specs.length === 0 ? [] : specs;
}
