/** Cilium (deny, entities, namespace scoping, ports, default deny) and Calico truth cases, as data. */
import { describe, expect, it } from 'vitest';
import { ALL_PODS, np, pol, xyz } from './cluster.js';
import { grids, type TruthCase } from './truth.js';

const cnp = (name: string, ns: string, spec: Record<string, unknown>) => pol('CiliumNetworkPolicy', name, spec, ns);
const ccnp = (name: string, spec: Record<string, unknown>) => pol('CiliumClusterwideNetworkPolicy', name, spec);
const calico = (name: string, ns: string, spec: Record<string, unknown>) => pol('CalicoNetworkPolicy', name, spec, ns);
const gnp = (name: string, spec: Record<string, unknown>) => pol('CalicoGlobalNetworkPolicy', name, spec);
const TCP80 = { protocol: 'TCP' as const, port: 80 };
const TCP81 = { protocol: 'TCP' as const, port: 81 };
const UDP80 = { protocol: 'UDP' as const, port: 80 };
const SCTP81 = { protocol: 'SCTP' as const, port: 81 };
const podA = { matchLabels: { pod: 'a' } };

const CASES: TruthCase[] = [
  {
    name: 'Cilium: fromEndpoints of a namespaced policy stay in its namespace',
    policies: [cnp('from-b', 'x', { endpointSelector: podA, ingress: [{ fromEndpoints: [{ matchLabels: { pod: 'b' } }] }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
    ],
  },
  {
    name: 'Cilium: fromEndpoints naming another namespace (k8s: prefix, namespace label)',
    policies: [
      cnp('from-y-b', 'x', { endpointSelector: podA, ingress: [{ fromEndpoints: [{ matchLabels: { 'k8s:pod': 'b', 'k8s:io.kubernetes.pod.namespace': 'y' } }] }] }),
      cnp('from-ns-label', 'x', { endpointSelector: { matchLabels: { pod: 'b' } }, ingress: [{ fromEndpoints: [{ matchLabels: { 'io.cilium.k8s.namespace.labels.ns': 'z' } }] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['y/b', 'x/a', true],
      ['*', 'x/b', false],
      ['z/*', 'x/b', true],
    ],
  },
  {
    name: 'Cilium: empty fromEndpoints selector means the same namespace; a CCNP means everywhere',
    policies: [
      cnp('same-ns', 'x', { endpointSelector: podA, ingress: [{ fromEndpoints: [{}] }] }),
      ccnp('cluster', { endpointSelector: { matchLabels: { pod: 'c' } }, ingress: [{ fromEndpoints: [{}] }] }),
    ],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/*', 'x/a', true],
    ],
  },
  {
    name: 'Cilium: ingress [{}] is a default deny; entity cluster allows every pod',
    policies: [
      cnp('deny', 'x', { endpointSelector: {}, ingress: [{}] }),
      cnp('cluster', 'y', { endpointSelector: {}, ingress: [{ fromEntities: ['cluster'] }] }),
    ],
    probes: [TCP80],
    expect: [['*', 'x/*', false]],
  },
  {
    name: 'Cilium: ingressDeny beats a Cilium allow and a Kubernetes NetworkPolicy allow',
    policies: [
      cnp('allow-all', 'x', { endpointSelector: {}, ingress: [{ fromEntities: ['all'] }] }),
      np('np-allow', 'x', { podSelector: {}, ingress: [{}] }),
      cnp('deny-y', 'x', { endpointSelector: podA, ingressDeny: [{ fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'y' } }], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }] }] }] }),
    ],
    probes: [TCP80, TCP81],
    expect: [['y/*', 'x/a', false, TCP80]],
  },
  {
    name: 'Cilium: a deny-only policy switches on default deny for its direction',
    policies: [cnp('deny-only', 'x', { endpointSelector: podA, egressDeny: [{ toEndpoints: [{ matchLabels: { pod: 'b' } }] }] })],
    probes: [TCP80],
    expect: [['x/a', '*', false]],
  },
  {
    name: 'Cilium: enableDefaultDeny false keeps the rest open while denying',
    policies: [cnp('deny-open', 'x', { endpointSelector: podA, enableDefaultDeny: { egress: false }, egressDeny: [{ toEndpoints: [{ matchLabels: { pod: 'b' } }] }] })],
    probes: [TCP80],
    expect: [['x/a', 'x/b', false]],
  },
  {
    name: 'Cilium: toPorts with protocol ANY, endPort, and L4-only rules allow every peer',
    policies: [cnp('ports', 'x', { endpointSelector: podA, ingress: [{ toPorts: [{ ports: [{ port: '80', endPort: 81, protocol: 'ANY' }] }] }] })],
    probes: [TCP80, UDP80, SCTP81],
    expect: [],
  },
  {
    name: 'Cilium: named port in toPorts',
    policies: [cnp('named', 'x', { endpointSelector: podA, ingress: [{ toPorts: [{ ports: [{ port: 'serve-81-sctp', protocol: 'SCTP' }] }] }] })],
    probes: [TCP80, SCTP81],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/a', true, SCTP81],
    ],
  },
  {
    name: 'Calico: order decides; Deny before a Kubernetes allow (order 1000)',
    policies: [
      calico('deny-y', 'x', { order: 100, selector: "pod == 'a'", ingress: [{ action: 'Deny', source: { namespaceSelector: "ns == 'y'" } }] }),
      np('allow-all', 'x', { podSelector: {}, ingress: [{}] }),
    ],
    probes: [TCP80],
    expect: [['y/*', 'x/a', false]],
  },
  {
    name: 'Calico: Log continues, Pass leaves the tier (to the default allow), notSelector and ports',
    policies: [
      gnp('log-then-pass', {
        order: 10,
        selector: "pod in {'a', 'b'} && has(pod)",
        namespaceSelector: "ns == 'x'",
        ingress: [
          { action: 'Log' },
          { action: 'Pass', source: { selector: "pod == 'c'" } },
          { action: 'Allow', protocol: 'TCP', source: { notSelector: "pod == 'c'" }, destination: { ports: [80, '81:81'] } },
        ],
      }),
    ],
    probes: [TCP80, UDP80],
    expect: [
      ['*', 'x/a', false],
      ['*', 'x/b', false],
      ['*', 'x/a', true, TCP80],
      ['*', 'x/b', true, TCP80],
      ['*/c', 'x/a', true],
      ['*/c', 'x/b', true],
      ['y/c', 'x/a', true],
    ],
  },
  {
    name: 'Calico: egress-only types inferred from the rules, notPorts, notProtocol',
    policies: [
      calico('egress', 'x', {
        selector: "pod == 'a'",
        egress: [{ action: 'Allow', protocol: 'TCP', destination: { notPorts: [80] } }, { action: 'Allow', notProtocol: 'TCP', destination: { namespaceSelector: "ns == 'z'" } }],
      }),
    ],
    probes: [TCP80, TCP81, UDP80],
    expect: [
      ['x/a', '*', false, TCP80],
      ['x/a', '*', false, UDP80],
      ['x/a', 'z/*', true, UDP80],
    ],
  },
  {
    name: 'Calico: ingress and egress rules together isolate both ways',
    policies: [calico('both', 'x', { selector: "pod == 'a'", ingress: [{ action: 'Allow', source: { selector: "pod == 'b'" } }], egress: [{ action: 'Allow', destination: { selector: "pod == 'c'" } }] })],
    probes: [TCP80],
    expect: [
      ['*', 'x/a', false],
      ['x/b', 'x/a', true],
      ['x/a', '*', false],
      ['x/a', 'x/c', true],
    ],
  },
];

describe('Cilium and Calico truth table', () => {
  const cluster = xyz();
  for (const c of CASES)
    it(c.name, () => {
      const { got, want } = grids(cluster, ALL_PODS, c);
      expect(got).toBe(want);
    });
});
