/**
 * What the API leaves to the CNI: host-network pods (as their node or as ordinary pods) and
 * ipBlock against pod IPs (matched or ignored). Truth tables in both modes and per road builder,
 * the texts that say which choice decided a verdict, the upstream e2e case, and host-network pods
 * without a Node object.
 */
import { describe, expect, it } from 'vitest';
import type { PodInfo } from '../../../main/model/types.js';
import { cniSemantics, createPolicyEngine, whatIf, type CniSemantics } from '../../../main/policy/index.js';
import { fromPortLists, hasPort } from '../../../main/policy/ports.js';
import { ALL_PODS, np, xyz } from './cluster.js';
import { generateInventory } from '../../../main/model/scenario/generate.js';
import { expectStreamedEqualsCells } from './streamed.js';

// x/agent: a host-network pod on n1 (address 192.168.0.1) whose labels say pod=b.
const agent: PodInfo = {
  namespace: 'x',
  name: 'agent',
  labels: { pod: 'b' },
  ips: ['192.168.0.1'],
  node: 'n1',
  phase: 'Running',
  hostNetwork: true,
  ports: [],
};

function engine(policies: ReturnType<typeof np>[], semantics: CniSemantics, opts: { nodes?: boolean } = {}) {
  const input = xyz([agent]);
  return createPolicyEngine({ ...input, nodes: opts.nodes === false ? [] : input.nodes, policies }, { semantics });
}

/** The verdict at TCP 80 by evaluate(), checked against the pod-level matrix. */
function verdict(e: ReturnType<typeof engine>, src: string, dst: string): string {
  const d = e.evaluate(src, dst, 'TCP', 80);
  if (src.startsWith('pod:') && dst.startsWith('pod:')) {
    const cell = e.connectivity({ level: 'pod', includeIpRanges: false }).pair(src, dst);
    const m =
      cell && hasPort(fromPortLists(cell.allowed), 'TCP', 80)
        ? 'allowed'
        : cell?.unknown && hasPort(fromPortLists(cell.unknown), 'TCP', 80)
          ? 'unknown'
          : 'denied';
    expect(m, `matrix ${src} -> ${dst}`).toBe(d.verdict);
  }
  return d.verdict;
}

describe('defaults per road builder', () => {
  it.each([
    ['calico', undefined, 'as-node', 'match', 'Calico'],
    ['canal', undefined, 'as-node', 'match', 'Calico'],
    ['cilium', undefined, 'as-node', 'ignore', 'Cilium'],
    ['antrea', undefined, 'as-node', 'match', 'Antrea'],
    // A network with a separate policy engine: the engine decides.
    ['aws-vpc-cni', 'cilium', 'as-node', 'ignore', 'Cilium'],
    ['azure-cni', 'calico', 'as-node', 'match', 'Calico'],
  ] as const)('%s (policy engine %s): host network %s, ipBlock %s pod IPs, by %s', (rb, eng, host, ipb, by) => {
    const s = cniSemantics(rb, eng);
    expect({ host: s.hostNetwork, ipb: s.ipBlockPodIps, by: s.by, assumed: s.assumed }).toEqual({
      host,
      ipb,
      by: { hostNetwork: by, ipBlockPodIps: by },
      assumed: { hostNetwork: false, ipBlockPodIps: false },
    });
  });

  it.each(['unknown', 'weave', 'kube-router', 'ovn-kubernetes', undefined])("%s: today's choice (as-node, ignore), marked as assumed", (rb) => {
    const s = cniSemantics(rb);
    expect({ host: s.hostNetwork, ipb: s.ipBlockPodIps, assumed: s.assumed }).toEqual({
      host: 'as-node',
      ipb: 'ignore',
      assumed: { hostNetwork: true, ipBlockPodIps: true },
    });
    // The caveat names a road builder known by name but not documented.
    const who = rb && rb !== 'unknown' ? `${rb}: not documented` : 'CNI unknown';
    expect(s.by).toEqual({ hostNetwork: who, ipBlockPodIps: who });
  });

  it('overrides win over the road builder and say so', () => {
    const s = cniSemantics('cilium', undefined, { hostNetwork: 'as-pod', ipBlockPodIps: 'match' });
    expect(s).toMatchObject({
      hostNetwork: 'as-pod',
      ipBlockPodIps: 'match',
      by: { hostNetwork: '--host-network as-pod', ipBlockPodIps: '--ipblock-pod-ips match' },
    });
  });
});

