/**
 * Evaluation of one direction (the source's egress or the destination's ingress) over a set of
 * ports: Cilium deny, then the tiers by order (Calico's model): kube-admin (ANP /
 * ClusterNetworkPolicy Admin, order 1000), Calico tiers, default (NetworkPolicy at order 1000,
 * Cilium allow, Calico default tier; order 1,000,000), kube-baseline (BANP / ClusterNetworkPolicy
 * Baseline, order 10,000,000), then the default allow. Works on port sets so that one port
 * and the whole port space share the code; records what decided when asked to explain.
 */
import { BUILTIN_TIERS } from './compile-common.js';
import type { CompiledPolicy, Direction, Endpoint, Rule, TierInfo, Tri } from './ir.js';
import { intersect, isEmpty, NO_PORTS, subtract, union, type PortSet } from './ports.js';
import type { PodClass } from './universe.js';

/** One tier as it applies to one pod class in one direction. */
export interface PlanTier {
  tier: TierInfo;
  /** The layer its policies explain as (admin: kube-admin, main: default and Calico tiers, baseline: kube-baseline). */
  layer: Exclude<EvalEvent['layer'], 'deny' | 'default'>;
  /** The tier's rules for the class, policies by priority (ties by name), rules in order. */
  rules: Rule[];
  /** Policies of the tier that select the class for the direction: the tier applies, its default action too. */
  selectedBy: CompiledPolicy[];
}

