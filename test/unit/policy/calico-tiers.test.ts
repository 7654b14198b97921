/**
 * Calico tiers as truth tables (docs.tigera.io: Tier resource, "Get started with policy tiers"):
 * tiers by order, policies by order (ties by name), first Allow/Deny decides, Pass to the next
 * tier, a tier's default action when one of its policies selects the endpoint and nothing matched,
 * kube-admin / default / kube-baseline placement, staged policies never enforced.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyObject } from '../../../main/model/types.js';
import { createPolicyEngine, promoteStaged, stagedPreview, whatIf } from '../../../main/policy/index.js';
import { np, pol, xyz } from './cluster.js';
import { grids, type TruthCase } from './truth.js';

const TCP80 = { protocol: 'TCP', port: 80 } as const;
const TCP81 = { protocol: 'TCP', port: 81 } as const;
const ALL_PODS = ['x', 'y', 'z'].flatMap((ns) => ['a', 'b', 'c'].map((p) => `${ns}/${p}`));

const tier = (name: string, spec: Record<string, unknown>) => pol('CalicoTier', name, spec);
const gnp = (name: string, spec: Record<string, unknown>) => pol('CalicoGlobalNetworkPolicy', name, spec);
const cnp = (name: string, ns: string, spec: Record<string, unknown>) => pol('CalicoNetworkPolicy', name, spec, ns);
const anp = (name: string, priority: number, spec: Record<string, unknown>) => pol('AdminNetworkPolicy', name, { priority, ...spec });
const banp = (spec: Record<string, unknown>) => pol('BaselineAdminNetworkPolicy', 'default', spec);
const fromNs = (ns: string) => ({ namespaceSelector: `ns == '${ns}'` });
const xa = "pod == 'a'";

const CASES: TruthCase[] = [
  {
    name: 'a higher tier decides before the default tier; Pass hands the rest on',
    policies: [
      tier('security', { order: 100 }),
      gnp('security.block-y', { tier: 'security', selector: xa, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Deny', source: fromNs('y') }, { action: 'Pass' }] }),
      np('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
    ],
    probes: [TCP80],
    expect: [['y/*', 'x/a', false]],
  },
  {
    name: "a tier that selects the endpoint and matches nothing denies (default action Deny), whatever later tiers allow",
    policies: [
      tier('security', { order: 100 }),
      gnp('security.only-b', { tier: 'security', selector: xa, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
      np('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['*/b', 'x/a', true],
    ],
  },
  {
    name: 'defaultAction Pass: unmatched traffic goes on to the next tier (here a default-tier NetworkPolicy)',
    policies: [
      tier('security', { order: 100, defaultAction: 'Pass' }),
      gnp('security.only-b', { tier: 'security', selector: xa, namespaceSelector: "ns == 'x'", ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
      np('from-z', 'x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['z/*', 'x/*', true],
      ['*/b', 'x/a', true],
    ],
  },
  {
    name: 'tiers by order: the lower order decides (early allows y, late denies it)',
    policies: [
      tier('early', { order: 10 }),
      tier('late', { order: 20 }),
      gnp('late.deny-y', { tier: 'late', selector: xa, ingress: [{ action: 'Deny', source: fromNs('y') }, { action: 'Pass' }] }),
      gnp('early.allow-y', { tier: 'early', selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'tiers by order, reversed: the deny comes first',
    policies: [
      tier('early', { order: 30 }),
      tier('late', { order: 20 }),
      gnp('late.deny-y', { tier: 'late', selector: xa, ingress: [{ action: 'Deny', source: fromNs('y') }, { action: 'Pass' }] }),
      gnp('early.allow-y', { tier: 'early', selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [['y/*', '*/a', false]],
  },
  {
    name: 'tiers with equal order: by name (alpha before beta)',
    policies: [
      tier('beta', { order: 50 }),
      tier('alpha', { order: 50 }),
      gnp('beta.allow-y', { tier: 'beta', selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }, { action: 'Pass' }] }),
      gnp('alpha.deny-y', { tier: 'alpha', selector: xa, ingress: [{ action: 'Deny', source: fromNs('y') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [['y/*', '*/a', false]],
  },
  {
    name: 'policies of equal order in a tier: by name (a-deny before b-allow)',
    policies: [
      tier('t', { order: 1 }),
      gnp('t.b-allow', { tier: 't', order: 5, selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }] }),
      gnp('t.a-deny', { tier: 't', order: 5, selector: xa, ingress: [{ action: 'Deny', source: fromNs('y') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [['y/*', '*/a', false]],
  },
  {
    name: 'a policy without order comes after the ordered ones of its tier',
    policies: [
      tier('t', { order: 1 }),
      gnp('t.a-deny-unordered', { tier: 't', selector: xa, ingress: [{ action: 'Deny', source: fromNs('y') }] }),
      gnp('t.z-allow', { tier: 't', order: 900, selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'a tier whose policies select nothing here is skipped (no default deny for others)',
    policies: [
      tier('security', { order: 100 }),
      cnp('security.x-only', 'x', { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
    ],
    probes: [TCP80],
    // The namespaced policy selects x's pods only; b in x is the only allowed source (the
    // rule's selector looks in the policy's namespace).
    expect: [
      ['*', 'x/*', false],
      ['x/b', 'x/*', true],
    ],
  },
  {
    name: 'global vs namespaced: the GlobalNetworkPolicy selects pods of every namespace, its rule selector too',
    policies: [
      tier('security', { order: 100 }),
      gnp('security.global', { tier: 'security', selector: xa, ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', '*/a', false],
      ['*/b', '*/a', true],
    ],
  },
  {
    name: 'Pass in the last tier: the profile allows',
    policies: [tier('security', { order: 100 }), gnp('security.pass-all', { tier: 'security', selector: 'all()', ingress: [{ action: 'Pass' }], egress: [{ action: 'Pass' }] })],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'egress: a tier denies the way out before a default-tier allow',
    policies: [
      tier('security', { order: 100 }),
      gnp('security.block-egress', { tier: 'security', selector: xa, types: ['Egress'], egress: [{ action: 'Log' }, { action: 'Deny', protocol: 'TCP', destination: { ports: [80] } }, { action: 'Pass' }] }),
      cnp('allow-out', 'x', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow' }] }),
    ],
    probes: [TCP80, TCP81],
    expect: [['*/a', '*', false, TCP80]],
  },
  {
    name: 'a Calico tier ordered before kube-admin (order 1000) beats an AdminNetworkPolicy',
    policies: [
      tier('first', { order: 500 }),
      gnp('first.allow-y', { tier: 'first', selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }, { action: 'Pass' }] }),
      anp('deny-y', 10, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'y' } } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['y/*', '*', false],
      ['y/*', '*/a', true],
    ],
  },
  {
    name: 'Calico policies in kube-admin are ordered with the AdminNetworkPolicies by order = priority',
    policies: [
      gnp('kube-admin.allow-y', { tier: 'kube-admin', order: 5, selector: xa, ingress: [{ action: 'Allow', source: fromNs('y') }] }),
      anp('deny-y', 10, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'y' } } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['y/*', '*', false],
      ['y/*', '*/a', true],
    ],
  },
  {
    name: 'kube-admin passes by default: an unmatched Calico kube-admin policy hands on to the default tier',
    policies: [
      gnp('kube-admin.only-z', { tier: 'kube-admin', order: 5, selector: xa, ingress: [{ action: 'Allow', source: fromNs('z') }] }),
      np('deny-all', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['z/*', 'x/a', true],
    ],
  },
  {
    name: 'Pass in the default tier goes to kube-baseline (BaselineAdminNetworkPolicy decides)',
    policies: [
      cnp('pass-z', 'x', { selector: xa, ingress: [{ action: 'Pass', source: fromNs('z') }, { action: 'Allow' }] }),
      banp({ subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'z' } } }] }] }),
    ],
    probes: [TCP80],
    expect: [['z/*', '*', false]],
  },
  {
    name: 'a Calico policy in kube-baseline before the BaselineAdminNetworkPolicy (order 1000)',
    policies: [
      gnp('kube-baseline.allow-z', { tier: 'kube-baseline', order: 100, selector: xa, ingress: [{ action: 'Allow', source: fromNs('z') }] }),
      banp({ subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'z' } } }] }] }),
    ],
    probes: [TCP80],
    // The kube-baseline tier passes by default: the Calico policy selecting */a lets the rest on to the BANP.
    expect: [
      ['z/*', '*', false],
      ['z/*', '*/a', true],
    ],
  },
  {
    name: 'a tier named by a policy but not given (no Tier object) is evaluated last, default action Deny',
    policies: [gnp('ghost.only-b', { tier: 'ghost', selector: xa, ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] })],
    probes: [TCP80],
    expect: [
      ['*', '*/a', false],
      ['*/b', '*/a', true],
    ],
  },
  {
    name: 'staged policies are never enforced',
    policies: [
      pol('CalicoStagedGlobalNetworkPolicy', 'deny-all', { selector: 'all()', types: ['Ingress', 'Egress'] }),
      pol('CalicoStagedKubernetesNetworkPolicy', 'deny-x', { podSelector: {}, policyTypes: ['Ingress'] }, 'x'),
      pol('CalicoStagedNetworkPolicy', 'deny-y', { selector: 'all()', types: ['Ingress'] }, 'y'),
    ],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'selector grammar: Calico labels, double quotes, not in, starts/ends with, parentheses, !has',
    policies: [
      tier('security', { order: 100 }),
      gnp('security.grammar', {
        tier: 'security',
        selector: `projectcalico.org/namespace == "x" && (pod in {'a'} || pod ends with "b")`,
        ingress: [
          { action: 'Deny', source: { selector: "pod starts with 'c' && projectcalico.org/orchestrator == 'k8s'" } },
          { action: 'Allow', source: { namespaceSelector: `projectcalico.org/name not in {"z"} && !has(missing)` } },
        ],
      }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/b', false],
      ['x/*', 'x/a', true],
      ['y/*', 'x/a', true],
      ['x/*', 'x/b', true],
      ['y/*', 'x/b', true],
      ['*/c', 'x/a', false],
      ['*/c', 'x/b', false],
    ],
  },
];

describe('Calico tiers truth table', () => {
  const cluster = xyz();
  for (const c of CASES)
    it(c.name, () => {
      const { got, want } = grids(cluster, ALL_PODS, c);
      expect(got).toBe(want);
    });
});

describe('tier explanations', () => {
  it('name tier, policy and rule: "tier security, policy block-egress, egress rule 2: Deny"', () => {
    const e = createPolicyEngine({
      ...xyz(),
      policies: [
        tier('security', { order: 100 }),
        gnp('security.block-egress', { tier: 'security', selector: xa, egress: [{ action: 'Log' }, { action: 'Deny', protocol: 'TCP', destination: { ports: [80] } }, { action: 'Pass' }] }),
      ],
    });
    const d = e.evaluate('pod:x/a', 'pod:y/b', 'TCP', 80);
    expect(d.verdict).toBe('denied');
    expect(d.summary).toContain('tier security, policy block-egress, egress rule 2: Deny');
    const step = d.steps.find((s) => s.outcome === 'denied')!;
    expect(step).toMatchObject({ tier: 'security', policy: 'CalicoGlobalNetworkPolicy/security.block-egress', rule: { section: 'egress', index: 2 } });
    const passed = e.evaluate('pod:x/a', 'pod:y/b', 'TCP', 81);
    expect(passed.summary).toContain('passed on by tier security, policy block-egress, egress rule 3: Pass to the next tier');
  });

  it('name the tier whose default action decided', () => {
    const policies = [
      tier('security', { order: 100 }),
      cnp('security.only-b', 'x', { tier: 'security', selector: xa, ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }] }),
    ];
    const deny = createPolicyEngine({ ...xyz(), policies }).evaluate('pod:x/c', 'pod:x/a', 'TCP', 80);
    expect(deny.verdict).toBe('denied');
    expect(deny.summary).toContain('denied by the default action of tier security (Deny): destination selected by Calico NetworkPolicy x/only-b');
    expect(deny.steps.at(-1)).toMatchObject({ tier: 'security', outcome: 'isolated-no-match', policy: 'CalicoNetworkPolicy/x/security.only-b' });
    const pass = createPolicyEngine({ ...xyz(), policies: [tier('security', { order: 100, defaultAction: 'Pass' }), policies[1]] }).evaluate('pod:x/c', 'pod:x/a', 'TCP', 80);
    expect(pass.verdict).toBe('allowed');
    expect(pass.summary).toContain('passed on by the default action of tier security (Pass)');
    // The policy is in the fence of the pod only when its tier denies by default.
    expect(createPolicyEngine({ ...xyz(), policies }).fences('pod:x/a').ingress).toEqual({ isolated: true, by: ['CalicoNetworkPolicy/x/security.only-b'] });
    expect(createPolicyEngine({ ...xyz(), policies: [tier('security', { order: 100, defaultAction: 'Pass' }), policies[1]] }).fences('pod:x/a').ingress.isolated).toBe(false);
  });

  it('warn about bad Tier fields and tiers that are not given', () => {
    const e = createPolicyEngine({
      ...xyz(),
      policies: [tier('bad', { order: 'first', defaultAction: 'Allow' }), gnp('ghost.x', { tier: 'ghost', selector: xa, ingress: [{ action: 'Allow' }] })],
    });
    expect(e.warnings.map((w) => w.message)).toEqual([
      "spec.order: 'first' is not a number (tier evaluated last)",
      "spec.defaultAction: 'Allow' is not Deny or Pass (Deny assumed)",
      "spec.tier: tier 'ghost' not found (no Tier object): evaluated after the ordered tiers, default action Deny",
    ]);
  });
});

describe('staged policies as a what-if preview', () => {
  it('promoteStaged turns each staged kind into its enforced kind; stagedAction Delete removes', () => {
    const enforced = cnp('allow-y', 'x', { selector: 'all()', ingress: [{ action: 'Allow', source: fromNs('y') }] });
    const staged: PolicyObject[] = [
      pol('CalicoStagedKubernetesNetworkPolicy', 'deny-x', { podSelector: {}, policyTypes: ['Ingress'] }, 'x'),
      pol('CalicoStagedNetworkPolicy', 'allow-y', { stagedAction: 'Delete' }, 'x'),
      pol('CalicoStagedGlobalNetworkPolicy', 'security.g', { tier: 'security', selector: xa }),
    ];
    const change = promoteStaged([enforced, ...staged]);
    expect(change.remove).toEqual(['CalicoNetworkPolicy/x/allow-y']);
    expect(change.upsert.map((p) => [p.kind, p.apiVersion, p.manifest.kind, p.namespace ?? null])).toEqual([
      ['NetworkPolicy', 'networking.k8s.io/v1', 'NetworkPolicy', 'x'],
      ['CalicoGlobalNetworkPolicy', 'projectcalico.org/v3', 'GlobalNetworkPolicy', null],
    ]);
  });

  it('the preview shows what enforcing them would deny; the engine as enforced does not', () => {
    const input = { ...xyz(), policies: [pol('CalicoStagedKubernetesNetworkPolicy', 'deny-x', { podSelector: {}, policyTypes: ['Ingress'] }, 'x')] };
    expect(createPolicyEngine(input).evaluate('pod:y/a', 'pod:x/a', 'TCP', 80).verdict).toBe('allowed');
    expect(createPolicyEngine(input).policiesSelecting('pod:x/a')).toEqual([]);
    const r = stagedPreview(input, { level: 'pod', includeIpRanges: false });
    expect(r.staged).toBe(1);
    const denied = r.newlyDenied.map((c) => `${c.src}>${c.dst}`);
    expect(denied).toContain('pod:y/a>pod:x/a');
    expect(denied.every((d) => d.endsWith('pod:x/a') || d.endsWith('pod:x/b') || d.endsWith('pod:x/c'))).toBe(true);
    expect(r.newlyAllowed).toEqual([]);
    // The same as whatIf with the change spelled out.
    expect(whatIf(input, promoteStaged(input.policies), { level: 'pod', includeIpRanges: false }).newlyDenied).toEqual(r.newlyDenied);
  });

  it('are not reported as unenforced kinds, nor the tiers', () => {
    const input = { ...xyz(), policies: [tier('security', { order: 1 }), gnp('security.deny', { tier: 'security', selector: xa, ingress: [{ action: 'Deny' }] })] };
    const e = createPolicyEngine(input, { enforcedKinds: ['NetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'], roadBuilder: 'Calico' });
    const d = e.evaluate('pod:y/b', 'pod:x/a', 'TCP', 80);
    expect(d.verdict).toBe('denied');
    expect(d.unenforced).toBeUndefined();
  });
});

describe('IPv6 range peers', () => {
  it('an IPv6 range id ("a::-b:...") is a range, not an address that breaks the parser', () => {
    const e = createPolicyEngine({ ...xyz(), policies: [cnp('v6', 'x', { selector: 'all()', egress: [{ action: 'Allow', destination: { nets: ['2001:db8::/32'] } }] })] });
    expect(e.portVerdicts('pod:x/a', 'ip:2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').allowed.TCP).toBe('');
    expect(e.portVerdicts('pod:x/a', 'ip:2001:db8::/32').allowed.TCP).toBe('1-65535');
  });
});

describe('tiered matrix = pair evaluation', () => {
  // Random tiers and Calico policies (with NetworkPolicies, ANP and BANP in their tiers) over the
  // x/y/z cluster: the class-based matrix gives every pod pair the ports pair evaluation gives.
  const sel = fc.constantFrom('all()', xa, "pod != 'b'", "pod in {'b', 'c'}", 'has(pod)', "projectcalico.org/namespace == 'y'");
  const nsSel = fc.constantFrom(undefined, "ns == 'x'", "ns != 'z'", 'all()');
  const action = fc.constantFrom('Allow', 'Deny', 'Pass', 'Log');
  const side = fc.record(
    {
      selector: fc.option(sel, { nil: undefined }),
      namespaceSelector: nsSel,
      notSelector: fc.option(fc.constantFrom("pod == 'c'", "role == 'partner'"), { nil: undefined }),
      ports: fc.option(fc.constantFrom([80], ['81:90'], ['serve-80-tcp']), { nil: undefined }),
      serviceAccounts: fc.option(fc.constantFrom({ names: ['sa-b'] }, { selector: "projectcalico.org/name != 'default'" }), { nil: undefined }),
      services: fc.option(fc.constantFrom({ name: 'web', namespace: 'x' }), { freq: 6, nil: undefined }),
      nets: fc.option(fc.constantFrom(['203.0.113.0/25'], ['10.0.0.0/8', '2001:db8::/32']), { freq: 4, nil: undefined }),
    },
    { requiredKeys: [] },
  );
  const rule = fc.record({ action, protocol: fc.option(fc.constantFrom('TCP', 'UDP'), { nil: undefined }), ipVersion: fc.option(fc.constantFrom(4, 6), { freq: 5, nil: undefined }), source: side, destination: side }, { requiredKeys: ['action'] }).map((r) => {
    const out: Record<string, unknown> = { ...r };
    const d = r.destination as Record<string, unknown> | undefined;
    if (d?.ports && !r.protocol) out.protocol = 'TCP';
    if ((r.source as Record<string, unknown> | undefined)?.ports) delete (out.source as Record<string, unknown>).ports;
    return out;
  });
  const tierName = fc.constantFrom('default', 'a', 'b', 'kube-admin', 'kube-baseline');
  const policy = fc.record({
    global: fc.boolean(),
    tier: tierName,
    order: fc.option(fc.constantFrom(1, 5, 5, 1000, 2000), { nil: undefined }),
    selector: sel,
    ingress: fc.array(rule, { maxLength: 3 }),
    egress: fc.array(rule, { maxLength: 2 }),
  });
  const cluster = fc.record({
    tiers: fc.record({ a: fc.constantFrom(10, 1500, 2_000_000, 50), aPass: fc.boolean(), b: fc.constantFrom(50, 999_999, 20_000_000), bPass: fc.boolean() }),
    policies: fc.array(policy, { minLength: 1, maxLength: 5 }),
    withNp: fc.boolean(),
    withAdmin: fc.boolean(),
    unknownSa: fc.boolean(),
  });
  it('holds on random tiered policy sets', () => {
    fc.assert(
      fc.property(cluster, ({ tiers, policies, withNp, withAdmin, unknownSa }) => {
        const partners = pol('CalicoGlobalNetworkSet', 'partners', { nets: ['203.0.113.0/24'] });
        partners.manifest.metadata = { name: 'partners', labels: { role: 'partner' } };
        const ps: PolicyObject[] = [
          partners,
          tier('a', { order: tiers.a, ...(tiers.aPass ? { defaultAction: 'Pass' } : {}) }),
          tier('b', { order: tiers.b, ...(tiers.bPass ? { defaultAction: 'Pass' } : {}) }),
        ];
        policies.forEach((p, i) => {
          const spec = { tier: p.tier, ...(p.order !== undefined ? { order: p.order } : {}), selector: p.selector, ingress: p.ingress, egress: p.egress };
          ps.push(p.global ? gnp(`${p.tier}.p${i}`, spec) : cnp(`${p.tier}.p${i}`, 'x', spec));
        });
        if (withNp) ps.push(np('np', 'y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }));
        if (withAdmin) {
          ps.push(anp('anp', 3, { subject: { namespaces: {} }, ingress: [{ action: 'Pass', from: [{ namespaces: { matchLabels: { ns: 'z' } } }] }, { action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'c' } } } }] }] }));
          ps.push(banp({ subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { ns: 'z' } } }] }] }));
        }
        const base = saCluster();
        // Some pods' service account unknown (an older snapshot): their matches are "maybe".
        const pods = unknownSa ? base.pods.map((p) => (p.namespace === 'y' && p.name === 'c' ? { ...p, serviceAccount: undefined } : p)) : base.pods;
        const e = createPolicyEngine({ ...base, pods, policies: ps });
        const m = e.connectivity({ level: 'pod', includeIpRanges: true });
        const G = m.peers.length;
        const EMPTY = { TCP: '', UDP: '', SCTP: '' };
        for (let s = 0; s < G; s++)
          for (let d = 0; d < G; d++) {
            if (s === d || (m.peers[s].type === 'ipRange' && m.peers[d].type === 'ipRange')) continue;
            const got = m.at(s, d);
            const want = e.portVerdicts(m.peers[s].id, m.peers[d].id);
            expect({ src: m.peers[s].id, dst: m.peers[d].id, allowed: got?.allowed ?? EMPTY, unknown: got?.unknown ?? EMPTY }).toEqual({
              src: m.peers[s].id,
              dst: m.peers[d].id,
              allowed: want.allowed,
              unknown: want.unknown,
            });
          }
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});

/** xyz with service accounts (a: sa-a, b: sa-b, c: default), a service web in x (pods a, port 8080 -> serve-80-tcp) and the API server's. */
function saCluster() {
  const c = xyz();
  return {
    ...c,
    pods: c.pods.map((p) => ({ ...p, serviceAccount: p.name === 'c' ? 'default' : `sa-${p.name}` })),
    services: [
      { namespace: 'x', name: 'web', type: 'ClusterIP', clusterIPs: ['10.96.0.20'], ports: [{ port: 8080, targetPort: 'serve-80-tcp', protocol: 'TCP' as const }], selector: { pod: 'a' }, endpoints: [] },
      { namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [{ port: 443, targetPort: 6443, protocol: 'TCP' as const }], endpoints: [{ ip: '192.168.0.10', ready: true }] },
    ],
  };
}

const MATCH_CASES: TruthCase[] = [
  {
    name: 'serviceAccounts by name: a global policy matches the account in every namespace',
    policies: [gnp('sa', { selector: xa, ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['sa-b'] } } }] })],
    probes: [TCP80],
    expect: [
      ['*', '*/a', false],
      ['*/b', '*/a', true],
    ],
  },
  {
    name: 'serviceAccounts in a namespaced policy: accounts of its namespace; by selector on the name',
    policies: [cnp('sa', 'x', { selector: xa, ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: "projectcalico.org/name in {'sa-b', 'default'}" } } }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
      ['x/c', 'x/a', true],
    ],
  },
  {
    name: 'serviceAccountSelector picks the policy subjects; the serviceaccount label is a pod label too',
    policies: [
      gnp('subjects', { serviceAccountSelector: "projectcalico.org/name == 'sa-a'", ingress: [{ action: 'Deny', source: { selector: "projectcalico.org/serviceaccount == 'default'" } }, { action: 'Allow' }] }),
    ],
    probes: [TCP80],
    expect: [['*/c', '*/a', false]],
  },
  {
    name: 'serviceAccounts on the subject side narrow the rule to pods of that account',
    policies: [gnp('self', { selector: 'all()', ingress: [{ action: 'Deny', source: fromNs('y'), destination: { serviceAccounts: { names: ['sa-a'] } } }, { action: 'Allow' }] })],
    probes: [TCP80],
    expect: [['y/*', '*/a', false]],
  },
  {
    name: 'services as destination: its backends on its target ports (named port resolved)',
    policies: [cnp('to-web', 'x', { selector: "pod == 'b'", types: ['Egress'], egress: [{ action: 'Allow', destination: { services: { name: 'web' } } }] })],
    probes: [TCP80, TCP81, { protocol: 'UDP', port: 80 }],
    expect: [
      ['x/b', '*', false],
      ['x/b', 'x/a', true, TCP80],
    ],
  },
  {
    name: 'services as source: from the service backends',
    policies: [gnp('from-web', { selector: "pod == 'c'", ingress: [{ action: 'Allow', source: { services: { name: 'web', namespace: 'x' } } }] })],
    probes: [TCP80],
    expect: [
      ['*', '*/c', false],
      ['x/a', '*/c', true],
    ],
  },
  {
    name: 'ICMP and ipVersion 6 rules match no TCP port of a single-stack IPv4 cluster; ipVersion 4 does',
    policies: [
      gnp('icmp', { order: 1, selector: xa, ingress: [{ action: 'Deny', protocol: 'ICMP', icmp: { type: 8 } }, { action: 'Deny', protocol: 'ICMP', notICMP: { type: 0 } }, { action: 'Deny', ipVersion: 6 }, { action: 'Pass' }] }),
      gnp('v4', { order: 2, selector: "pod == 'b'", ingress: [{ action: 'Deny', ipVersion: 4, source: fromNs('z') }, { action: 'Pass' }] }),
    ],
    probes: [TCP80],
    expect: [['z/*', '*/b', false]],
  },
  {
    name: "namespaceSelector global() picks global network sets and host endpoints, never a namespace's pods",
    policies: [gnp('g', { selector: xa, ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()' } }] })],
    probes: [TCP80],
    expect: [['*', '*/a', false]],
  },
];

describe('Calico matching truth table (service accounts, services, ICMP, ipVersion)', () => {
  const cluster = saCluster();
  for (const c of MATCH_CASES)
    it(c.name, () => {
      const { got, want } = grids(cluster, ALL_PODS, c);
      expect(got).toBe(want);
    });

  it('service accounts that cannot be known make the verdict unknown, never guessed', () => {
    const policies = [gnp('sa', { selector: xa, ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: "team == 'web'" } } }] })];
    expect(createPolicyEngine({ ...saCluster(), policies }).evaluate('pod:x/b', 'pod:x/a', 'TCP', 80)).toMatchObject({ verdict: 'unknown' });
    const old = { ...xyz(), policies: [gnp('sa', { selector: xa, ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['sa-b'] } } }] })] };
    const d = createPolicyEngine(old).evaluate('pod:x/b', 'pod:x/a', 'TCP', 80);
    expect(d.verdict).toBe('unknown');
    expect(d.summary).toContain('the service account of some pods is not known');
  });

  it('only the pods whose account is not known are unknown; the others stay sure', () => {
    const c = saCluster();
    const mixed = { ...c, pods: c.pods.map((p) => (p.namespace === 'y' && p.name === 'b' ? { ...p, serviceAccount: undefined } : p)) };
    const e = createPolicyEngine({ ...mixed, policies: [gnp('sa', { selector: xa, ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['sa-b'] } } }] })] });
    expect(e.evaluate('pod:x/b', 'pod:x/a', 'TCP', 80).verdict).toBe('allowed');
    expect(e.evaluate('pod:y/b', 'pod:x/a', 'TCP', 80).verdict).toBe('unknown');
    expect(e.evaluate('pod:x/c', 'pod:x/a', 'TCP', 80).verdict).toBe('denied');
  });

  it('services toward the API server: the kubernetes service matches kube-apiserver on its target port', () => {
    const e = createPolicyEngine({ ...saCluster(), policies: [gnp('api', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { services: { name: 'kubernetes', namespace: 'default' } } }] })] });
    expect(e.evaluate('pod:x/a', 'kube-apiserver', 'TCP', 6443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'kube-apiserver', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'ip:192.168.0.10', 'TCP', 6443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'world', 'TCP', 6443).verdict).toBe('denied');
  });

  it('a service that is not there, or ICMP fields without the ICMP protocol, are warned about and match nothing', () => {
    const e = createPolicyEngine({
      ...saCluster(),
      policies: [gnp('bad', { selector: xa, egress: [{ action: 'Allow', destination: { services: { name: 'nope', namespace: 'x' } } }, { action: 'Allow', protocol: 'TCP', icmp: { type: 8 } }, { action: 'Allow', ipVersion: 5 }] })],
    });
    expect(e.warnings.map((w) => w.message)).toEqual([
      'spec.egress[0].destination.services: service x/nope not found (rule matches nothing)',
      'spec.egress[1]: icmp needs protocol ICMP or ICMPv6 (Calico refuses the rule; it matches nothing)',
      "spec.egress[2].ipVersion: '5' is not 4 or 6 (ignored)",
    ]);
  });

  it('ipVersion filters external addresses by family; an address-less world may be either', () => {
    const e = createPolicyEngine({ ...saCluster(), policies: [gnp('v4', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', ipVersion: 4, destination: { nets: ['0.0.0.0/0', '::/0'] } }] })] });
    expect(e.evaluate('pod:x/a', 'ip:203.0.113.1', 'TCP', 443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'ip:2001:db8::1', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'world', 'TCP', 443).verdict).toBe('unknown');
  });

  it('HTTP matches on an Allow: allowed with L7 rules; on a Deny: unknown', () => {
    const allow = createPolicyEngine({ ...saCluster(), policies: [gnp('h', { selector: xa, ingress: [{ action: 'Allow', http: { methods: ['GET'], paths: [{ prefix: '/api' }] } }] })] });
    expect(allow.evaluate('pod:y/b', 'pod:x/a', 'TCP', 80)).toMatchObject({ verdict: 'allowed', l7: true });
    expect(allow.evaluate('pod:y/b', 'pod:x/a', 'TCP', 80).summary).toContain('allowed with L7 rules (HTTP GET /api) by tier default, policy h, ingress rule 1: Allow');
    const deny = createPolicyEngine({ ...saCluster(), policies: [gnp('h', { selector: xa, ingress: [{ action: 'Deny', http: { methods: ['POST'] } }, { action: 'Allow' }] })] });
    expect(deny.evaluate('pod:y/b', 'pod:x/a', 'TCP', 80).verdict).toBe('unknown');
  });
});

describe('network sets and host endpoints as peers', () => {
  const gns = pol('CalicoGlobalNetworkSet', 'partners', { nets: ['203.0.113.0/24'] });
  gns.manifest.metadata = { name: 'partners', labels: { role: 'partner' } };
  const ns = pol('CalicoNetworkSet', 'db-net', { nets: ['10.50.0.0/16'] }, 'x');
  ns.manifest.metadata = { name: 'db-net', namespace: 'x', labels: { role: 'db' } };
  const hep = pol('CalicoHostEndpoint', 'n1-eth0', { node: 'n1', interfaceName: 'eth0', expectedIPs: ['192.168.0.1'] });
  hep.manifest.metadata = { name: 'n1-eth0', labels: { host: 'n1' } };
  const engine = (extra: PolicyObject[]) => createPolicyEngine({ ...saCluster(), policies: [gns, ns, hep, ...extra] });

  it('a global policy selects a GlobalNetworkSet by its labels', () => {
    const e = engine([gnp('to-partners', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "role == 'partner'" } }] })]);
    expect(e.evaluate('pod:x/a', 'ip:203.0.113.9', 'TCP', 443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'ip:198.51.100.1', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'world', 'TCP', 443).verdict).toBe('unknown');
    expect(e.evaluate('pod:x/a', 'pod:y/b', 'TCP', 80).verdict).toBe('denied');
    // The matrix cuts the address space at the set's CIDR.
    const m = e.workloadMatrix({ level: 'pod' });
    expect(m.connections.find((c) => c.src === 'pod:x/a' && c.dst === 'ip:203.0.113.0/24')?.allowed.TCP).toBe('1-65535');
  });

  it("a namespaced policy selects its namespace's NetworkSets, global ones only with namespaceSelector global()", () => {
    const own = engine([cnp('to-db', 'x', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "role in {'db', 'partner'}" } }] })]);
    expect(own.evaluate('pod:x/a', 'ip:10.50.1.1', 'TCP', 5432).verdict).toBe('allowed');
    expect(own.evaluate('pod:x/a', 'ip:203.0.113.9', 'TCP', 443).verdict).toBe('denied');
    const other = engine([cnp('to-db', 'y', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "role == 'db'" } }] })]);
    expect(other.evaluate('pod:y/a', 'ip:10.50.1.1', 'TCP', 5432).verdict).toBe('denied');
    const glob = engine([cnp('to-partners', 'y', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { namespaceSelector: 'global()', selector: "role == 'partner'" } }] })]);
    expect(glob.evaluate('pod:y/a', 'ip:203.0.113.9', 'TCP', 443).verdict).toBe('allowed');
    // Any other namespaceSelector picks namespaced things only.
    const all = engine([gnp('to-partners', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { namespaceSelector: 'all()', selector: "role == 'partner'" } }] })]);
    expect(all.evaluate('pod:y/a', 'ip:203.0.113.9', 'TCP', 443).verdict).toBe('denied');
  });

  it('notSelector leaves out the addresses of the network sets it names', () => {
    const e = engine([gnp('not-partners', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { notSelector: "role == 'partner'" } }] })]);
    expect(e.evaluate('pod:x/a', 'ip:203.0.113.9', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'ip:198.51.100.1', 'TCP', 443).verdict).toBe('allowed');
  });

  it('host endpoints: selected by labels, they stand for their node', () => {
    const e = engine([gnp('to-n1', { selector: xa, types: ['Egress'], egress: [{ action: 'Allow', destination: { selector: "host == 'n1'" } }] })]);
    expect(e.evaluate('pod:x/a', 'node:n1', 'TCP', 10250).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'node:n2', 'TCP', 10250).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'ip:192.168.0.1', 'TCP', 10250).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'remote-node', 'TCP', 10250).verdict).toBe('unknown');
  });

  it('are not policies: they select no pod and are never "not enforced"', () => {
    const e = createPolicyEngine({ ...saCluster(), policies: [gns, hep] }, { enforcedKinds: ['NetworkPolicy'], roadBuilder: 'X' });
    expect(e.policiesSelecting('pod:x/a')).toEqual([]);
    expect(e.evaluate('pod:x/a', 'pod:y/a', 'TCP', 80)).toMatchObject({ verdict: 'allowed' });
    expect(e.warnings).toEqual([]);
  });
});