describe('host-network pods: truth table', () => {
  // x: default deny ingress. y/a: ingress only from pod=b pods of namespace x.
  const policies = [
    np('deny-x', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
    np('from-xb', 'y', {
      podSelector: { matchLabels: { pod: 'a' } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'x' } }, podSelector: { matchLabels: { pod: 'b' } } }] }],
    }),
  ];
  it.each([
    // road builder, override, y/a -> x/agent, x/agent -> y/a (y/a runs on n2, the agent on n1)
    ['cilium', undefined, 'allowed', 'denied'],
    ['calico', undefined, 'allowed', 'denied'],
    ['unknown', undefined, 'allowed', 'denied'],
    ['cilium', 'as-pod', 'denied', 'allowed'],
    ['calico', 'as-pod', 'denied', 'allowed'],
    ['unknown', 'as-pod', 'denied', 'allowed'],
    ['calico', 'as-node', 'allowed', 'denied'],
  ] as const)('%s, --host-network %s: y/a -> agent %s, agent -> y/a %s', (rb, override, toAgent, fromAgent) => {
    const e = engine(policies, cniSemantics(rb, undefined, { hostNetwork: override }));
    expect(verdict(e, 'pod:y/a', 'pod:x/agent')).toBe(toAgent);
    expect(verdict(e, 'pod:x/agent', 'pod:y/a')).toBe(fromAgent);
    // Pods other than the agent are not affected by the choice.
    expect(verdict(e, 'pod:x/b', 'pod:y/a')).toBe('allowed');
    expect(verdict(e, 'pod:y/b', 'pod:x/b')).toBe('denied');
  });

  it('says in the verdict how the pod was treated, and by whom', () => {
    const asNode = engine(policies, cniSemantics('cilium')).evaluate('pod:x/agent', 'pod:y/a', 'TCP', 80);
    expect(asNode.summary).toContain('source is a host-network pod: treated as node n1 (Cilium): policies do not apply');
    const unknown = engine(policies, cniSemantics(undefined)).evaluate('pod:y/a', 'pod:x/agent', 'TCP', 80);
    expect(unknown.summary).toContain('treated as node n1 (CNI unknown, assumed; set --host-network as-pod|as-node)');
    const asPod = engine(policies, cniSemantics('calico', undefined, { hostNetwork: 'as-pod' })).evaluate('pod:y/a', 'pod:x/agent', 'TCP', 80);
    expect(asPod.summary).toContain('host-network pod: treated as an ordinary pod (--host-network as-pod)');
    // A verdict the choice does not decide says nothing about it.
    expect(engine(policies, cniSemantics('cilium')).evaluate('pod:x/b', 'pod:y/a', 'TCP', 80).summary).not.toContain('host-network');
  });
});

