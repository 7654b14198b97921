/** AdminNetworkPolicy / BaselineAdminNetworkPolicy / ClusterNetworkPolicy precedence, as data. */
import { describe, expect, it } from 'vitest';
import { ALL_PODS, np, pol, xyz } from './cluster.js';
import { grids, type TruthCase } from './truth.js';

const nsSel = (n: string) => ({ matchLabels: { ns: n } });
const subjectNs = (n: string) => ({ namespaces: nsSel(n) });
const anp = (name: string, priority: number, spec: Record<string, unknown>) => pol('AdminNetworkPolicy', name, { priority, ...spec });
const banp = (spec: Record<string, unknown>) => pol('BaselineAdminNetworkPolicy', 'default', spec);
const cnp = (name: string, tier: 'Admin' | 'Baseline', priority: number, spec: Record<string, unknown>) =>
  pol('ClusterNetworkPolicy', name, { tier, priority, ...spec });
const TCP80 = { protocol: 'TCP' as const, port: 80 };
const TCP81 = { protocol: 'TCP' as const, port: 81 };
const UDP80 = { protocol: 'UDP' as const, port: 80 };

const CASES: TruthCase[] = [
  {
    name: 'ANP Deny beats a NetworkPolicy allow',
    policies: [
      anp('deny-y', 10, { subject: subjectNs('x'), ingress: [{ name: 'deny-from-y', action: 'Deny', from: [{ namespaces: nsSel('y') }] }] }),
      np('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
    ],
    probes: [TCP80],
    expect: [['y/*', 'x/*', false]],
  },
  {
    name: 'ANP Allow beats a NetworkPolicy default deny',
    policies: [
      anp('allow-y', 10, { subject: subjectNs('x'), ingress: [{ name: 'allow-y', action: 'Allow', from: [{ namespaces: nsSel('y') }] }] }),
      np('deny', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['y/*', 'x/*', true],
    ],
  },
  {
    name: 'lower priority number wins between ANPs',
    policies: [
      anp('allow-first', 5, { subject: subjectNs('x'), ingress: [{ action: 'Allow', from: [{ namespaces: nsSel('y') }] }] }),
      anp('deny-later', 50, { subject: subjectNs('x'), ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['y/*', 'x/*', true],
    ],
  },
  {
    name: 'rule order inside one ANP: first match wins',
    policies: [
      anp('ordered', 10, {
        subject: subjectNs('x'),
        ingress: [
          { name: 'deny-b', action: 'Deny', from: [{ pods: { namespaceSelector: {}, podSelector: { matchLabels: { pod: 'b' } } } }] },
          { name: 'allow-all', action: 'Allow', from: [{ namespaces: {} }] },
          { name: 'never', action: 'Deny', from: [{ namespaces: {} }] },
        ],
      }),
    ],
    probes: [TCP80],
    expect: [['*/b', 'x/*', true], ['y/b', 'x/*', false], ['z/b', 'x/*', false], ['x/b', 'x/*', false]],
  },
  {
    name: 'Pass hands over to NetworkPolicy, which then decides',
    policies: [
      anp('pass-y', 10, { subject: subjectNs('x'), ingress: [{ action: 'Pass', from: [{ namespaces: nsSel('y') }] }] }),
      anp('deny-rest', 20, { subject: subjectNs('x'), ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
      np('allow-y-b', 'x', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: nsSel('y'), podSelector: { matchLabels: { pod: 'b' } } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['y/b', 'x/*', true],
    ],
  },
  {
    name: 'BANP applies only where no NetworkPolicy selects the pod',
    policies: [
      banp({ subject: { namespaces: {} }, ingress: [{ name: 'deny-all', action: 'Deny', from: [{ namespaces: {} }] }] }),
      np('allow-all-x-a', 'x', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{}] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', '*', false],
      ['*', 'x/a', true],
    ],
  },
  {
    name: 'BANP Allow does not beat a NetworkPolicy default deny',
    policies: [
      banp({ subject: subjectNs('x'), ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }),
      np('deny', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
    ],
    probes: [TCP80],
    expect: [['*', 'x/*', false]],
  },
  {
    name: 'ANP Pass with no NetworkPolicy falls to BANP',
    policies: [
      anp('pass', 1, { subject: subjectNs('x'), ingress: [{ action: 'Pass', from: [{ namespaces: {} }] }] }),
      banp({ subject: subjectNs('x'), ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('z') }] }] }),
    ],
    probes: [TCP80],
    expect: [['z/*', 'x/*', false]],
  },
  {
    name: 'ANP egress Deny with ports (portNumber, portRange) and named ports',
    policies: [
      anp('egress-ports', 10, {
        subject: { pods: { namespaceSelector: nsSel('x'), podSelector: { matchLabels: { pod: 'a' } } } },
        egress: [
          { name: 'deny-80', action: 'Deny', to: [{ namespaces: {} }], ports: [{ portNumber: { protocol: 'TCP', port: 80 } }] },
          { name: 'deny-udp-range', action: 'Deny', to: [{ namespaces: {} }], ports: [{ portRange: { protocol: 'UDP', start: 79, end: 81 } }] },
          { name: 'deny-named', action: 'Deny', to: [{ namespaces: nsSel('y') }], ports: [{ namedPort: 'serve-81-tcp' }] },
        ],
      }),
    ],
    probes: [TCP80, TCP81, UDP80],
    expect: [
      ['x/a', '*', false, TCP80],
      ['x/a', '*', false, UDP80],
      ['x/a', 'y/*', false, TCP81],
    ],
  },
  {
    name: 'ANP egress Allow skips the NetworkPolicy egress deny but the destination ingress still applies',
    policies: [
      anp('allow-egress', 10, { subject: subjectNs('x'), egress: [{ action: 'Allow', to: [{ namespaces: nsSel('y') }] }] }),
      np('deny-egress', 'x', { podSelector: {}, policyTypes: ['Egress'] }),
      np('deny-y-a', 'y', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress'] }),
    ],
    probes: [TCP80],
    expect: [
      ['x/*', '*', false],
      ['x/*', 'y/*', true],
      ['*', 'y/a', false],
    ],
  },
  {
    name: 'ClusterNetworkPolicy v1alpha2: Admin Accept/Deny, Baseline tier after NetworkPolicy',
    policies: [
      cnp('admin-accept', 'Admin', 10, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Accept', from: [{ namespaces: nsSel('y') }], protocols: [{ tcp: { destinationPort: { number: 80 } } }] }] }),
      cnp('admin-deny', 'Admin', 20, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }], protocols: [{ tcp: { destinationPort: { range: { start: 80, end: 81 } } } }] }] }),
      cnp('baseline-deny', 'Baseline', 10, { subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: nsSel('z') }] }] }),
      np('allow-z-to-y-a', 'y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{}] }),
    ],
    probes: [TCP80, TCP81, UDP80],
    expect: [
      ['*', 'x/*', false, { protocol: 'TCP' }],
      ['y/*', 'x/*', true, TCP80],
      ['z/*', '*', false],
      ['z/*', 'y/a', true],
      ['z/*', 'x/*', false],
    ],
  },
  {
    name: 'ClusterNetworkPolicy Pass and destinationNamedPort',
    policies: [
      cnp('pass-named', 'Admin', 1, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Pass', from: [{ namespaces: {} }], protocols: [{ destinationNamedPort: 'serve-80-udp' }] }] }),
      cnp('deny-rest', 'Admin', 2, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    ],
    probes: [TCP80, UDP80],
    expect: [
      ['*', 'x/*', false],
      ['*', 'x/*', true, UDP80],
    ],
  },
  {
    name: 'a Deny rule with a peer of unknown kind fails closed (denies all); an Accept one matches nothing',
    policies: [
      cnp('future-deny', 'Admin', 5, { subject: { namespaces: nsSel('x') }, ingress: [{ action: 'Deny', from: [{ serviceAccounts: { name: 'x' } }] }] }),
      cnp('future-accept', 'Admin', 1, { subject: { namespaces: nsSel('y') }, ingress: [{ action: 'Accept', from: [{ serviceAccounts: { name: 'x' } }] }] }),
      np('deny-y', 'y', { podSelector: {}, policyTypes: ['Ingress'] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/*', false],
      ['*', 'y/*', false],
    ],
  },
];

describe('admin network policy precedence', () => {
  const cluster = xyz();
  for (const c of CASES)
    it(c.name, () => {
      const { got, want } = grids(cluster, ALL_PODS, c);
      expect(got).toBe(want);
    });
});
