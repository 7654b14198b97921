/**
 * NetworkPolicy truth table, following the scenarios of the upstream Kubernetes network-policy e2e
 * tests (test/e2e/network/netpol): namespaces x, y, z; pods a, b, c; ports 80/81 over TCP, UDP, SCTP.
 */
import { describe, expect, it } from 'vitest';
import { ALL_PODS, np, xyz } from './cluster.js';
import { grids, type Probe, type TruthCase } from './truth.js';

const TCP80: Probe = { protocol: 'TCP', port: 80 };
const TCP81: Probe = { protocol: 'TCP', port: 81 };
const UDP80: Probe = { protocol: 'UDP', port: 80 };
const UDP81: Probe = { protocol: 'UDP', port: 81 };
const SCTP80: Probe = { protocol: 'SCTP', port: 80 };
const ALL_PROBES = [TCP80, TCP81, UDP80, SCTP80];

const podA = { matchLabels: { pod: 'a' } };
const ns = (n: string) => ({ matchLabels: { ns: n } });
const pod = (p: string) => ({ matchLabels: { pod: p } });

const CASES: TruthCase[] = [
  {
    name: "default-deny-ingress: nothing reaches x's pods, over every protocol",
    policies: [np('deny-ingress', 'x', { podSelector: {}, policyTypes: ['Ingress'] })],
    probes: ALL_PROBES,
    expect: [['*', 'x/*', false]],
  },
  {
    name: 'default-deny-all: x neither receives nor sends',
    policies: [np('deny-all', 'x', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    probes: [TCP80, UDP81],
    expect: [
      ['*', 'x/*', false],
      ['x/*', '*', false],
    ],
  },
  {
    name: 'default-deny-egress: x sends nothing',
    policies: [np('deny-egress', 'x', { podSelector: {}, policyTypes: ['Egress'] })],
    probes: [TCP80, SCTP80],
    expect: [['x/*', '*', false]],
  },
  {
    name: 'allow from pods of the server namespace by podSelector',
    policies: [np('allow-b', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: pod('b') }] }] })],
    probes: [TCP80, UDP81],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
    ],
  },
  {
    name: 'allow ingress from all namespaces (namespaceSelector {})',
    policies: [np('allow-all-ns', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'podSelector {} alone means the policy namespace',
    policies: [np('same-ns', 'x', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['x/*', 'x/*', true],
    ],
  },
  {
    name: 'allow only from a different namespace (NamespaceSelector matchLabels)',
    policies: [np('from-y', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: ns('y') }] }] })],
    probes: [TCP80, SCTP80],
    expect: [
      ['*', 'x/a', false],
      ['y/*', 'x/a', true],
    ],
  },
  {
    name: 'namespace by the automatic kubernetes.io/metadata.name label',
    policies: [np('from-z', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'z' } } }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['z/*', 'x/a', true],
    ],
  },
  {
    name: 'PodSelector with matchExpressions In',
    policies: [np('expr', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
    ],
  },
  {
    name: 'NamespaceSelector with matchExpressions NotIn',
    policies: [np('expr-ns', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x', 'z'] }] } }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['y/*', 'x/a', true],
    ],
  },
  {
    name: 'PodSelector OR NamespaceSelector (separate peers)',
    policies: [
      np('or', 'x', {
        podSelector: podA,
        ingress: [{ from: [{ namespaceSelector: ns('y') }, { podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['a'] }] } }] }],
      }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['y/*', 'x/a', true],
      ['x/b', 'x/a', true],
      ['x/c', 'x/a', true],
    ],
  },
  {
    name: 'PodSelector AND NamespaceSelector (one peer)',
    policies: [np('and', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: ns('y'), podSelector: pod('b') }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['y/b', 'x/a', true],
    ],
  },
  {
    name: 'multiple PodSelectors and NamespaceSelectors',
    policies: [
      np('multi', 'x', {
        podSelector: podA,
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'NotIn', values: ['x'] }] },
                podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
              },
            ],
          },
        ],
      }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['y/b', 'x/a', true],
      ['y/c', 'x/a', true],
      ['z/b', 'x/a', true],
      ['z/c', 'x/a', true],
    ],
  },
  {
    name: 'any PodSelector by Exists, DoesNotExist matches nothing',
    policies: [
      np('exists', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'Exists' }] } }] }] }),
      np('not-exists', 'x', { podSelector: pod('b'), ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'DoesNotExist' }] } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/*', 'x/a', true],
      ['*', 'x/b', false],
    ],
  },
  {
    name: 'ports by number: only TCP 81 from y',
    policies: [np('port-81', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: ns('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] })],
    probes: [TCP80, TCP81, UDP81],
    expect: [
      ['*', 'x/a', false],
      ['y/*', 'x/a', true, TCP81],
    ],
  },
  {
    name: 'protocol defaults to TCP',
    policies: [np('port-80', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 80 }] }] })],
    probes: [TCP80, UDP80, SCTP80],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/a', true, TCP80],
    ],
  },
  {
    name: 'stacked policies with overlapping podSelectors are a union',
    policies: [
      np('p80', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: ns('y') }], ports: [{ port: 80 }] }] }),
      np('p81', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: ns('z') }], ports: [{ port: 81 }] }] }),
    ],
    probes: [TCP80, TCP81],
    expect: [
      ['*', 'x/a', false],
      ['y/*', 'x/a', true, TCP80],
      ['z/*', 'x/a', true, TCP81],
    ],
  },
  {
    name: 'allow-all ingress (an empty rule) beats a deny-all in the same namespace',
    policies: [np('deny', 'x', { podSelector: {}, policyTypes: ['Ingress'] }), np('allow-all', 'x', { podSelector: {}, ingress: [{}] })],
    probes: [TCP80, UDP81],
    expect: [],
  },
  {
    name: 'allow-all egress beats deny-all egress',
    policies: [
      np('deny', 'x', { podSelector: {}, policyTypes: ['Egress'] }),
      np('allow-all', 'x', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }),
    ],
    probes: [TCP80],
    expect: [],
  },
  {
    name: 'named port on ingress (serve-81-tcp)',
    policies: [np('named', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] })],
    probes: [TCP80, TCP81, UDP81],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/a', true, TCP81],
    ],
  },
  {
    name: 'named port is protocol-aware: serve-80-tcp asked over UDP matches nothing',
    policies: [np('named-udp', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'UDP' }] }] })],
    probes: [TCP80, UDP80],
    expect: [['*', 'x/a', false]],
  },
  {
    name: 'named port on egress resolves against the destination (serve-80-udp)',
    policies: [np('egress-named', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-udp', protocol: 'UDP' }] }] })],
    probes: [TCP80, UDP80, UDP81],
    expect: [
      ['x/a', '*', false],
      ['x/a', '*', true, UDP80],
    ],
  },
  {
    name: 'endPort ranges (80-81)',
    policies: [np('range', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 80, endPort: 81, protocol: 'SCTP' }] }] })],
    probes: [SCTP80, { protocol: 'SCTP', port: 81 }, TCP80],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/a', true, { protocol: 'SCTP' }],
    ],
  },
  {
    name: 'protocol-only port entry: any UDP port',
    policies: [np('udp-any', 'x', { podSelector: podA, ingress: [{ ports: [{ protocol: 'UDP' }] }] })],
    probes: [TCP80, UDP80, UDP81],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/a', true, { protocol: 'UDP' }],
    ],
  },
  {
    name: 'deny egress from one pod by PodSelector',
    policies: [np('deny-a', 'x', { podSelector: podA, policyTypes: ['Egress'] })],
    probes: [TCP80],
    expect: [['x/a', '*', false]],
  },
  {
    name: 'policyTypes inferred: egress rules only still isolate ingress',
    policies: [np('egress-only', 'x', { podSelector: podA, egress: [{ to: [{ namespaceSelector: ns('y') }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/a', '*', false],
      ['x/a', 'y/*', true],
    ],
  },
  {
    name: 'an empty policyTypes list is inferred like a missing one',
    policies: [np('empty-types', 'x', { podSelector: podA, policyTypes: [], ingress: [{ from: [{ podSelector: pod('b') }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
    ],
  },
  {
    name: 'policyTypes [Egress] with ingress rules ignores the ingress rules',
    policies: [np('egress-type', 'x', { podSelector: podA, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: pod('b') }] }] })],
    probes: [TCP80],
    expect: [['x/a', '*', false]],
  },
  {
    name: 'client-side egress deny even when the server allows',
    policies: [
      np('egress-to-y', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: ns('y') }] }] }),
      np('allow-from-x', 'z', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: ns('x') }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['x/a', '*', false],
      ['x/a', 'y/*', true],
      ['*', 'z/*', false],
      ['x/*', 'z/*', true],
      ['x/a', 'z/*', false],
    ],
  },
  {
    name: 'egress to a server in another namespace by PodSelector and NamespaceSelector',
    policies: [np('to-y-b', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: ns('y'), podSelector: pod('b') }], ports: [{ port: 80 }] }] })],
    probes: [TCP80, TCP81],
    expect: [
      ['x/a', '*', false],
      ['x/a', 'y/b', true, TCP80],
    ],
  },
  {
    name: 'Ingress and Egress together',
    policies: [
      np('both', 'x', {
        podSelector: podA,
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: pod('b') }] }],
        egress: [{ to: [{ podSelector: pod('c') }] }],
      }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
      ['x/a', '*', false],
      ['x/a', 'x/c', true],
    ],
  },
  {
    name: 'a policy in x does not touch y and z',
    policies: [np('deny-x-b', 'x', { podSelector: pod('b'), policyTypes: ['Ingress', 'Egress'] })],
    probes: [UDP80],
    expect: [
      ['*', 'x/b', false],
      ['x/b', '*', false],
    ],
  },
  {
    name: 'deny ingress from other namespaces (ns isolation)',
    policies: [np('ns-iso', 'y', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] })],
    probes: [TCP80, SCTP80],
    expect: [
      ['*', 'y/*', false],
      ['y/*', 'y/*', true],
    ],
  },
  {
    name: 'ipBlock-only policy: pods are not matched by ipBlock (CNI-specific), so pod traffic is denied',
    policies: [np('cidr', 'x', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] })],
    probes: [TCP80],
    expect: [['*', 'x/a', false]],
  },
];

describe('NetworkPolicy truth table (upstream e2e scenarios)', () => {
  const cluster = xyz();
  for (const c of CASES)
    it(c.name, () => {
      const { got, want } = grids(cluster, ALL_PODS, c);
      expect(got).toBe(want);
    });
});
