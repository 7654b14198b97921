/** Property tests: NetworkPolicy monotonicity and isolation, port-set algebra, matrix = evaluate. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PolicyObject, Protocol } from '../../../main/model/types.js';
import { createPolicyEngine } from '../../../main/policy/index.js';
import { fromPortLists } from '../../../main/policy/ports.js';
import { hasPort, intersect, parseIntervals, subtract, union, formatIntervals, type PortSet } from '../../../main/policy/ports.js';
import { np, xyz } from './cluster.js';

const sel = fc.oneof(
  fc.constant({}),
  fc.constantFrom('a', 'b', 'c').map((p) => ({ matchLabels: { pod: p } })),
  fc.constantFrom('a', 'b', 'c').map((p) => ({ matchExpressions: [{ key: 'pod', operator: 'NotIn', values: [p] }] })),
);
const nsSel = fc.oneof(fc.constant({}), fc.constantFrom('x', 'y', 'z').map((n) => ({ matchLabels: { ns: n } })));
const peer = fc.oneof(
  sel.map((s) => ({ podSelector: s })),
  nsSel.map((n) => ({ namespaceSelector: n })),
  fc.tuple(sel, nsSel).map(([s, n]) => ({ podSelector: s, namespaceSelector: n })),
);
const port = fc.oneof(
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP', 'SCTP'), port: fc.constantFrom(80, 81) }),
  fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom('serve-80-tcp', 'serve-81-udp') }),
  fc.record({ protocol: fc.constantFrom('TCP', 'SCTP') }),
  fc.constant({ port: 80, endPort: 81 }),
);
const rule = fc.record({ peers: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }), ports: fc.option(fc.array(port, { minLength: 1, maxLength: 2 }), { nil: undefined }) });
const policy = fc.record({
  ns: fc.constantFrom('x', 'y', 'z'),
  subject: sel,
  types: fc.constantFrom(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.array(rule, { maxLength: 2 }),
  egress: fc.array(rule, { maxLength: 2 }),
});

type P = { ns: string; subject: object; types: string[]; ingress: { peers?: object[]; ports?: object[] }[]; egress: { peers?: object[]; ports?: object[] }[] };
function toNp(p0: unknown, i: number): PolicyObject {
  const p = p0 as P;
  const r = (dir: 'from' | 'to') => (x: { peers?: object[]; ports?: object[] }) => ({ ...(x.peers ? { [dir]: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) });
  return np(`p${i}`, p.ns, { podSelector: p.subject, policyTypes: p.types, ingress: p.ingress.map(r('from')), egress: p.egress.map(r('to')) });
}

function matrixMap(policies: PolicyObject[]): Map<string, PortSet> {
  const m = createPolicyEngine({ ...xyz(), policies }).workloadMatrix({ includeIpRanges: false, level: 'pod' });
  return new Map(m.connections.map((c) => [`${c.src}>${c.dst}`, fromPortLists(c.allowed)]));
}

const PROBES: [Protocol, number][] = [
  ['TCP', 80],
  ['TCP', 81],
  ['UDP', 80],
  ['SCTP', 81],
  ['TCP', 443],
];

describe('NetworkPolicy properties', () => {
  it('adding an allow rule to a policy never removes a connection', () => {
    fc.assert(
      fc.property(fc.array(policy, { minLength: 1, maxLength: 4 }), fc.nat(), rule, fc.boolean(), (ps, pick, extra, ingress) => {
        const before = ps.map(toNp);
        const target = ps[pick % ps.length];
        const dir = ingress ? 'ingress' : 'egress';
        const widened = { ...target, [dir]: [...target[dir], extra] };
        const after = ps.map((p, i) => (p === target ? toNp(widened, i) : toNp(p, i)));
        const b = matrixMap(before);
        const a = matrixMap(after);
        for (const [k, v] of b) {
          const w = a.get(k);
          expect(w, k).toBeDefined();
          for (const [proto, port] of PROBES) if (hasPort(v, proto, port)) expect(hasPort(w!, proto, port), `${k} ${proto}/${port}`).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('an empty ingress policy isolates the pods it selects and never adds a connection', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 3 }), sel, fc.constantFrom('x', 'y', 'z'), (ps, subject, ns) => {
        const before = ps.map((p, i) => toNp(p, i));
        const iso = np('isolate', ns, { podSelector: subject, policyTypes: ['Ingress'] });
        const e = createPolicyEngine({ ...xyz(), policies: [...before, iso] });
        const selected = e.policySubjects('NetworkPolicy/' + ns + '/isolate');
        expect(selected.length).toBeGreaterThan(0);
        for (const pod of selected) expect(e.fences(pod).ingress).toMatchObject({ isolated: true });
        const b = matrixMap(before);
        const a = matrixMap([...before, iso]);
        for (const [k, w] of a) {
          const v = b.get(k);
          for (const [proto, port] of PROBES) if (hasPort(w, proto, port)) expect(v && hasPort(v, proto, port), k).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the matrix agrees with single evaluations', () => {
    fc.assert(
      fc.property(fc.array(policy, { maxLength: 4 }), (ps) => {
        const policies = ps.map((p, i) => toNp(p, i));
        const e = createPolicyEngine({ ...xyz(), policies });
        const m = matrixMap(policies);
        const pods = xyz().pods.map((p) => `pod:${p.namespace}/${p.name}`);
        for (const s of pods)
          for (const d of pods) {
            if (s === d) continue;
            for (const [proto, port] of PROBES) {
              const inMatrix = hasPort(m.get(`${s}>${d}`) ?? { TCP: [], UDP: [], SCTP: [] }, proto, port);
              expect(e.evaluate(s, d, proto, port).verdict === 'allowed', `${s}>${d} ${proto}/${port}`).toBe(inMatrix);
            }
          }
      }),
      { numRuns: 25 },
    );
  });
});

describe('port sets', () => {
  const ivs = fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 20 })), { maxLength: 5 }).map((l) => l.map(([a, w]) => `${a}-${a + w}`).join(','));
  const set = (t: string): PortSet => ({ TCP: parseIntervals(t), UDP: [], SCTP: [] });
  const members = (p: PortSet) => {
    const out = new Set<number>();
    for (let i = 1; i <= 230; i++) if (hasPort(p, 'TCP', i)) out.add(i);
    return out;
  };
  it('union, intersection and difference agree with sets of numbers', () => {
    fc.assert(
      fc.property(ivs, ivs, (x, y) => {
        const a = set(x);
        const b = set(y);
        const ma = members(a);
        const mb = members(b);
        expect(members(union(a, b))).toEqual(new Set([...ma, ...mb]));
        expect(members(intersect(a, b))).toEqual(new Set([...ma].filter((i) => mb.has(i))));
        expect(members(subtract(a, b))).toEqual(new Set([...ma].filter((i) => !mb.has(i))));
        // Canonical form: formatting and parsing round-trips.
        expect(formatIntervals(parseIntervals(formatIntervals(union(a, b).TCP)))).toBe(formatIntervals(union(a, b).TCP));
      }),
    );
  });
});

describe('malformed policies', () => {
  const kinds = ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy', 'CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy', 'CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy'] as const;
  // Shapes close to real ones, with junk in every field.
  const junk = fc.oneof(fc.anything(), fc.constant({}), fc.constant([]), fc.constant(null), fc.string());
  const spec = fc.record(
    {
      podSelector: junk,
      endpointSelector: junk,
      selector: junk,
      subject: fc.oneof(junk, fc.record({ namespaces: junk, pods: junk })),
      priority: junk,
      order: junk,
      tier: junk,
      types: junk,
      policyTypes: junk,
      ingress: fc.oneof(junk, fc.array(fc.record({ from: junk, ports: junk, action: junk, toPorts: junk, fromEndpoints: junk, fromCIDRSet: junk, source: junk, destination: junk }, { requiredKeys: [] }))),
      egress: fc.oneof(junk, fc.array(fc.record({ to: junk, ports: junk, action: junk, toPorts: junk, toFQDNs: junk, toEntities: junk, protocols: junk, destination: junk }, { requiredKeys: [] }))),
      ingressDeny: junk,
    },
    { requiredKeys: [] },
  );
  it('never throw: they give warnings and the rest is evaluated', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), spec, (kind, s) => {
        const p = { kind, apiVersion: 'x/v1', name: 'junk', namespace: kind.includes('Global') || kind.includes('Clusterwide') || kind.includes('Admin') || kind === 'ClusterNetworkPolicy' ? undefined : 'x', manifest: { spec: s } } as PolicyObject;
        const e = createPolicyEngine({ ...xyz(), policies: [p] });
        // Handled field by field, not by the last-resort catch.
        expect(e.warnings.filter((w) => w.message.startsWith('could not be read'))).toEqual([]);
        expect(['allowed', 'denied', 'unknown']).toContain(e.evaluate('pod:x/a', 'pod:y/b', 'TCP', 80).verdict);
        expect(['allowed', 'denied', 'unknown']).toContain(e.evaluate('pod:y/b', 'pod:x/a', 'UDP', 53).verdict);
        e.workloadMatrix({ includeIpRanges: true });
      }),
      { numRuns: 300 },
    );
  });
});
