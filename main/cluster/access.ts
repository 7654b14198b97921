/**
 * RBAC first: before reading, ask the API server (SelfSubjectAccessReview) what this user may
 * list and watch, cluster-wide or per namespace. Refusals become Permission entries and
 * "not-permitted" warnings; the rest is read normally. A user confined to one namespace gets
 * that namespace's city.
 */
import type { KubeClient } from './kube-client.js';
import type { CaptureWarning, Permission } from '../model/types.js';
import { resourceLabel, type ResourceSpec } from './resources.js';

export interface Scope {
  /** undefined: cluster-wide (or a cluster-scoped resource). */
  namespace?: string;
  watch: boolean;
}

export interface ResourcePlan {
  spec: ResourceSpec;
  version: string;
  scopes: Scope[];
}

export interface AccessPlan {
  plans: ResourcePlan[];
  permissions: Permission[];
  warnings: CaptureWarning[];
  /** The namespaces the city is limited to, when it is (chosen, or imposed by RBAC). */
  namespaces?: string[];
}

export type AccessCheck = (verb: string, spec: ResourceSpec, namespace?: string) => Promise<boolean | undefined>;

/**
 * SelfSubjectAccessReview (authorization.k8s.io/v1) over the connection's kept-alive client: a
 * connect makes ~40 of them, and client-node's generated AuthorizationV1Api opens a new TLS
 * connection for each. Undefined when the review itself failed.
 */
export function accessReviewer(client: KubeClient, signal?: AbortSignal): AccessCheck {
  return async (verb, spec, namespace) => {
    try {
      const r = await client.request<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        method: 'POST',
        signal,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { verb, group: spec.group, resource: spec.plural, ...(namespace ? { namespace } : {}) } },
        },
      });
      return r.status?.allowed === true;
    } catch {
      return undefined; // review not possible: try the read and let it answer
    }
  };
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** The rules of one namespace (SelfSubjectRulesReview), or undefined when incomplete or unavailable. */
export type RulesLookup = (namespace: string) => Promise<ResourceRule[] | undefined>;

/** Whether rules grant a verb on a whole resource (rules limited to resourceNames do not grant list/watch). */
export function rulesAllow(rules: ResourceRule[], verb: string, spec: ResourceSpec): boolean {
  const has = (list: string[] | undefined, v: string): boolean => (list ?? []).some((x) => x === '*' || x === v);
  return rules.some((r) => has(r.verbs, verb) && has(r.apiGroups, spec.group) && has(r.resources, spec.plural) && !(r.resourceNames ?? []).length);
}

/** One SelfSubjectRulesReview per namespace instead of two access reviews per resource there. */
export function rulesReviewer(client: KubeClient, signal?: AbortSignal): RulesLookup {
  return async (namespace) => {
    try {
      const r = await client.request<{ status?: { resourceRules?: ResourceRule[]; incomplete?: boolean } }>(
        '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
        { method: 'POST', signal, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } } },
      );
      // Incomplete rules (e.g. a webhook authorizer) cannot say "no": ask per resource instead.
      return r.status && !r.status.incomplete ? (r.status.resourceRules ?? []) : undefined;
    } catch {
      return undefined;
    }
  };
}

async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export interface PlanOptions {
  /** Namespaces the user chose; undefined = the whole cluster. */
  namespaces?: string[];
  /** The context's default namespace, the fallback when the cluster may not be read as a whole. */
  defaultNamespace?: string;
  /** Lists namespace names (used when only some namespaces are readable). */
  listNamespaces?: () => Promise<string[]>;
  now?: number;
  /** Most namespaces checked one by one when cluster-wide reading is refused. */
  maxNamespaceChecks?: number;
  /** Per-namespace rules (SelfSubjectRulesReview); without them each resource is reviewed on its own. */
  rulesFor?: RulesLookup;
}