describe('ipBlock and pod IPs: truth table', () => {
  // x/a may send only to 10.1.0.0/24 except 10.1.0.12/32 (x/c); pods are 10.1.0.10 (x/a) to 10.1.0.18 (z/c).
  const policies = [
    np('cidr', 'x', {
      podSelector: { matchLabels: { pod: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/24', except: ['10.1.0.12/32'] } }] }],
    }),
  ];
  it.each([
    // road builder, override, x/a -> y/a (10.1.0.13), x/a -> x/c (excepted)
    ['calico', undefined, 'allowed', 'denied'],
    ['antrea', undefined, 'allowed', 'denied'],
    ['cilium', undefined, 'denied', 'denied'],
    ['unknown', undefined, 'denied', 'denied'],
    ['cilium', 'match', 'allowed', 'denied'],
    ['unknown', 'match', 'allowed', 'denied'],
    ['calico', 'ignore', 'denied', 'denied'],
  ] as const)('%s, --ipblock-pod-ips %s: x/a -> y/a %s, x/a -> x/c %s', (rb, override, toYa, toXc) => {
    const e = engine(policies, cniSemantics(rb, undefined, { ipBlockPodIps: override }));
    expect(verdict(e, 'pod:x/a', 'pod:y/a')).toBe(toYa);
    expect(verdict(e, 'pod:x/a', 'pod:x/c')).toBe(toXc);
    // Addresses outside the cluster are matched alike in both modes.
    expect(verdict(e, 'pod:x/a', 'ip:10.1.0.200')).toBe('allowed');
    expect(verdict(e, 'pod:x/a', 'ip:8.8.8.8')).toBe('denied');
    // Other sources are not isolated.
    expect(verdict(e, 'pod:x/b', 'pod:y/a')).toBe('allowed');
  });

  it('says in the verdict whether the ipBlock matched the pod IP, and under which road builder', () => {
    const p = [
      np('internal', 'x', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
    ];
    const calico = engine(p, cniSemantics('calico')).evaluate('pod:x/a', 'pod:y/a', 'TCP', 80);
    expect(calico.verdict).toBe('allowed');
    expect(calico.summary).toContain('ipBlock 10.0.0.0/8 matches pod IPs under Calico (pod y/a is 10.1.0.13)');
    const cilium = engine(p, cniSemantics('cilium')).evaluate('pod:x/a', 'pod:y/a', 'TCP', 80);
    expect(cilium.verdict).toBe('denied');
    expect(cilium.summary).toContain('ipBlock 10.0.0.0/8 does not match pod IPs under Cilium');
    expect(engine(p, cniSemantics(undefined)).evaluate('pod:x/a', 'pod:y/a', 'TCP', 80).summary).toContain(
      'under CNI unknown, assumed; set --ipblock-pod-ips match|ignore',
    );
    // Toward an address outside the cluster the choice decides nothing and is not mentioned.
    expect(engine(p, cniSemantics('calico')).evaluate('pod:x/a', 'ip:10.200.0.1', 'TCP', 80).summary).not.toContain('pod IPs');
  });

  it('a pod whose IP is not known is unknown to an ipBlock that matches pod IPs', () => {
    const input = xyz([{ ...agent, name: 'new', hostNetwork: false, ips: [], labels: { pod: 'new' } }]);
    const e = createPolicyEngine(
      {
        ...input,
        policies: [
          np('internal', 'x', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }),
        ],
      },
      { semantics: cniSemantics('calico') },
    );
    const d = e.evaluate('pod:x/a', 'pod:x/new', 'TCP', 80);
    expect(d.verdict).toBe('unknown');
    expect(d.summary).toContain('the IP of pod x/new is not known');
    expect(e.portVerdicts('pod:x/a', 'pod:x/new').unknown.TCP).toBe('1-65535');
  });
});

describe('upstream e2e: "should allow egress access to server in CIDR block"', () => {
  // x/a may send only to y/b's IP (/32); every other pair stays open.
  const yb = xyz().pods.find((p) => p.namespace === 'y' && p.name === 'b')!;
  const policies = [
    np('allow-client-a-via-cidr-egress-rule', 'x', {
      podSelector: { matchLabels: { pod: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: `${yb.ips[0]}/32` } }] }],
    }),
  ];
  const expected = (s: string, d: string) => s !== 'x/a' || d === 'y/b';

  it('is reproduced with --host-network as-pod --ipblock-pod-ips match', () => {
    const input = xyz();
    const e = createPolicyEngine({ ...input, policies }, { semantics: cniSemantics(undefined, undefined, { hostNetwork: 'as-pod', ipBlockPodIps: 'match' }) });
    const m = e.connectivity({ level: 'pod', includeIpRanges: false });
    for (const s of ALL_PODS)
      for (const d of ALL_PODS) {
        if (s === d) continue;
        const v = e.evaluate(`pod:${s}`, `pod:${d}`, 'TCP', 80).verdict;
        const cell = m.pair(`pod:${s}`, `pod:${d}`);
        expect({ s, d, v, matrix: !!cell && hasPort(fromPortLists(cell.allowed), 'TCP', 80) }).toEqual({
          s,
          d,
          v: expected(s, d) ? 'allowed' : 'denied',
          matrix: expected(s, d),
        });
      }
  });

  // The neighbouring upstream cases: an ipBlock of x/a's IP/4 (host bits set, as the e2e test writes it) except x/b's IP.
  const xa = xyz().pods.find((p) => p.namespace === 'x' && p.name === 'a')!;
  const xb = xyz().pods.find((p) => p.namespace === 'x' && p.name === 'b')!;
  const e2e = (cidr: string, except: string[] | undefined) =>
    createPolicyEngine(
      {
        ...xyz(),
        policies: [
          np('allow-client-a-via-cidr-egress-rule', 'x', {
            podSelector: { matchLabels: { pod: 'a' } },
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }],
          }),
        ],
      },
      { semantics: cniSemantics(undefined, undefined, { hostNetwork: 'as-pod', ipBlockPodIps: 'match' }) },
    );
  const table = (e: ReturnType<typeof e2e>) =>
    ALL_PODS.flatMap((s) => ALL_PODS.filter((d) => d !== s).map((d) => `${s}>${d}:${e.evaluate(`pod:${s}`, `pod:${d}`, 'TCP', 80).verdict}`));

  it('"should enforce except clause while egress access to server in CIDR block": only x/a -> x/b is denied', () => {
    const e = e2e(`${xa.ips[0]}/4`, [`${xb.ips[0]}/32`]);
    expect(e.warnings).toEqual([]);
    expect(table(e).filter((x) => x.endsWith(':denied'))).toEqual(['x/a>x/b:denied']);
  });

  it('"should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed": then allowed by its own /32', () => {
    const e = e2e(`${xb.ips[0]}/32`, undefined);
    expect(table(e).filter((x) => x.startsWith('x/a>') && x.endsWith(':allowed'))).toEqual(['x/a>x/b:allowed']);
    expect(table(e).filter((x) => !x.startsWith('x/a>') && !x.endsWith(':allowed'))).toEqual([]);
  });

  it('differs from it under Cilium (ipBlock does not match pod IPs): x/a -> y/b is denied', () => {
    const e = createPolicyEngine({ ...xyz(), policies }, { semantics: cniSemantics('cilium') });
    expect(e.evaluate('pod:x/a', 'pod:y/b', 'TCP', 80).verdict).toBe('denied');
  });
});

