/** The engine's API: explanations, non-pod peers, ports, fences, subjects, warnings, matrix, what-if. */
import { describe, expect, it } from 'vitest';
import type { PodInfo, ServiceInfo } from '../../../main/model/types.js';
import { createPolicyEngine, whatIf } from '../../../main/policy/index.js';
import { np, pol, xyz } from './cluster.js';

const podA = { matchLabels: { pod: 'a' } };

function engine(policies: ReturnType<typeof np>[], extra: PodInfo[] = [], services?: ServiceInfo[]) {
  const c = xyz(extra);
  return createPolicyEngine({ ...c, policies, services });
}

describe('explanations', () => {
  it('names the deciding policy and rule per direction', () => {
    const e = engine([np('allow-b', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })]);
    const d = e.evaluate('pod:x/b', 'pod:x/a', 'TCP', 80);
    expect(d.verdict).toBe('allowed');
    expect(d.summary).toBe('allowed: egress: source not isolated; ingress: allowed by NetworkPolicy x/allow-b, ingress rule #1');
    expect(d.steps.map((s) => [s.direction, s.outcome, s.policy, s.rule?.index])).toEqual([
      ['egress', 'not-isolated', undefined, undefined],
      ['ingress', 'allowed', 'NetworkPolicy/x/allow-b', 1],
    ]);
    const denied = e.evaluate('pod:x/c', 'pod:x/a', 'UDP', 53);
    expect(denied.verdict).toBe('denied');
    expect(denied.summary).toBe(
      'denied: egress: source not isolated; ingress: denied: destination isolated by NetworkPolicy x/allow-b and no rule allows UDP/53',
    );
  });

  it('says when NetworkPolicy was not consulted because an admin rule decided', () => {
    const e = engine([
      pol('AdminNetworkPolicy', 'deny-untrusted', { priority: 10, subject: { namespaces: {} }, egress: [{ name: 'block-egress', action: 'Deny', to: [{ namespaces: { matchLabels: { ns: 'z' } } }] }] }),
      np('allow', 'z', { podSelector: {}, ingress: [{}] }),
    ]);
    const d = e.evaluate('pod:x/a', 'pod:z/b', 'TCP', 443);
    expect(d.verdict).toBe('denied');
    expect(d.steps[0]).toMatchObject({ direction: 'egress', layer: 'admin', outcome: 'denied', policy: 'AdminNetworkPolicy/deny-untrusted', rule: { name: 'block-egress' } });
    expect(d.steps[0].text).toBe("denied by AdminNetworkPolicy deny-untrusted (priority 10) rule 'block-egress'; NetworkPolicy not consulted");
  });

  it('marks Cilium L7 rules and keeps toFQDNs unknown', () => {
    const e = engine([
      pol('CiliumNetworkPolicy', 'l7', { endpointSelector: podA, ingress: [{ fromEndpoints: [{}], toPorts: [{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/api/.*' }] } }] }] }, 'x'),
      pol('CiliumNetworkPolicy', 'fqdn', { endpointSelector: podA, egress: [{ toFQDNs: [{ matchName: 'api.example.com' }], toPorts: [{ ports: [{ port: '443' }] }] }] }, 'x'),
    ]);
    const d = e.evaluate('pod:x/b', 'pod:x/a', 'TCP', 80);
    expect(d).toMatchObject({ verdict: 'allowed', l7: true });
    expect(d.summary).toContain('allowed with L7 rules (HTTP GET /api/.*) by CiliumNetworkPolicy x/l7, ingress rule #1');
    expect(d.steps[1].l7).toBe('HTTP GET /api/.*');
    const f = e.evaluate('pod:x/a', 'ip:93.184.216.34', 'TCP', 443);
    expect(f.verdict).toBe('unknown');
    expect(f.summary).toContain('toFQDNs (api.example.com) depends on DNS');
    expect(e.evaluate('pod:x/a', 'ip:93.184.216.34', 'TCP', 80).verdict).toBe('denied');
    // Known by name: the name decides.
    expect(e.evaluate('pod:x/a', 'dns:api.example.com', 'TCP', 443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'dns:other.example.com', 'TCP', 443).verdict).toBe('denied');
    const p = createPolicyEngine({
      ...xyz(),
      policies: [pol('CiliumNetworkPolicy', 'pat', { endpointSelector: podA, egress: [{ toFQDNs: [{ matchPattern: '*.example.com' }] }] }, 'x')],
    });
    expect(p.evaluate('pod:x/a', 'dns:www.example.com', 'TCP', 443).verdict).toBe('allowed');
    expect(p.evaluate('pod:x/a', 'dns:example.org', 'TCP', 443).verdict).toBe('denied');
    // Cilium's "*" does not cross a dot.
    expect(p.evaluate('pod:x/a', 'dns:a.b.example.com', 'TCP', 443).verdict).toBe('denied');
    const g = createPolicyEngine({
      ...xyz(),
      policies: [
        pol('ClusterNetworkPolicy', 'dn', { tier: 'Admin', priority: 1, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ domainNames: ['*.example.com'] }] }] }),
      ],
    });
    expect(g.evaluate('pod:x/a', 'dns:a.b.example.com', 'TCP', 443).verdict).toBe('denied');
    expect(g.evaluate('pod:x/a', 'dns:example.com', 'TCP', 443).verdict).toBe('allowed');
    expect(g.evaluate('pod:x/a', 'ip:1.1.1.1', 'TCP', 443).verdict).toBe('unknown');
  });
});

describe('peers that are not pods', () => {
  const cidrPolicy = np('egress-cidr', 'x', {
    podSelector: podA,
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] } }, { ipBlock: { cidr: '2001:db8::/32' } }] }],
  });

  it('matches ipBlock with except, IPv4 and IPv6', () => {
    const e = engine([cidrPolicy]);
    expect(e.evaluate('pod:x/a', 'ip:203.0.113.5', 'TCP', 80).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'ip:203.0.113.200', 'TCP', 80).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'ip:2001:db8::1', 'UDP', 53).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'ip:2001:db9::1', 'UDP', 53).verdict).toBe('denied');
    // "the world" has no address: an ipBlock narrower than everything cannot be decided.
    expect(e.evaluate('pod:x/a', 'world', 'TCP', 80).verdict).toBe('unknown');
  });

  it('matches node addresses by ipBlock; traffic from the pod\'s own node is always allowed', () => {
    const e = engine([
      np('deny-in', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
      np('nodes', 'y', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.2/32' } }] }] }),
    ]);
    expect(e.evaluate('host', 'pod:x/a', 'TCP', 80).verdict).toBe('allowed');
    expect(e.evaluate('host', 'pod:x/a', 'TCP', 80).summary).toContain("traffic from the pod's own node is always allowed");
    const local = xyz().pods.find((p) => p.namespace === 'x' && p.name === 'a')!.node;
    const other = local === 'n1' ? 'n2' : 'n1';
    expect(e.evaluate(`node:${other}`, 'pod:x/a', 'TCP', 80).verdict).toBe('denied');
    expect(e.evaluate('node:n2', 'pod:y/b', 'TCP', 80).verdict).toBe(xyz().pods.find((p) => p.namespace === 'y' && p.name === 'b')!.node === 'n2' ? 'allowed' : 'allowed');
    expect(e.evaluate('node:n1', 'pod:y/c', 'TCP', 80).verdict).toBe(
      xyz().pods.find((p) => p.namespace === 'y' && p.name === 'c')!.node === 'n1' ? 'allowed' : 'denied',
    );
  });

  it('treats host-network pods as their node', () => {
    const hn: PodInfo = { namespace: 'x', name: 'agent', labels: { pod: 'b' }, ips: ['192.168.0.1'], node: 'n1', phase: 'Running', hostNetwork: true, ports: [] };
    const e = engine([np('allow-b', 'x', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })], [hn]);
    // Its labels say pod=b, but policies see the node, not a pod.
    const d = e.evaluate('pod:x/agent', 'pod:y/a', 'TCP', 80);
    expect(d.steps[0].text).toBe('source is a host-network pod: treated as node n1 (CNI unknown, assumed; set --host-network as-pod|as-node): policies do not apply');
    expect(e.fences('pod:x/agent')).toEqual({ ingress: { isolated: false, by: [] }, egress: { isolated: false, by: [] } });
    const xa = xyz().pods.find((p) => p.namespace === 'x' && p.name === 'a')!;
    expect(e.evaluate('pod:x/agent', 'pod:x/a', 'TCP', 80).verdict).toBe(xa.node === 'n1' ? 'allowed' : 'denied');
  });

  it('Cilium entities: world, cluster, host/remote-node, kube-apiserver', () => {
    const svc: ServiceInfo = { namespace: 'default', name: 'kubernetes', type: 'ClusterIP', clusterIPs: ['10.96.0.1'], ports: [], endpoints: [{ ip: '192.168.0.100', ready: true }] };
    const e = engine(
      [
        pol('CiliumNetworkPolicy', 'ents', { endpointSelector: podA, egress: [{ toEntities: ['kube-apiserver', 'remote-node'] }] }, 'x'),
        pol('CiliumNetworkPolicy', 'world', { endpointSelector: podA, ingress: [{ fromEntities: ['world'] }] }, 'x'),
      ],
      [],
      [svc],
    );
    expect(e.evaluate('pod:x/a', 'kube-apiserver', 'TCP', 443).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', 'world', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('pod:x/a', 'pod:x/b', 'TCP', 443).verdict).toBe('denied');
    expect(e.evaluate('world', 'pod:x/a', 'TCP', 8080).verdict).toBe('allowed');
    expect(e.evaluate('pod:y/a', 'pod:x/a', 'TCP', 8080).verdict).toBe('denied');
    const xa = xyz().pods.find((p) => p.namespace === 'x' && p.name === 'a')!;
    const remote = xa.node === 'n1' ? 'n2' : 'n1';
    expect(e.evaluate('pod:x/a', `node:${remote}`, 'TCP', 10250).verdict).toBe('allowed');
    expect(e.evaluate('pod:x/a', `node:${xa.node}`, 'TCP', 10250).verdict).toBe('denied');
    // The API server's address comes from default/kubernetes: NetworkPolicy ipBlocks can match it.
    const e2 = engine([np('api', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '192.168.0.100/32' } }] }] })], [], [svc]);
    expect(e2.evaluate('pod:x/a', 'kube-apiserver', 'TCP', 443).verdict).toBe('allowed');
  });

  it('maps a service port to its backends\' target ports', () => {
    const svc: ServiceInfo = {
      namespace: 'x',
      name: 'web',
      type: 'ClusterIP',
      clusterIPs: ['10.96.1.1'],
      selector: { pod: 'a' },
      ports: [
        { port: 8080, targetPort: 'serve-80-tcp', protocol: 'TCP' },
        { port: 8081, targetPort: 81, protocol: 'TCP' },
      ],
      endpoints: [],
    };
    const e = engine([np('only-80', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 80 }] }] })], [], [svc]);
    const ok = e.evaluate('pod:y/a', 'svc:x/web', 'TCP', 8080);
    expect(ok.verdict).toBe('allowed');
    expect(ok.summary).toBe('service x/web TCP/8080 -> pod x/a port 80: allowed: egress: source not isolated; ingress: allowed by NetworkPolicy x/only-80, ingress rule #1');
    expect(e.evaluate('pod:y/a', 'svc:x/web', 'TCP', 8081).verdict).toBe('denied');
    expect(e.evaluate('pod:y/a', 'svc:x/web', 'TCP', 9999).summary).toBe('unknown: service x/web has no TCP port 9999 (have: TCP/8080, TCP/8081)');
    expect(e.allowedPorts('pod:y/a', 'svc:x/web')).toEqual({ TCP: '8080', UDP: '', SCTP: '' });
    expect(() => e.evaluate('pod:y/a', 'svc:x/nope', 'TCP', 80)).toThrow('unknown service x/nope');
  });

  it('rejects unknown peers with a clear message', () => {
    const e = engine([]);
    expect(() => e.evaluate('pod:x/nope', 'pod:x/a', 'TCP', 80)).toThrow('unknown pod x/nope');
    expect(() => e.evaluate('ip:not-an-ip', 'pod:x/a', 'TCP', 80)).toThrow("'not-an-ip' is not an IP address");
  });
});

