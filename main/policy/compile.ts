/** Turns every PolicyObject into compiled policies, whatever its kind. */
import { STAGED_POLICY_KINDS, type PolicyObject } from '../model/types.js';
import { compileAdmin } from './compile-admin.js';
import { compileCalico } from './compile-calico.js';
import { compileCilium } from './compile-cilium.js';
import { asArray, BUILTIN_TIERS, isObj, keyOf, parseCidrOrWarn, type CompileContext } from './compile-common.js';
import { parseCidr, parseIp, type Cidr, type IpAddr } from './ip.js';
import { compileNetworkPolicy } from './compile-netpol.js';
import type { CompiledPolicy, PolicyWarning, TierInfo } from './ir.js';
import type { Universe } from './universe.js';

export function compilePolicies(u: Universe, policies: PolicyObject[]): { compiled: CompiledPolicy[]; warnings: PolicyWarning[]; cidrs: Cidr[] } {
  let uid = 0;
  const warnings: PolicyWarning[] = [];
  const ctx: CompileContext = {
    u,
    warnings,
    nextUid: () => uid++,
    cidrs: [],
    tiers: readTiers(policies, (w) => warnings.push(w)),
    podIps: u.podIpsMatter,
    calico: { netsets: [], heps: [] },
  };
  readCalicoObjects(ctx, policies);
  const compiled: CompiledPolicy[] = [];
  for (const p of policies) {
    // Staged policies are previews, never enforced (promoteStaged turns them into the real kinds).
    if (STAGED_POLICY_KINDS[p.kind]) continue;
    try {
      switch (p.kind) {
        case 'CalicoTier':
        case 'CalicoNetworkSet':
        case 'CalicoGlobalNetworkSet':
        case 'CalicoHostEndpoint':
          break; // read by the compilers that need them
        case 'NetworkPolicy':
          compiled.push(...compileNetworkPolicy(ctx, p));
          break;
        case 'AdminNetworkPolicy':
        case 'BaselineAdminNetworkPolicy':
        case 'ClusterNetworkPolicy':
          compiled.push(...compileAdmin(ctx, p));
          break;
        case 'CiliumNetworkPolicy':
        case 'CiliumClusterwideNetworkPolicy':
          compiled.push(...compileCilium(ctx, p));
          break;
        case 'CalicoNetworkPolicy':
        case 'CalicoGlobalNetworkPolicy':
          compiled.push(...compileCalico(ctx, p));
          break;
        default:
          ctx.warnings.push({ policy: keyOf(p), message: `unknown policy kind '${String(p.kind)}' (ignored)` });
      }
    } catch (e) {
      // A malformed manifest must not take the whole analysis down.
      ctx.warnings.push({ policy: keyOf(p), message: `could not be read: ${(e as Error).message} (ignored)` });
    }
  }
  // One TierInfo per tier name (the built-ins as possibly overridden by Tier objects).
  for (const c of compiled) c.tier = ctx.tiers.get(c.tier.name) ?? c.tier;
  // Same-priority admin policies make the outcome implementation-defined: say so.
  const seen = new Map<string, string>();
  for (const c of compiled) {
    if (c.kind !== 'AdminNetworkPolicy' && c.kind !== 'ClusterNetworkPolicy') continue;
    const k = `${c.layer}/${c.priority}`;
    const other = seen.get(k);
    if (other && other !== c.key)
      ctx.warnings.push({ policy: c.key, message: `same priority ${c.priority} as ${other}: which one wins is up to the implementation` });
    else seen.set(k, c.key);
  }
  return { compiled, warnings: ctx.warnings, cidrs: ctx.cidrs };
}

/**
 * The CIDRs of the address rules that may match pod IPs (NetworkPolicy ipBlock cidr/except,
 * AdminNetworkPolicy/BaselineAdminNetworkPolicy/ClusterNetworkPolicy networks), read before
 * compiling: pods are cut into classes by them.
 */