describe('host-network pods without a Node object: their own addresses', () => {
  // y/a accepts only 192.168.0.0/24 (the node network); no Node objects in the input.
  const from = (cidr: string) => [np('from-nodes', 'y', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ipBlock: { cidr } }] }] })];
  it("an ipBlock rule uses the pod's status.podIPs (its node's address) instead of answering unknown", () => {
    expect(verdict(engine(from('192.168.0.0/24'), cniSemantics('calico'), { nodes: false }), 'pod:x/agent', 'pod:y/a')).toBe('allowed');
    expect(verdict(engine(from('172.16.0.0/12'), cniSemantics('calico'), { nodes: false }), 'pod:x/agent', 'pod:y/a')).toBe('denied');
    // With the Node object, its addresses are used (192.168.0.1 for n1).
    expect(verdict(engine(from('192.168.0.1/32'), cniSemantics('calico')), 'pod:x/agent', 'pod:y/a')).toBe('allowed');
  });

  it('a host-network pod with neither a Node object nor an IP stays unknown', () => {
    const input = xyz([{ ...agent, ips: [] }]);
    const e = createPolicyEngine({ ...input, nodes: [], policies: from('192.168.0.0/24') }, { semantics: cniSemantics('calico') });
    expect(e.evaluate('pod:x/agent', 'pod:y/a', 'TCP', 80).verdict).toBe('unknown');
  });
});

