/**
 * Evaluation of one direction (the source's egress or the destination's ingress) over a set of
 * ports, layer by layer: Cilium deny, admin tier (ANP / ClusterNetworkPolicy Admin), the
 * NetworkPolicy tier (NetworkPolicy, Cilium allow, Calico by order), baseline tier (BANP /
 * ClusterNetworkPolicy Baseline), then the default allow. Works on port sets so that one port
 * and the whole port space share the code; records what decided when asked to explain.
 */
import type { CompiledPolicy, Direction, Endpoint, Rule, Tri } from './ir.js';
import { intersect, isEmpty, NO_PORTS, subtract, union, type PortSet } from './ports.js';
import type { PodClass } from './universe.js';

/** Everything that applies to one pod class in one direction, in evaluation order. */
export interface DirPlan {
  deny: Rule[];
  admin: Rule[];
  isolated: boolean;
  main: Rule[];
  baseline: Rule[];
  /** Main-tier policies that isolate the class (the "fence"). */
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

/** @param selecting the compiled policies whose subjects include cls */
export function buildPlan(selecting: CompiledPolicy[], cls: PodClass, dir: Direction): DirPlan {
  const applies = (r: Rule) => !r.subjectFilter || r.subjectFilter.has(cls.id);
  const byOrder = (layer: CompiledPolicy['layer']) =>
    selecting
      .filter((p) => p.layer === layer)
      .sort((a, b) => a.priority - b.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .flatMap((p) => p.rules[dir].filter(applies));
  const deny = selecting.flatMap((p) => p.denyRules[dir].filter(applies));
  const admin = byOrder('admin');
  const main = byOrder('main');
  const baseline = byOrder('baseline');
  const isolatedBy = selecting.filter((p) => p.layer === 'main' && p.isolates[dir]);
  const all = [...deny, ...admin, ...main, ...baseline];
  const isolated = isolatedBy.length > 0;
  return {
    deny,
    admin,
    isolated,
    main,
    baseline,
    isolatedBy,
    all,
    namedPorts: all.some((r) => !r.ports.fixed),
    open: all.length === 0 && !isolated,
    key: `${dir}:${isolated ? 'I' : 'O'}:${all.map((r) => r.uid).join(',')}`,
    id: -1,
  };
}

export type EventOutcome = 'allowed' | 'denied' | 'passed' | 'unknown' | 'maybe' | 'default-deny' | 'not-isolated' | 'default-allow' | 'logged';

export interface EvalEvent {
  layer: 'deny' | 'admin' | 'main' | 'baseline' | 'default';
  outcome: EventOutcome;
  rule?: Rule;
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
  if (plan.admin.length) {
    const passed = sequential(plan.admin, 'admin');
    undecided = union(undecided, passed);
  }
  if (!isEmpty(undecided)) {
    if (plan.isolated) {
      const passed = sequential(plan.main, 'main');
      if (!isEmpty(undecided)) events?.push({ layer: 'main', outcome: 'default-deny', ports: undecided });
      undecided = passed;
    } else events?.push({ layer: 'main', outcome: 'not-isolated', ports: undecided });
  }
  if (plan.baseline.length && !isEmpty(undecided)) {
    // Pass in the baseline tier leads to the default allow.
    const passed = sequential(plan.baseline, 'baseline');
    undecided = union(undecided, passed);
  }
  if (!isEmpty(undecided)) {
    allowed = union(allowed, undecided);
    events?.push({ layer: 'default', outcome: 'default-allow', ports: undecided });
  }
  unknown = union(unknown, subtract(intersect(maybe, query), allowed));
  return { allowed, unknown, l7: intersect(l7, allowed), events };
}