export async function planAccess(
  specs: { spec: ResourceSpec; version: string }[],
  check: AccessCheck,
  opts: PlanOptions = {},
): Promise<AccessPlan> {
  const now = opts.now ?? Date.now();
  const permissions: Permission[] = [];
  const warnings: CaptureWarning[] = [];
  const plans: ResourcePlan[] = [];
  const notPermitted = (spec: ResourceSpec, namespace?: string): void => {
    const label = resourceLabel(spec);
    const where = namespace ? ` in namespace ${namespace}` : spec.namespaced ? ' cluster-wide' : '';
    const effect = spec.auxiliary
      ? spec.id === 'replicasets' || spec.id === 'jobs'
        ? 'owners are inferred from pod names'
        : 'these workloads are inferred from their pods'
      : spec.policyKind
        ? 'those policies are missing from the analysis'
        : 'they are not shown';
    warnings.push({ time: now, kind: 'not-permitted', subject: label, message: `not permitted to list ${label}${where}: ${effect}` });
  };

  const rulesCache = new Map<string, Promise<ResourceRule[] | undefined>>();
  const rulesOf = (namespace: string): Promise<ResourceRule[] | undefined> => {
    let p = rulesCache.get(namespace);
    if (!p) rulesCache.set(namespace, (p = opts.rulesFor ? opts.rulesFor(namespace) : Promise.resolve(undefined)));
    return p;
  };
  const both = async (spec: ResourceSpec, namespace?: string): Promise<{ list: boolean | undefined; watch: boolean | undefined }> => {
    const rules = namespace ? await rulesOf(namespace) : undefined;
    if (rules) return { list: rulesAllow(rules, 'list', spec), watch: rulesAllow(rules, 'watch', spec) };
    const [list, watch] = await Promise.all([check('list', spec, namespace), check('watch', spec, namespace)]);
    return { list, watch };
  };

  const clusterWide = opts.namespaces === undefined;
  const first = await pool(specs, 8, async ({ spec }) => (spec.namespaced && !clusterWide ? undefined : both(spec)));
  let fallback: string[] | undefined = opts.namespaces;
  const deniedNamespaced = specs.filter(({ spec }, i) => spec.namespaced && clusterWide && first[i]!.list === false);
  if (deniedNamespaced.length > 0) {
    // Which namespaces then? All those we may see (checked one by one), else the context's own.
    let candidates: string[] = [];
    const nsIndex = specs.findIndex(({ spec }) => spec.id === 'namespaces');
    if (nsIndex >= 0 && first[nsIndex]?.list !== false && opts.listNamespaces) {
      try {
        candidates = (await opts.listNamespaces()).slice(0, opts.maxNamespaceChecks ?? 50);
      } catch {
        candidates = [];
      }
    }
    if (candidates.length === 0) candidates = [opts.defaultNamespace ?? 'default'];
    fallback = candidates;
  }

  for (let i = 0; i < specs.length; i++) {
    const { spec, version } = specs[i];
    const r = first[i];
    if (r) {
      permissions.push({ resource: resourceLabel(spec), verb: 'list', allowed: r.list !== false });
      if (r.list !== false) {
        plans.push({ spec, version, scopes: [{ watch: r.watch !== false }] });
        continue;
      }
      if (!spec.namespaced) {
        notPermitted(spec);
        continue;
      }
    }
    // Namespaced resource, per namespace.
    const namespaces = fallback ?? [];
    const results = await pool(namespaces, 8, (ns) => both(spec, ns));
    const scopes: Scope[] = [];
    namespaces.forEach((ns, j) => {
      const ok = results[j].list !== false;
      permissions.push({ resource: resourceLabel(spec), namespace: ns, verb: 'list', allowed: ok });
      if (ok) scopes.push({ namespace: ns, watch: results[j].watch !== false });
      else notPermitted(spec, ns);
    });
    if (r && r.list === false && scopes.length > 0 && !spec.auxiliary)
      warnings.push({
        time: now,
        kind: 'not-permitted',
        subject: resourceLabel(spec),
        message: `not permitted to list ${resourceLabel(spec)} cluster-wide: showing namespace${scopes.length > 1 ? 's' : ''} ${scopes.map((s) => s.namespace).join(', ')} only`,
      });
    else if (r && r.list === false && scopes.length === 0) notPermitted(spec);
    if (scopes.length) plans.push({ spec, version, scopes });
  }
  const limited = opts.namespaces ?? (deniedNamespaced.length > 0 ? fallback : undefined);
  return { plans, permissions, warnings, ...(limited ? { namespaces: limited } : {}) };
}
