/** Turns every PolicyObject into compiled policies, whatever its kind. */
import type { PolicyObject } from '../model/types.js';
import { compileAdmin } from './compile-admin.js';
import { compileCalico } from './compile-calico.js';
import { compileCilium } from './compile-cilium.js';
import { keyOf, type CompileContext } from './compile-common.js';
import { compileNetworkPolicy } from './compile-netpol.js';
import type { CompiledPolicy, PolicyWarning } from './ir.js';
import type { Universe } from './universe.js';
import { parseCidr, type Cidr } from './ip.js';

export function compilePolicies(u: Universe, policies: PolicyObject[]): { compiled: CompiledPolicy[]; warnings: PolicyWarning[]; cidrs: Cidr[] } {
  let uid = 0;
  const ctx: CompileContext = { u, warnings: [], nextUid: () => uid++, cidrs: [], podIps: u.podIpsMatter };
  const compiled: CompiledPolicy[] = [];
  for (const p of policies) {
    try {
      switch (p.kind) {
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