describe('ports, fences, subjects, warnings', () => {
  it('gives allowed ports per protocol as lists', () => {
    const e = engine([
      np('p', 'x', { podSelector: podA, ingress: [{ ports: [{ port: 80 }, { port: 8080, endPort: 8090 }, { protocol: 'UDP', port: 53 }] }] }),
    ]);
    expect(e.allowedPorts('pod:y/a', 'pod:x/a')).toEqual({ TCP: '80,8080-8090', UDP: '53', SCTP: '' });
    expect(e.allowedPorts('pod:x/a', 'pod:y/a')).toEqual({ TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' });
  });

  it('names the fences and the policies selecting a pod', () => {
    const e = engine([
      np('deny-in', 'x', { podSelector: {}, policyTypes: ['Ingress'] }),
      np('eg', 'x', { podSelector: podA, policyTypes: ['Egress'] }),
      pol('AdminNetworkPolicy', 'adm', { priority: 1, subject: { namespaces: { matchLabels: { ns: 'x' } } }, ingress: [{ action: 'Allow', from: [{ namespaces: {} }] }] }),
    ]);
    expect(e.fences('pod:x/a')).toEqual({ ingress: { isolated: true, by: ['NetworkPolicy/x/deny-in'] }, egress: { isolated: true, by: ['NetworkPolicy/x/eg'] } });
    expect(e.fences('pod:y/a').ingress.isolated).toBe(false);
    expect(e.policiesSelecting('pod:x/a').sort()).toEqual(['AdminNetworkPolicy/adm', 'NetworkPolicy/x/deny-in', 'NetworkPolicy/x/eg']);
    expect(e.policySubjects('NetworkPolicy/x/eg')).toEqual(['pod:x/a']);
  });

  it('finds policies that select nothing', () => {
    const e = engine([np('ghost', 'x', { podSelector: { matchLabels: { app: 'gone' } }, ingress: [{}] })]);
    expect(e.policySubjects('NetworkPolicy/x/ghost')).toEqual([]);
  });

  it('warns about invalid selectors, CIDRs and ports, naming the policy, and fails closed', () => {
    const e = engine([
      np('bad', 'x', {
        podSelector: podA,
        ingress: [
          { from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'Equals', values: ['b'] }] } }] },
          { from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] },
          { ports: [{ port: 70000 }, { port: 80, endPort: 70 }] },
        ],
      }),
    ]);
    expect(e.warnings.map((w) => `${w.policy}: ${w.message}`)).toEqual([
      "NetworkPolicy/x/bad: spec.ingress[0].from[0].podSelector.matchExpressions[0]: unknown operator 'Equals' (use In, NotIn, Exists, DoesNotExist)",
      "NetworkPolicy/x/bad: spec.ingress[1].from[0].ipBlock.cidr: invalid CIDR '10.0.0.0/33' (rule part ignored)",
      "NetworkPolicy/x/bad: spec.ingress[2].ports[0].port: invalid port '70000' (must be 1-65535 or a port name)",
      "NetworkPolicy/x/bad: spec.ingress[2].ports[1].endPort: '70' must be a number from 80 to 65535 (port ignored)",
    ]);
    expect(e.allowedPorts('pod:x/b', 'pod:x/a')).toEqual({ TCP: '', UDP: '', SCTP: '' });
  });

  it('evaluates a workload as its pods and says when they differ', () => {
    const pods: PodInfo[] = ['p1', 'p2'].map((name, i) => ({
      namespace: 'y',
      name,
      labels: { app: 'web', canary: String(i === 1) },
      ips: [],
      phase: 'Running',
      hostNetwork: false,
      owner: { kind: 'Deployment', name: 'web' },
      ports: [],
    }));
    const e = engine([np('canary-only', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { canary: 'true' } } }] }] })], pods);
    const d = e.evaluate('wl:y/Deployment/web', 'pod:x/a', 'TCP', 80);
    expect(d.verdict).toBe('unknown');
    expect(d.summary).toBe('differs between pods: pod y/p1 -> pod x/a: denied; pod y/p2 -> pod x/a: allowed');
    expect(e.allowedPorts('wl:y/Deployment/web', 'pod:x/a').TCP).toBe('1-65535');
  });
});

