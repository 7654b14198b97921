/** Turns evaluation events into explanation steps and one-line summaries. */
import type { Direction, Rule } from './ir.js';
import type { DirPlan, EvalEvent } from './evaluate.js';

export type StepLayer = 'cilium-deny' | 'admin' | 'networkpolicy' | 'baseline' | 'default' | 'none';
export type StepOutcome =
  | 'allowed'
  | 'denied'
  | 'passed'
  | 'unknown'
  | 'maybe'
  | 'logged'
  | 'not-isolated'
  | 'isolated-no-match'
  | 'tier-pass'
  | 'default-allow'
  | 'not-applicable'
  | 'node-local';

export interface ExplanationStep {
  direction: Direction;
  layer: StepLayer;
  outcome: StepOutcome;
  /** policyKey (from ids.ts) of the deciding policy. */
  policy?: string;
  /** The Calico tier of the deciding policy or default action. */
  tier?: string;
  rule?: { section: string; index: number; name?: string };
  /** L7 protocols enforced on top (Cilium). */
  l7?: string;
  /** What happened, without the direction (shown beside it; summaryOf joins both). */
  text: string;
}

const LAYER: Record<EvalEvent['layer'], StepLayer> = {
  deny: 'cilium-deny',
  admin: 'admin',
  main: 'networkpolicy',
  baseline: 'baseline',
  default: 'default',
};

const ACTION_NAME: Record<Rule['action'], string> = { allow: 'Allow', deny: 'Deny', pass: 'Pass', log: 'Log' };

/**
 * A Calico rule as explanations name it: "tier security, policy block-egress, egress rule 2: Deny".
 * Shared by the engine's explanations and observed flows' policy traces (Goldmane).
 */
export function calicoRuleText(h: { tier: string; policy: string; section: string; index: number; name?: string; action: string }): string {
  return `tier ${h.tier}, policy ${h.policy}, ${h.section} rule ${h.index}${h.name ? ` '${h.name}'` : ''}: ${h.action}`;
}

/** Calico rules name tier, policy and rule: "tier security, policy block-egress, egress rule 2: Deny". */
export function calicoRuleRef(r: Rule): string {
  return calicoRuleText({ tier: r.policy.tier.name, policy: r.policy.displayName, section: r.section, index: r.index, name: r.name, action: ACTION_NAME[r.action] });
}

export function ruleRef(r: Rule): string {
  if (r.policy.layer === 'main' || r.policy.kind.startsWith('Cilium')) return `${r.section} rule #${r.index}${r.name ? ` '${r.name}'` : ''}`;
  return r.name ? `rule '${r.name}'` : `${r.section} rule #${r.index}`;
}

function ruleStep(dir: Direction, e: EvalEvent, outcome: StepOutcome, text: string): ExplanationStep {
  const r = e.rule!;
  return {
    direction: dir,
    layer: LAYER[e.layer],
    outcome,
    policy: r.policy.key,
    rule: { section: r.section, index: r.index, name: r.name },
    l7: r.l7,
    ...(r.policy.calico ? { tier: r.policy.tier.name } : {}),
    text,
  };
}

/** Steps for one direction of one connection (the events of a single-port evaluation). */
export function stepsFor(dir: Direction, side: 'source' | 'destination', plan: DirPlan, events: EvalEvent[], what: string): ExplanationStep[] {
  const steps: ExplanationStep[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const r = e.rule;
    // "NetworkPolicy shop/x, ingress rule #1" but "AdminNetworkPolicy x (priority 10) rule 'name'".
    const at = !r ? '' : r.policy.calico ? calicoRuleRef(r) : `${r.policy.label}${ruleRef(r).startsWith('rule ') ? ' ' : ', '}${ruleRef(r)}`;
    switch (e.outcome) {
      case 'allowed': {
        const tail = e.layer === 'admin' ? '; NetworkPolicy not consulted' : '';
        const l7 = r!.l7 ? ` with L7 rules (${r!.l7})` : '';
        steps.push(ruleStep(dir, e, 'allowed', `allowed${l7} by ${at}${tail}`));
        break;
      }
      case 'denied':
        steps.push(ruleStep(dir, e, 'denied', `denied by ${at}${e.layer === 'admin' || e.layer === 'deny' ? '; NetworkPolicy not consulted' : ''}`));
        break;
      case 'passed':
        steps.push(ruleStep(dir, e, 'passed', `passed on by ${at} to the ${e.layer === 'admin' && !r!.policy.calico ? 'NetworkPolicy' : 'next'} tier`));
        break;
      case 'logged':
        steps.push(ruleStep(dir, e, 'logged', `logged by ${at}`));
        break;
      case 'maybe':
        steps.push(ruleStep(dir, e, 'maybe', `unknown whether ${at} applies (${e.why ?? 'not statically known'})`));
        break;
      case 'unknown':
        steps.push(ruleStep(dir, e, 'unknown', `unknown: ${at} (${e.why ?? 'not statically known'})`));
        break;
      case 'default-deny': {
        const t = e.tier;
        const by = t ? t.selectedBy : plan.isolatedBy;
        const names = [...new Set(by.map((p) => p.label))].join(', ');
        const calico = !!t && (t.tier.name !== 'default' || by.some((p) => p.calico));
        steps.push({
          direction: dir,
          layer: LAYER[e.layer],
          outcome: 'isolated-no-match',
          policy: by[0]?.key,
          ...(calico ? { tier: t.tier.name } : {}),
          text: calico
            ? `denied by the default action of tier ${t.tier.name} (Deny): ${side} selected by ${names} and no rule matched ${what}`
            : `denied: ${side} isolated by ${names} and no rule allows ${what}`,
        });
        break;
      }
      case 'tier-pass': {
        const t = e.tier!;
        steps.push({
          direction: dir,
          layer: LAYER[e.layer],
          outcome: 'tier-pass',
          policy: t.selectedBy[0]?.key,
          tier: t.tier.name,
          text: `passed on by the default action of tier ${t.tier.name} (Pass): ${side} selected by ${[...new Set(t.selectedBy.map((p) => p.label))].join(', ')} and no rule matched ${what}`,
        });
        break;
      }
      case 'not-isolated':
        steps.push({ direction: dir, layer: 'networkpolicy', outcome: 'not-isolated', text: `${side} not isolated` });
        break;
      case 'default-allow':
        // "not isolated" already says it when nothing else came in between.
        if (events[i - 1]?.outcome !== 'not-isolated')
          steps.push({ direction: dir, layer: 'default', outcome: 'default-allow', text: `allowed by default (no tier decided)` });
        break;
    }
  }
  return steps;
}

/**
 * The explanation of a connection as one line: the one text the app's why panel, `analyze
 * --explain` and the report show ("denied: egress: source not isolated; ingress: denied: ...").
 * Step texts carry no direction of their own: it is added here, once.
 */
export function summaryOf(steps: readonly ExplanationStep[]): string {
  return steps.map((s) => `${s.direction}: ${s.text}`).join('; ');
}