/** Everything that applies to one pod class in one direction, in evaluation order. */
export interface DirPlan {
  deny: Rule[];
  /** Tiers with rules or selecting policies, by order (ties by name). */
  tiers: PlanTier[];
  /** Whether a tier with default action Deny selects the class (the "fence"), and its policies. */
  isolated: boolean;
  isolatedBy: CompiledPolicy[];
  /** Rule uids in plan order (for signatures) and whether any depends on the destination's named ports. */
  all: Rule[];
  namedPorts: boolean;
  /** True when nothing applies: the direction allows everything. */
  open: boolean;
  /** Equal keys, equal plans: classes selected by the same rules share verdict rows. */
  key: string;
  /** Small number standing for the key within one engine (set by the engine). */
  id: number;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** @param selecting the compiled policies whose subjects include cls */
export function buildPlan(selecting: CompiledPolicy[], cls: PodClass, dir: Direction): DirPlan {
  const applies = (r: Rule) => !r.subjectFilter || r.subjectFilter.has(cls.id);
  const byTier = new Map<TierInfo, CompiledPolicy[]>();
  for (const p of selecting) {
    if (p.rules[dir].length === 0 && !p.isolates[dir]) continue;
    let list = byTier.get(p.tier);
    if (!list) byTier.set(p.tier, (list = []));
    list.push(p);
  }
  const tiers: PlanTier[] = [...byTier.entries()]
    .sort(([a], [b]) => a.order - b.order || byName(a.name, b.name))
    .map(([tier, ps]) => {
      ps.sort((a, b) => a.priority - b.priority || byName(a.displayName, b.displayName) || byName(a.key, b.key));
      const layer = ps.some((p) => p.layer === 'main') ? 'main' : ps[0].layer;
      return { tier, layer, rules: ps.flatMap((p) => p.rules[dir].filter(applies)), selectedBy: ps.filter((p) => p.isolates[dir]) };
    });
  const deny = selecting.flatMap((p) => p.denyRules[dir].filter(applies));
  const isolatedBy = tiers.filter((t) => t.tier.defaultAction === 'deny').flatMap((t) => t.selectedBy);
  const all = [...deny, ...tiers.flatMap((t) => t.rules)];
  const isolated = isolatedBy.length > 0;
  return {
    deny,
    tiers,
    isolated,
    isolatedBy,
    all,
    namedPorts: all.some((r) => !r.ports.fixed),
    open: all.length === 0 && !tiers.some((t) => t.selectedBy.length > 0),
    key: `${dir}:${deny.map((r) => r.uid).join(',')}|${tiers.map((t) => `${t.tier.name}${t.selectedBy.length ? '+' : '-'}${t.rules.map((r) => r.uid).join(',')}`).join('|')}`,
    id: -1,
  };
}

export type EventOutcome = 'allowed' | 'denied' | 'passed' | 'unknown' | 'maybe' | 'default-deny' | 'tier-pass' | 'not-isolated' | 'default-allow' | 'logged';

export interface EvalEvent {
  layer: 'deny' | 'admin' | 'main' | 'baseline' | 'default';
  outcome: EventOutcome;
  rule?: Rule;
  /** The tier whose default action decided (default-deny, tier-pass). */
  tier?: PlanTier;
  ports: PortSet;
  why?: string;
}

export interface DirResult {
  allowed: PortSet;
  unknown: PortSet;
  /** Allowed ports on which L7 rules apply. */
  l7: PortSet;
  events?: EvalEvent[];
}

export function matchPeer(r: Rule, peer: Endpoint): Tri {
  let t: Tri;
  if (peer.t === 'pod') t = r.peer.classes !== null && r.peer.classes.has(peer.cls.id) ? 'yes' : r.peer.maybe?.has(peer.cls.id) ? 'unknown' : 'no';
  else t = r.peer.other(peer);
  if (t === 'yes' && r.uncertain) return 'unknown';
  return t;
}

/**
 * @param dstCls the class whose named ports resolve rule ports (the destination pod, if any)
 */
export function evalDirection(plan: DirPlan, peer: Endpoint, dstCls: PodClass | null, query: PortSet, explain: boolean): DirResult {
  let undecided = query;
  let allowed = NO_PORTS;
  let unknown = NO_PORTS;
  let maybe = NO_PORTS;
  let l7 = NO_PORTS;
  const events: EvalEvent[] | undefined = explain ? [] : undefined;

  // Returns the ports of undecided this rule matches, and how sure the match is.
  const hit = (r: Rule): { t: Tri; ps: PortSet } | null => {
    const t = matchPeer(r, peer);
    if (t === 'no') return null;
    const ps = intersect(r.ports.resolve(dstCls), undecided);
    return isEmpty(ps) ? null : { t, ps };
  };

  // Sequential tiers: the first matching rule decides its ports.
  const sequential = (rules: Rule[], layer: EvalEvent['layer']): PortSet => {
    let passed = NO_PORTS;
    for (const r of rules) {
      if (isEmpty(undecided)) break;
      const h = hit(r);
      if (!h) continue;
      const { t, ps } = h;
      if (r.action === 'log') {
        events?.push({ layer, outcome: 'logged', rule: r, ports: ps });
        continue;
      }
      if (t === 'unknown') {
        if (r.action === 'allow') {
          // Either allowed here or decided further on; only a later denial makes it unknown.
          maybe = union(maybe, ps);
          events?.push({ layer, outcome: 'maybe', rule: r, ports: ps, why: r.uncertain ?? r.peer.unknownWhy });
          continue;
        }
        unknown = union(unknown, ps);
        undecided = subtract(undecided, ps);
        events?.push({ layer, outcome: 'unknown', rule: r, ports: ps, why: r.uncertain ?? r.peer.unknownWhy });
        continue;
      }
      undecided = subtract(undecided, ps);
      if (r.action === 'allow') {
        allowed = union(allowed, ps);
        if (r.l7) l7 = union(l7, ps);
        events?.push({ layer, outcome: 'allowed', rule: r, ports: ps });
      } else if (r.action === 'deny') events?.push({ layer, outcome: 'denied', rule: r, ports: ps });
      else {
        passed = union(passed, ps);
        events?.push({ layer, outcome: 'passed', rule: r, ports: ps });
      }
    }
    return passed;
  };

  // Cilium deny rules beat every allow: any match denies.
  for (const r of plan.deny) {
    if (isEmpty(undecided)) break;
    const h = hit(r);
    if (!h) continue;
    undecided = subtract(undecided, h.ps);
    if (h.t === 'unknown') {
      unknown = union(unknown, h.ps);
      events?.push({ layer: 'deny', outcome: 'unknown', rule: r, ports: h.ps, why: r.uncertain ?? r.peer.unknownWhy });
    } else events?.push({ layer: 'deny', outcome: 'denied', rule: r, ports: h.ps });
  }
  // Tiers by order: a tier that selects the endpoint and matched nothing applies its default action
  // (Deny, or Pass to the next tier); a tier that does not select it is skipped.
  // Without policies of its own, the default tier still says "not isolated" in its place.
  let sawDefault = plan.tiers.some((t) => t.tier.name === 'default');
  const notIsolated = () => {
    if (!isEmpty(undecided)) events?.push({ layer: 'main', outcome: 'not-isolated', ports: undecided });
  };
  for (const t of plan.tiers) {
    if (isEmpty(undecided)) break;
    if (!sawDefault && t.tier.order > BUILTIN_TIERS.default.order) {
      sawDefault = true;
      notIsolated();
    }
    const selected = t.selectedBy.length > 0;
    if (t.tier.defaultAction === 'deny' && !selected) {
      if (t.tier.name === 'default') notIsolated();
      continue;
    }
    const passed = sequential(t.rules, t.layer);
    if (selected && !isEmpty(undecided)) {
      if (t.tier.defaultAction === 'deny') {
        events?.push({ layer: t.layer, outcome: 'default-deny', ports: undecided, tier: t });
        undecided = NO_PORTS;
      } else events?.push({ layer: t.layer, outcome: 'tier-pass', ports: undecided, tier: t });
    }
    undecided = union(undecided, passed);
  }
  if (!sawDefault) notIsolated();
  if (!isEmpty(undecided)) {
    allowed = union(allowed, undecided);
    events?.push({ layer: 'default', outcome: 'default-allow', ports: undecided });
  }
  unknown = union(unknown, subtract(intersect(maybe, query), allowed));
  return { allowed, unknown, l7: intersect(l7, allowed), events };
}