describe('found by the differential test', () => {
  it('the matrix resolves a baseline egress named port per destination (was: one answer for all destinations)', () => {
    const input = xyz();
    // z/c declares "http" on 80; the others declare serve-80-tcp... but no "http".
    input.pods.find((p) => p.namespace === 'z' && p.name === 'c')!.ports.push({ name: 'http', containerPort: 8081, protocol: 'TCP' });
    const banp = {
      kind: 'BaselineAdminNetworkPolicy' as const,
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      name: 'default',
      manifest: { spec: { subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ namespaces: {} }], ports: [{ namedPort: 'http' }] }] } },
    };
    const e = createPolicyEngine({ ...input, policies: [banp] });
    const m = e.connectivity({ level: 'pod', includeIpRanges: false });
    expect(m.pair('pod:x/a', 'pod:y/a')?.allowed.TCP).toBe('1-65535');
    expect(m.pair('pod:x/a', 'pod:z/c')?.allowed.TCP).toBe('1-8080,8082-65535');
    expect(e.evaluate('pod:x/a', 'pod:z/c', 'TCP', 8081).verdict).toBe('denied');
  });

  it('rows copied between sources of equal rows still evaluate host-network destinations (was: copied)', () => {
    // Every pod may send to every pod (ANP); x/a is egress-isolated, so toward the host-network agent (a node) it is denied.
    const input = xyz([agent]);
    const anp = {
      kind: 'AdminNetworkPolicy' as const,
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      name: 'all-pods',
      manifest: { spec: { priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Allow', to: [{ namespaces: {} }] }] } },
    };
    const e = createPolicyEngine({ ...input, policies: [anp, np('iso', 'x', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'] })] });
    const m = e.connectivity({ level: 'pod', includeIpRanges: false });
    expect(m.pair('pod:y/a', 'pod:x/b')?.allowed.TCP).toBe('1-65535'); // row of y/a computed first
    expect(m.pair('pod:x/a', 'pod:x/agent')).toBeNull();
    expect(e.evaluate('pod:x/a', 'pod:x/agent', 'TCP', 80).verdict).toBe('denied');
  });

  it('an ANP nodes peer toward a node without its Node object is unknown (was: labels taken as empty)', () => {
    const input = xyz([agent]);
    const anp = {
      kind: 'AdminNetworkPolicy' as const,
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      name: 'deny-z1',
      manifest: { spec: { priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ nodes: { matchLabels: { zone: 'one' } } }] }] } },
    };
    expect(createPolicyEngine({ ...input, policies: [anp] }).evaluate('pod:y/a', 'pod:x/agent', 'TCP', 80).verdict).toBe('denied');
    expect(createPolicyEngine({ ...input, nodes: [], policies: [anp] }).evaluate('pod:y/a', 'pod:x/agent', 'TCP', 80).verdict).toBe('unknown');
  });
});

