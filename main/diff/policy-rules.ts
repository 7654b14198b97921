/**
 * Semantic diff of one policy: selectors and spec fields compared by meaning, rules matched one
 * to one (identical rules first, then rules that kept their peers or their ports), so a change
 * reads as "ingress rule 2: ports TCP/8080 -> TCP/8080, TCP/9090", never as a text diff.
 */
import type { PolicyObject } from '../model/types.js';
import { canonical, canonicalText } from './canonical.js';
import { peersText, portsText, selectorText } from './describe.js';
import type { RuleChange, RulePart } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** Spec keys holding rule lists, in every supported kind. */
const RULE_SECTIONS = new Set(['ingress', 'egress', 'ingressDeny', 'egressDeny']);
/** Rule keys that are ports, the action, or the rule's name; all other keys are peers. */
const PORT_KEYS = new Set(['ports', 'toPorts', 'port', 'icmps']);
const ACTION_KEYS = new Set(['action']);
const NAME_KEYS = new Set(['name']);
const NON_PEER = new Set([...PORT_KEYS, ...ACTION_KEYS, ...NAME_KEYS]);
/** Kinds whose rule order decides the outcome (first match wins). */
const ORDERED_KINDS = new Set(['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy']);

const pick = (rule: Obj, keys: ReadonlySet<string>, keep: boolean): Obj => {
  const out: Obj = {};
  for (const [k, v] of Object.entries(rule)) if (keys.has(k) === keep) out[k] = v;
  return out;
};
const text = (v: unknown): string => canonicalText(canonical(v));

/** The specs a policy holds: Cilium may carry `specs: [...]` besides (or instead of) `spec`. */
function specsOf(p: PolicyObject): { label: string; spec: Obj }[] {
  const m = p.manifest;
  const out: { label: string; spec: Obj }[] = [];
  if (isObj(m.spec)) out.push({ label: '', spec: m.spec });
  if (Array.isArray(m.specs)) m.specs.forEach((s, i) => isObj(s) && out.push({ label: `specs[${i}].`, spec: s }));
  return out;
}

function describeRule(rule: Obj): string {
  const action = typeof rule.action === 'string' ? `${rule.action} ` : '';
  const name = typeof rule.name === 'string' ? ` "${rule.name}"` : '';
  const ports = 'ports' in rule || 'toPorts' in rule ? portsText(rule.ports ?? rule.toPorts) : 'all ports';
  return `${action}${peersText(rule, NON_PEER)} on ${ports}${name}`;
}

function partsChanged(a: Obj, b: Obj): RulePart[] {
  const parts: RulePart[] = [];
  if (text(pick(a, NON_PEER, false)) !== text(pick(b, NON_PEER, false))) parts.push('peers');
  if (text(pick(a, PORT_KEYS, true)) !== text(pick(b, PORT_KEYS, true))) parts.push('ports');
  if (text(pick(a, ACTION_KEYS, true)) !== text(pick(b, ACTION_KEYS, true))) parts.push('action');
  if (text(pick(a, NAME_KEYS, true)) !== text(pick(b, NAME_KEYS, true))) parts.push('name');
  return parts;
}

function changeText(part: RulePart, a: Obj, b: Obj): string {
  switch (part) {
    case 'ports':
      return `ports ${portsText(a.ports ?? a.toPorts)} -> ${portsText(b.ports ?? b.toPorts)}`;
    case 'peers':
      return `peers ${peersText(a, NON_PEER)} -> ${peersText(b, NON_PEER)}`;
    case 'action':
      return `action ${String(a.action)} -> ${String(b.action)}`;
    case 'name':
      return `name ${String(a.name)} -> ${String(b.name)}`;
    default:
      return 'changed';
  }
}

