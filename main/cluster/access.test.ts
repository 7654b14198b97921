import { describe, expect, it } from 'vitest';
import { planAccess, rulesAllow, type AccessCheck } from './access.js';
import { RESOURCES, resourceSpec } from './resources.js';

const core = ['namespaces', 'nodes', 'pods', 'networkpolicies', 'replicasets'] as const;
const specs = core.map((id) => ({ spec: resourceSpec(id), version: 'v1' }));

describe('planAccess', () => {
  it('reads everything cluster-wide for an admin', async () => {
    const plan = await planAccess(specs, async () => true, { now: 1 });
    expect(plan.plans.map((p) => [p.spec.id, p.scopes])).toEqual(core.map((id) => [id, [{ watch: true }]]));
    expect(plan.warnings).toEqual([]);
    expect(plan.namespaces).toBeUndefined();
  });

  it('falls back to the context namespace for a namespace-bound user and says what is missing', async () => {
    const check: AccessCheck = async (_verb, spec, ns) => (spec.namespaced ? ns === 'shop' : false);
    const plan = await planAccess(specs, check, { defaultNamespace: 'shop', now: 1 });
    expect(plan.namespaces).toEqual(['shop']);
    expect(plan.plans.map((p) => [p.spec.id, p.scopes])).toEqual([
      ['pods', [{ namespace: 'shop', watch: true }]],
      ['networkpolicies', [{ namespace: 'shop', watch: true }]],
      ['replicasets', [{ namespace: 'shop', watch: true }]],
    ]);
    expect(plan.permissions).toContainEqual({ resource: 'nodes', verb: 'list', allowed: false });
    expect(plan.permissions).toContainEqual({ resource: 'pods', verb: 'list', allowed: false });
    expect(plan.permissions).toContainEqual({ resource: 'pods', namespace: 'shop', verb: 'list', allowed: true });
    expect(plan.warnings.map((w) => w.message)).toEqual([
      'not permitted to list namespaces: they are not shown',
      'not permitted to list nodes: they are not shown',
      'not permitted to list pods cluster-wide: showing namespace shop only',
      'not permitted to list networkpolicies.networking.k8s.io cluster-wide: showing namespace shop only',
    ]);
  });

  it('checks each readable namespace when namespaces may be listed but pods only in some', async () => {
    const check: AccessCheck = async (verb, spec, ns) => (spec.id === 'namespaces' ? true : !spec.namespaced ? true : ns === 'a' || (ns === 'b' && verb === 'list'));
    const plan = await planAccess(specs, check, { listNamespaces: async () => ['a', 'b', 'c'], now: 1 });
    expect(plan.namespaces).toEqual(['a', 'b', 'c']);
    expect(plan.plans.find((p) => p.spec.id === 'pods')!.scopes).toEqual([{ namespace: 'a', watch: true }, { namespace: 'b', watch: false }]);
    expect(plan.warnings.map((w) => w.message)).toContain('not permitted to list pods in namespace c: they are not shown');
    expect(plan.warnings.map((w) => w.message)).toContain('not permitted to list replicasets.apps in namespace c: owners are inferred from pod names');
  });

  it('honours chosen namespaces and reads on when the review itself is impossible', async () => {
    const seen: string[] = [];
    const plan = await planAccess(specs, async (verb, spec, ns) => {
      seen.push(`${verb} ${spec.id} ${ns ?? '*'}`);
      return undefined;
    }, { namespaces: ['x'] });
    expect(plan.plans.find((p) => p.spec.id === 'pods')!.scopes).toEqual([{ namespace: 'x', watch: true }]);
    expect(seen).not.toContain('list pods *');
    expect(plan.namespaces).toEqual(['x']);
    expect(RESOURCES.length).toBeGreaterThan(specs.length);
  });

  it('uses one rules review per namespace instead of per-resource reviews there', async () => {
    const reviews: string[] = [];
    const check: AccessCheck = async (verb, spec, ns) => {
      reviews.push(`${verb} ${spec.id} ${ns ?? '*'}`);
      return spec.id === 'namespaces';
    };
    const rulesFor = async (ns: string) =>
      ns === 'a'
        ? [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }, { verbs: ['list'], apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'] }]
        : ns === 'b'
          ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: ['only-this'] }]
          : undefined;
    const plan = await planAccess(specs, check, { listNamespaces: async () => ['a', 'b', 'c'], rulesFor, now: 1 });
    expect(plan.plans.find((p) => p.spec.id === 'pods')!.scopes).toEqual([{ namespace: 'a', watch: true }]);
    expect(plan.plans.find((p) => p.spec.id === 'networkpolicies')!.scopes).toEqual([{ namespace: 'a', watch: false }]);
    // Namespace c has no usable rules: reviewed per resource.
    expect(reviews.filter((r) => r.endsWith(' a') || r.endsWith(' b'))).toEqual([]);
    expect(reviews).toContain('list pods c');
  });

  it('rulesAllow matches verbs, groups and resources, with wildcards', () => {
    const pods = resourceSpec('pods');
    expect(rulesAllow([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'watch', pods)).toBe(true);
    expect(rulesAllow([{ verbs: ['list'], apiGroups: ['apps'], resources: ['pods'] }], 'list', pods)).toBe(false);
    expect(rulesAllow([{ verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['x'] }], 'list', pods)).toBe(false);
  });
});