describe('whatIf with the road builder', () => {
  const deny = np('deny-x', 'x', { podSelector: {}, policyTypes: ['Ingress'] });
  it('kinds the road builder does not enforce change nothing', () => {
    const input = { ...xyz(), policies: [] };
    expect(whatIf(input, { upsert: [deny] }).newlyDenied.length).toBeGreaterThan(0);
    expect(whatIf(input, { upsert: [deny] }, {}, { enforcedKinds: [] })).toMatchObject({ newlyDenied: [], newlyAllowed: [], newlyUnknown: [] });
    expect(whatIf(input, { upsert: [deny] }, {}, { enforcedKinds: ['CiliumNetworkPolicy'] }).newlyDenied).toEqual([]);
  });

  it('follows the CNI semantics (an ipBlock toward a pod IP)', () => {
    const input = { ...xyz(), policies: [np('iso', 'x', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'] })] };
    const open = np('to-pods', 'x', {
      podSelector: { matchLabels: { pod: 'a' } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.1.0.0/24' } }] }],
    });
    const pairs = (s: CniSemantics) =>
      whatIf(input, { upsert: [open] }, { level: 'pod', includeIpRanges: false }, { semantics: s }).newlyAllowed.map((c) => `${c.src}>${c.dst}`);
    expect(pairs(cniSemantics('calico'))).toContain('pod:x/a>pod:y/a');
    expect(pairs(cniSemantics('cilium'))).toEqual([]);
  });
});

describe('notes only where the CNI choice decides', () => {
  it('ANP networks are named as networks; Cilium CIDR rules (never matching pods) say nothing', () => {
    const input = xyz();
    const anp = {
      kind: 'AdminNetworkPolicy' as const,
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      name: 'deny-10',
      manifest: { spec: { priority: 5, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/8'] }] }] } },
    };
    const d = createPolicyEngine({ ...input, policies: [anp] }, { semantics: cniSemantics('calico') }).evaluate('pod:x/a', 'pod:y/a', 'TCP', 80);
    expect(d.verdict).toBe('denied');
    expect(d.summary).toContain('networks 10.0.0.0/8 matches pod IPs under Calico');
    const cnp = {
      kind: 'CiliumNetworkPolicy' as const,
      apiVersion: 'cilium.io/v2',
      name: 'to-cidr',
      namespace: 'x',
      manifest: { spec: { endpointSelector: { matchLabels: { pod: 'a' } }, egress: [{ toCIDR: ['10.0.0.0/8'] }] } },
    };
    const c = createPolicyEngine({ ...input, policies: [cnp] }, { semantics: cniSemantics('cilium', undefined, { ipBlockPodIps: 'match' }) }).evaluate(
      'pod:x/a',
      'pod:y/a',
      'TCP',
      80,
    );
    expect(c.verdict).toBe('denied');
    expect(c.summary).not.toContain('pod IPs');
  });
});

describe('class-based matrix = pair evaluation in every CNI mode', () => {
  it('on 120 generated clusters with host-network pods', () => {
    const EMPTY = { TCP: '', UDP: '', SCTP: '' };
    const modes = [
      cniSemantics('calico'),
      cniSemantics('cilium', undefined, { hostNetwork: 'as-pod' }),
      cniSemantics(undefined, undefined, { hostNetwork: 'as-pod', ipBlockPodIps: 'match' }),
    ];
    let pairs = 0;
    let streamed = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const inv = generateInventory({ seed, namespaces: 2 + (seed % 3), pods: 6 + (seed % 11), policies: 3 + (seed % 9), flows: 0, nodes: 3 });
      // Every 5th pod runs on the host network, with its node's address (none for some: no Node object to read).
      const pods = inv.pods.map((p, i) => {
        if (i % 5 !== 2) return p;
        const node = inv.nodes.find((n) => n.name === p.node);
        return { ...p, hostNetwork: true, ips: node && i % 2 ? node.addresses.map((a) => a.address) : p.ips };
      });
      const e = createPolicyEngine(
        { namespaces: inv.namespaces, pods, nodes: seed % 4 ? inv.nodes : [], policies: inv.policies, services: inv.services },
        { semantics: modes[seed % modes.length] },
      );
      const m = e.connectivity({ level: seed % 2 ? 'pod' : 'workload', includeIpRanges: seed % 3 !== 0 });
      const G = m.peers.length;
      for (let s = 0; s < G; s++)
        for (let d = 0; d < G; d++) {
          if (s === d || (m.peers[s].type === 'ipRange' && m.peers[d].type === 'ipRange')) continue;
          const got = m.at(s, d);
          const want = e.portVerdicts(m.peers[s].id, m.peers[d].id);
          pairs++;
          expect({ seed, src: m.peers[s].id, dst: m.peers[d].id, allowed: got?.allowed ?? EMPTY, unknown: got?.unknown ?? EMPTY }).toEqual({
            seed,
            src: m.peers[s].id,
            dst: m.peers[d].id,
            ...want,
          });
        }
      // The streamed connections (sparse rows; rows with host-network pods dense) are those cells.
      streamed += expectStreamedEqualsCells(m, { seed });
    }
    expect(pairs).toBeGreaterThan(5_000);
    expect(streamed).toBeGreaterThan(1_000);
  }, 120_000);
});