/** Matches rules of one section between A and B and describes the differences. */
function diffSection(section: string, label: string, before: unknown[], after: unknown[], ordered: boolean): RuleChange[] {
  const A = before.map((r) => (isObj(r) ? r : { value: r }));
  const B = after.map((r) => (isObj(r) ? r : { value: r }));
  const out: RuleChange[] = [];
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const where = (i: number) => `${label}${section} rule ${i + 1}`;
  // 1. identical rules (by meaning).
  const aText = A.map(text);
  const bText = B.map(text);
  for (let j = 0; j < B.length; j++) {
    let best = -1;
    for (let i = 0; i < A.length; i++) {
      if (usedA.has(i) || aText[i] !== bText[j]) continue;
      if (best < 0 || Math.abs(i - j) < Math.abs(best - j)) best = i;
    }
    if (best < 0) continue;
    usedA.add(best);
    usedB.add(j);
    if (ordered && best !== j) {
      out.push({ kind: 'rule-moved', section, index: j, fromIndex: best, description: `${label}${section} rule moved from position ${best + 1} to ${j + 1} (order decides here): ${describeRule(B[j])}` });
    }
  }
  // 2. rules that kept their name, their peers or their ports: changed in place.
  const keys: ((r: Obj) => string | undefined)[] = [
    (r) => (typeof r.name === 'string' ? `name:${r.name}` : undefined),
    (r) => text(pick(r, NON_PEER, false)),
    (r) => text(pick(r, PORT_KEYS, true)) + text(pick(r, ACTION_KEYS, true)),
  ];
  for (const key of keys) {
    for (let j = 0; j < B.length; j++) {
      if (usedB.has(j)) continue;
      const kb = key(B[j]);
      if (kb === undefined) continue;
      let best = -1;
      for (let i = 0; i < A.length; i++) {
        if (usedA.has(i) || key(A[i]) !== kb) continue;
        if (best < 0 || Math.abs(i - j) < Math.abs(best - j)) best = i;
      }
      if (best < 0) continue;
      usedA.add(best);
      usedB.add(j);
      const parts = partsChanged(A[best], B[j]);
      const detail = parts.map((p) => changeText(p, A[best], B[j])).join('; ') || 'changed';
      out.push({ kind: 'rule-changed', section, index: j, fromIndex: best, parts, before: A[best], after: B[j], description: `${where(j)}: ${detail}` });
    }
  }
  // 3. the rest were added or removed.
  for (let i = 0; i < A.length; i++) {
    if (!usedA.has(i)) out.push({ kind: 'rule-removed', section, index: i, before: A[i], description: `${where(i)} removed: ${describeRule(A[i])}` });
  }
  for (let j = 0; j < B.length; j++) {
    if (!usedB.has(j)) out.push({ kind: 'rule-added', section, index: j, after: B[j], description: `${where(j)} added: ${describeRule(B[j])}` });
  }
  return out;
}

const SELECTOR_FIELD = /selector$|^subject$/i;

/** Spec fields other than rule lists: selectors, policyTypes, priority, order, tier... */
function diffFields(label: string, a: Obj, b: Obj): RuleChange[] {
  const out: RuleChange[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (RULE_SECTIONS.has(k)) continue;
    if (text(a[k]) === text(b[k])) continue;
    const isSelector = SELECTOR_FIELD.test(k);
    const show = (v: unknown) => (v === undefined ? '(unset)' : isSelector ? selectorText(v) : Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v));
    out.push({
      kind: isSelector ? 'selector-changed' : 'field-changed',
      field: `${label}${k}`,
      before: a[k],
      after: b[k],
      description: `${label}${k} ${show(a[k])} -> ${show(b[k])}`,
    });
  }
  return out;
}

/** Semantic changes between two versions of the same policy ([] when they mean the same). */
export function diffPolicyRules(a: PolicyObject, b: PolicyObject): RuleChange[] {
  const out: RuleChange[] = [];
  const ordered = ORDERED_KINDS.has(b.kind);
  const sa = specsOf(a);
  const sb = specsOf(b);
  const n = Math.max(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const x = sa[i]?.spec ?? {};
    const y = sb[i]?.spec ?? {};
    const label = sb[i]?.label ?? sa[i]?.label ?? '';
    out.push(...diffFields(label, x, y));
    for (const section of RULE_SECTIONS) {
      const ra = Array.isArray(x[section]) ? (x[section] as unknown[]) : undefined;
      const rb = Array.isArray(y[section]) ? (y[section] as unknown[]) : undefined;
      if (ra === undefined && rb === undefined) continue;
      // An absent list and an empty list differ for NetworkPolicy egress/ingress only via policyTypes, which diffFields reports.
      out.push(...diffSection(section, label, ra ?? [], rb ?? [], ordered));
    }
  }
  if (a.apiVersion !== b.apiVersion) out.push({ kind: 'field-changed', field: 'apiVersion', before: a.apiVersion, after: b.apiVersion, description: `apiVersion ${a.apiVersion} -> ${b.apiVersion}` });
  return out;
}

/** Rule counts per section, for "added: 2 ingress rules, 1 egress rule". */
export function ruleCounts(p: PolicyObject): string {
  const counts = new Map<string, number>();
  for (const { spec } of specsOf(p)) for (const s of RULE_SECTIONS) if (Array.isArray(spec[s])) counts.set(s, (counts.get(s) ?? 0) + (spec[s] as unknown[]).length);
  const parts = [...counts].map(([s, n]) => `${n} ${s} rule${n === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no rules';
}