describe('workloadMatrix', () => {
  it('lists allowed pairs with ports, IP ranges cut at every CIDR boundary, no self pairs', () => {
    const e = engine([
      np('deny', 'x', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      np('a-egress', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ port: 443 }] }] }),
      np('b-from-y', 'x', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] }),
    ]);
    const m = e.workloadMatrix();
    const ranges = m.peers.filter((p) => p.type === 'ipRange').map((p) => p.id);
    expect(ranges).toEqual(['ip:0.0.0.0-9.255.255.255', 'ip:10.0.0.0/16', 'ip:10.1.0.0/16', 'ip:10.2.0.0-10.255.255.255', 'ip:11.0.0.0-255.255.255.255', 'ip:::/0']);
    expect(m.peers.find((p) => p.id === 'ip:10.2.0.0-10.255.255.255')).toEqual({ id: 'ip:10.2.0.0-10.255.255.255', type: 'ipRange', start: '10.2.0.0', end: '10.255.255.255' });
    const conn = (s: string, d: string) => m.connections.find((c) => c.src === s && c.dst === d);
    expect(conn('wl:x/Pod/a', 'ip:10.0.0.0/16')?.allowed).toEqual({ TCP: '443', UDP: '', SCTP: '' });
    expect(conn('wl:x/Pod/a', 'ip:10.1.0.0/16')).toBeUndefined();
    expect(conn('wl:x/Pod/a', 'wl:y/Pod/a')).toBeUndefined();
    expect(conn('wl:y/Pod/c', 'wl:x/Pod/b')?.allowed).toEqual({ TCP: '', UDP: '53', SCTP: '' });
    expect(conn('wl:z/Pod/c', 'wl:x/Pod/b')).toBeUndefined();
    expect(conn('wl:y/Pod/a', 'wl:z/Pod/b')?.allowed).toEqual({ TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' });
    expect(conn('ip:::/0', 'wl:y/Pod/a')?.allowed.TCP).toBe('1-65535');
    expect(m.connections.some((c) => c.src === c.dst)).toBe(false);
    // The compact form answers the same per pair.
    const compact = e.connectivity();
    for (const c of m.connections) expect(compact.pair(c.src, c.dst)).toEqual(c.unknown ? { allowed: c.allowed, unknown: c.unknown } : { allowed: c.allowed });
    expect(compact.pair('wl:x/Pod/a', 'ip:10.1.0.0/16')).toBeNull();
    // Every pair the matrix lists agrees with allowedPorts.
    for (const c of m.connections.filter((x) => x.src.startsWith('wl:') && x.dst.startsWith('wl:')))
      expect(e.allowedPorts(c.src, c.dst)).toEqual(c.allowed);
  });

  it('includes host-network pods as their node and agrees with evaluate', () => {
    const hn: PodInfo = { namespace: 'x', name: 'agent', labels: { pod: 'b' }, ips: ['192.168.0.1'], node: 'n1', phase: 'Running', hostNetwork: true, ports: [], owner: { kind: 'DaemonSet', name: 'agent' } };
    const e = engine([np('deny', 'x', { podSelector: {}, policyTypes: ['Ingress'] })], [hn]);
    const m = e.workloadMatrix({ includeIpRanges: false });
    const to = (d: string) => m.connections.find((c) => c.src === 'wl:x/DaemonSet/agent' && c.dst === d);
    for (const p of ['a', 'b', 'c']) {
      const verdict = e.evaluate('wl:x/DaemonSet/agent', `pod:x/${p}`, 'TCP', 80).verdict;
      expect(to(`wl:x/Pod/${p}`) ? 'allowed' : 'denied', p).toBe(verdict);
    }
    expect(m.connections.find((c) => c.src === 'wl:y/Pod/a' && c.dst === 'wl:x/DaemonSet/agent')?.allowed.TCP).toBe('1-65535');
  });

  it('focuses on one workload and works at pod level', () => {
    const e = engine([np('deny', 'x', { podSelector: podA, policyTypes: ['Ingress'] })]);
    const m = e.workloadMatrix({ focus: 'x/a', includeIpRanges: false });
    expect(m.connections.every((c) => c.src === 'wl:x/Pod/a' || c.dst === 'wl:x/Pod/a')).toBe(true);
    expect(m.connections.filter((c) => c.dst === 'wl:x/Pod/a')).toEqual([]);
    expect(m.connections.filter((c) => c.src === 'wl:x/Pod/a')).toHaveLength(8);
    const p = e.workloadMatrix({ level: 'pod', includeIpRanges: false });
    expect(p.peers[0]).toEqual({ id: 'pod:x/a', type: 'pod', namespace: 'x', name: 'a', kind: 'Pod' });
    expect(p.connections).toHaveLength(9 * 8 - 8);
    expect(() => e.workloadMatrix({ focus: 'x/none' })).toThrow('--focus x/none: no such workload');
  });
});

