/** Turns every PolicyObject into compiled policies, whatever its kind. */
import type { PolicyObject } from '../model/types.js';
import { compileAdmin } from './compile-admin.js';
import { compileCalico } from './compile-calico.js';
import { compileCilium } from './compile-cilium.js';
import { keyOf, type CompileContext } from './compile-common.js';
import { compileNetworkPolicy } from './compile-netpol.js';
import type { CompiledPolicy, PolicyWarning } from './ir.js';
import type { Universe } from './universe.js';
import type { Cidr } from './ip.js';

export function compilePolicies(u: Universe, policies: PolicyObject[]): { compiled: CompiledPolicy[]; warnings: PolicyWarning[]; cidrs: Cidr[] } {
  let uid = 0;
  const ctx: CompileContext = { u, warnings: [], nextUid: () => uid++, cidrs: [] };
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
