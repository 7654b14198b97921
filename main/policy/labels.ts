/** Kubernetes label selectors (matchLabels + matchExpressions), compiled to predicates. */
import type { Labels } from '../model/types.js';

export type LabelPredicate = (labels: Labels) => boolean;

export const MATCH_ALL: LabelPredicate = () => true;
export const MATCH_NONE: LabelPredicate = () => false;

export interface CompiledSelector {
  match: LabelPredicate;
  /** True for `{}`: selects everything. */
  empty: boolean;
  /** Problems found; a selector with errors matches nothing (fail closed). */
  errors: string[];
  /** A label (key, value) every matching set of labels has (from matchLabels): for looking up candidates. */
  required?: [string, string];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Compiles a metav1.LabelSelector. `keyOf` lets Cilium strip its "k8s:"/"any:" source prefixes.
 * Undefined/null compiles to "matches everything" only when the caller says so (allowAbsent).
 */
export function compileSelector(sel: unknown, where: string, keyOf: (k: string) => string = (k) => k): CompiledSelector {
  if (sel === undefined || sel === null) return { match: MATCH_ALL, empty: true, errors: [] };
  if (!isObject(sel)) return { match: MATCH_NONE, empty: false, errors: [`${where}: selector must be an object`] };
  const errors: string[] = [];
  const tests: LabelPredicate[] = [];
  let required: [string, string] | undefined;
  const ml = sel.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isObject(ml)) errors.push(`${where}.matchLabels: must be a map of strings`);
    else
      for (const [k0, v] of Object.entries(ml)) {
        const k = keyOf(k0);
        const want = typeof v === 'string' ? v : String(v);
        required ??= [k, want];
        tests.push((l) => l[k] === want);
      }
  }
  const me = sel.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) errors.push(`${where}.matchExpressions: must be a list`);
    else
      me.forEach((e, i) => {
        const at = `${where}.matchExpressions[${i}]`;
        if (!isObject(e) || typeof e.key !== 'string') {
          errors.push(`${at}: needs a key`);
          return;
        }
        const k = keyOf(e.key);
        const op = e.operator;
        const values = Array.isArray(e.values) ? e.values.map(String) : undefined;
        switch (op) {
          case 'In':
          case 'NotIn': {
            if (!values || values.length === 0) {
              errors.push(`${at}: operator ${op} needs a non-empty values list`);
              return;
            }
            const set = new Set(values);
            tests.push(op === 'In' ? (l) => l[k] !== undefined && set.has(l[k]) : (l) => l[k] === undefined || !set.has(l[k]));
            return;
          }
          case 'Exists':
          case 'DoesNotExist':
            if (values && values.length > 0) {
              errors.push(`${at}: operator ${op} takes no values`);
              return;
            }
            tests.push(op === 'Exists' ? (l) => l[k] !== undefined : (l) => l[k] === undefined);
            return;
          default:
            errors.push(`${at}: unknown operator '${(() => {
              try {
                return String(op);
              } catch {
                return typeof op;
              }
            })()}' (use In, NotIn, Exists, DoesNotExist)`);
        }
      });
  }
  if (errors.length > 0) return { match: MATCH_NONE, empty: false, errors };
  if (tests.length === 0) return { match: MATCH_ALL, empty: true, errors };
  const req = required ? { required } : {};
  if (tests.length === 1) return { match: tests[0], empty: false, errors, ...req };
  return { match: (l) => tests.every((t) => t(l)), empty: false, errors, ...req };
}