describe('whatIf', () => {
  it('reports newly denied and newly allowed pairs', () => {
    const base = { ...xyz(), policies: [np('deny', 'x', { podSelector: podA, policyTypes: ['Ingress'] })] };
    const r = whatIf(base, {
      upsert: [np('allow-y', 'x', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 80 }] }] }), np('deny', 'y', { podSelector: {}, policyTypes: ['Egress'] })],
    }, { includeIpRanges: false });
    expect(r.newlyAllowed).toEqual([]); // y cannot send anymore, so the new allow changes nothing
    expect(r.newlyDenied.map((c) => `${c.src}->${c.dst}`)).toEqual(
      ['a', 'b', 'c'].flatMap((s) => ['x/Pod/b', 'x/Pod/c', 'y/Pod/a', 'y/Pod/b', 'y/Pod/c', 'z/Pod/a', 'z/Pod/b', 'z/Pod/c'].filter((d) => d !== `y/Pod/${s}`).map((d) => `wl:y/Pod/${s}->wl:${d}`)),
    );
    const r2 = whatIf(base, { upsert: [], remove: ['NetworkPolicy/x/deny'] }, { includeIpRanges: false });
    expect(r2.newlyAllowed).toHaveLength(8);
    expect(r2.newlyAllowed[0]).toEqual({ src: 'wl:x/Pod/b', dst: 'wl:x/Pod/a', ports: { TCP: '1-65535', UDP: '1-65535', SCTP: '1-65535' } });
  });

  it('cuts IP ranges at the CIDRs of both policy sets', () => {
    const base = { ...xyz(), policies: [] };
    const r = whatIf(base, { upsert: [np('a-out', 'x', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] })] });
    const denied = r.newlyDenied.filter((c) => c.src === 'wl:x/Pod/a').map((c) => c.dst);
    expect(denied).toContain('ip:11.0.0.0-255.255.255.255');
    expect(denied).toContain('ip:::/0');
    expect(denied).toContain('wl:y/Pod/b');
    expect(denied).not.toContain('ip:10.0.0.0/8');
    expect(r.newlyAllowed).toEqual([]);
    expect(r.before.connections - r.after.connections).toBe(denied.length);
  });
});