export function podIpRuleCidrs(policies: PolicyObject[]): Cidr[] {
  const out: Cidr[] = [];
  const add = (v: unknown) => {
    const c = typeof v === 'string' ? parseCidr(v) : undefined;
    if (c) out.push(c);
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  for (const p of policies) {
    const spec = obj(p.manifest.spec);
    if (p.kind === 'NetworkPolicy') {
      for (const [dir, side] of [['ingress', 'from'], ['egress', 'to']] as const)
        for (const r of list(spec[dir]))
          for (const peer of list(obj(r)[side])) {
            const b = obj(obj(peer).ipBlock);
            add(b.cidr);
            list(b.except).forEach(add);
          }
    } else if (p.kind === 'AdminNetworkPolicy' || p.kind === 'BaselineAdminNetworkPolicy' || p.kind === 'ClusterNetworkPolicy') {
      for (const r of list(spec.egress)) for (const peer of list(obj(r).to)) list(obj(peer).networks).forEach(add);
    }
  }
  return out;
}

/** The built-in tiers, overridden or joined by Calico Tier objects (order: lower first; no order: last). */
function readTiers(policies: PolicyObject[], warn: (w: PolicyWarning) => void): Map<string, TierInfo> {
  const tiers = new Map<string, TierInfo>(Object.entries(BUILTIN_TIERS).map(([k, v]) => [k, { ...v }]));
  for (const p of policies) {
    if (p.kind !== 'CalicoTier') continue;
    const spec = isObj(p.manifest.spec) ? p.manifest.spec : {};
    const key = keyOf(p);
    const builtin = BUILTIN_TIERS[p.name];
    let order = spec.order === undefined || spec.order === null ? (builtin?.order ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    if (typeof spec.order === 'number' && Number.isFinite(spec.order)) order = spec.order;
    else if (spec.order !== undefined && spec.order !== null) warn({ policy: key, message: `spec.order: '${String(spec.order)}' is not a number (tier evaluated last)` });
    let defaultAction: TierInfo['defaultAction'] = spec.defaultAction === undefined ? (builtin?.defaultAction ?? 'deny') : 'deny';
    if (spec.defaultAction === 'Pass') defaultAction = 'pass';
    else if (spec.defaultAction !== undefined && spec.defaultAction !== 'Deny') warn({ policy: key, message: `spec.defaultAction: '${String(spec.defaultAction)}' is not Deny or Pass (Deny assumed)` });
    if (builtin && (order !== builtin.order || defaultAction !== builtin.defaultAction))
      warn({ policy: key, message: `tier ${p.name} is built in (order ${builtin.order}, default action ${builtin.defaultAction === 'pass' ? 'Pass' : 'Deny'}); the values given are used` });
    tiers.set(p.name, { name: p.name, order, defaultAction });
  }
  return tiers;
}

/** NetworkSets, GlobalNetworkSets and HostEndpoints: peers that Calico selectors pick by their labels. */
function readCalicoObjects(ctx: CompileContext, policies: PolicyObject[]): void {
  for (const p of policies) {
    if (p.kind !== 'CalicoNetworkSet' && p.kind !== 'CalicoGlobalNetworkSet' && p.kind !== 'CalicoHostEndpoint') continue;
    const key = keyOf(p);
    const meta = isObj(p.manifest.metadata) ? p.manifest.metadata : {};
    const labels: Record<string, string> = {};
    if (isObj(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') labels[k] = v;
    const spec = isObj(p.manifest.spec) ? p.manifest.spec : {};
    if (p.kind === 'CalicoHostEndpoint') {
      const ips: IpAddr[] = [];
      asArray(spec.expectedIPs).forEach((a, i) => {
        const ip = typeof a === 'string' ? parseIp(a) : undefined;
        if (ip) ips.push(ip);
        else ctx.warnings.push({ policy: key, message: `spec.expectedIPs[${i}]: invalid address '${String(a)}' (ignored)` });
      });
      const node = typeof spec.node === 'string' && spec.node ? spec.node : undefined;
      if (node) ips.push(...(ctx.u.nodeIps.get(node) ?? []));
      ctx.calico.heps.push({ key, name: p.name, labels, node, ips });
      continue;
    }
    const nets = asArray(spec.nets)
      .map((c, i) => parseCidrOrWarn(ctx, key, `spec.nets[${i}]`, c))
      .filter((c): c is Cidr => c !== undefined);
    ctx.calico.netsets.push({ key, ...(p.kind === 'CalicoNetworkSet' ? { ns: p.namespace ?? 'default' } : {}), name: p.name, labels, nets });
  }
}
