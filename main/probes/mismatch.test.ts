import { describe, expect, it } from 'vitest';
import { createPolicyEngine } from '../policy/index.js';
import type { PodInfo, PolicyObject, ProbeResult, RoadAggregate, RoadBuilder } from '../model/types.js';
import { mismatchFindings, type MismatchInput } from './mismatch.js';

const pod = (name: string, app: string, ip: string, extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace: 'shop',
  name,
  labels: { app },
  ips: [ip],
  phase: 'Running',
  hostNetwork: false,
  owner: { kind: 'Deployment', name: app },
  ports: [{ name: 'http', containerPort: 9000, protocol: 'TCP' }],
  node: 'n1',
  ...extra,
});
const pods = [pod('web-1', 'web', '10.0.0.2'), pod('api-1', 'api', '10.0.0.3'), pod('agent-1', 'agent', '192.168.0.1', { hostNetwork: true })];
const policies: PolicyObject[] = [
  {
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    namespace: 'shop',
    name: 'api-from-web',
    manifest: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'api-from-web', namespace: 'shop' },
      spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 9000 }] }] },
    },
  },
];
const namespaces = [{ name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } }];
const engine = createPolicyEngine({ namespaces, pods, nodes: [], policies });
const predict: MismatchInput['predict'] = (s, d, p, port) => engine.evaluate(s, d, p, port);
const T0 = 1_700_000_000_000;
const rb = (enforces: RoadBuilder['enforcesNetworkPolicy']): RoadBuilder => ({ name: 'calico', enforcesNetworkPolicy: enforces, policyKinds: ['NetworkPolicy'], flowSources: [], details: {}, evidence: [] });
const probe = (src: string, dst: string, outcome: ProbeResult['outcome'], port = 9000, extra: Partial<ProbeResult> = {}): ProbeResult => ({
  id: `${src}-${dst}-${outcome}`,
  runId: 'r',
  kind: 'path',
  time: T0 + 1000,
  src,
  dst,
  protocol: 'TCP',
  port,
  outcome,
  ...extra,
});
const snap = (over: Partial<MismatchInput['snapshot']> = {}): MismatchInput['snapshot'] => ({
  createdAt: T0,
  pods,
  namespaces,
  roadBuilder: rb(true),
  roads: [],
  probes: [],
  permissions: [],
  ...over,
});

describe('mismatchFindings', () => {
  it('agreement gives no finding', () => {
    const f = mismatchFindings({ snapshot: snap({ probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'connected'), probe('pod:shop/agent-1', 'pod:shop/api-1', 'connected', 9000)] }), predict });
    // agent is host network: the engine sees a node, and ingress to api only allows web.
    expect(f.filter((x) => x.detail.includes('web-1'))).toEqual([]);
  });

  it('a denied connection that got through on a non-enforcing road builder names the road builder', () => {
    const f = mismatchFindings({ snapshot: snap({ roadBuilder: rb(false), probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'connected'), probe('pod:shop/web-1', 'pod:shop/api-1', 'connected', 9001)] }), predict });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'mismatch', severity: 'critical', target: 'wl:shop/Deployment/web|wl:shop/Deployment/api|TCP|9001|FORWARDED' });
    expect(f[0].detail).toMatch(/predicts denied/);
    expect(f[0].detail).toMatch(/does not enforce NetworkPolicy/);
  });

  it('a refused connection counts as getting through (the packet reached a closed port)', () => {
    const f = mismatchFindings({ snapshot: snap({ roadBuilder: rb(false), probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'refused', 9001)] }), predict });
    expect(f).toHaveLength(1);
  });

  it('a stale snapshot is named when the road builder enforces', () => {
    const f = mismatchFindings({ snapshot: snap({ probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'connected', 9001, { time: T0 + 3_600_000 })] }), predict });
    expect(f[0].detail).toMatch(/snapshot is older/);
  });

  it('an allowed connection that timed out in a namespace the snapshot does not cover names the policy in another namespace', () => {
    const other = pod('x-1', 'x', '10.0.1.2', { namespace: 'payments' });
    const e = createPolicyEngine({ namespaces: [...namespaces, { name: 'payments', labels: {} }], pods: [...pods, other], nodes: [], policies });
    const f = mismatchFindings({
      snapshot: snap({ pods: [...pods, other], probes: [probe('pod:payments/x-1', 'pod:shop/web-1', 'timeout')] }),
      predict: (s, d, p, port) => e.evaluate(s, d, p, port),
    });
    expect(f).toHaveLength(1);
    expect(f[0].detail).toMatch(/policies of namespace payments/);
    expect(f[0].target).toMatch(/\|DROPPED$/);
  });

  it('a DNS failure explains DNS, and says so when the policies deny DNS', () => {
    const f = mismatchFindings({ snapshot: snap({ probes: [probe('pod:shop/web-1', 'dns:nope.example', 'dns-failure', 443, { dstTarget: 'nope.example' })] }), predict: () => ({ verdict: 'denied' }) });
    expect(f).toHaveLength(1);
    expect(f[0].title).toBe('DNS failure probing nope.example');
    expect(f[0].detail).toMatch(/policies deny DNS/);
  });

  it('host-network ends are named', () => {
    const f = mismatchFindings({ snapshot: snap({ probes: [probe('pod:shop/web-1', 'pod:shop/agent-1', 'connected', 22)] }), predict: () => ({ verdict: 'denied', summary: 'test' }) });
    expect(f[0].detail).toMatch(/pod:shop\/agent-1 runs on the host network/);
  });

  it('observed and probed disagreeing, and observed against predicted', () => {
    const road: RoadAggregate = {
      key: 'wl:shop/Deployment/web|wl:shop/Deployment/api|TCP|9001|FORWARDED',
      src: 'wl:shop/Deployment/web',
      dst: 'wl:shop/Deployment/api',
      protocol: 'TCP',
      port: 9001,
      verdict: 'FORWARDED',
      dropReasons: {},
      count: 12,
      firstSeen: T0 - 5000,
      lastSeen: T0 - 1000,
      allowedBy: [],
      deniedBy: [],
      sources: ['probe'],
    };
    const f = mismatchFindings({ snapshot: snap({ roads: [road], probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'timeout', 9001)] }), predict });
    const kinds = f.map((x) => x.id.split(':')[1]).sort();
    expect(kinds).toEqual(['observed', 'observed-probed']);
    expect(f.find((x) => x.id.startsWith('mismatch:observed:'))!.detail).toMatch(/12 time\(s\) \(probe\)/);
  });

  it('accepts a prediction given as a bare verdict', () => {
    const f = mismatchFindings({ snapshot: snap({ roadBuilder: rb(false), probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'connected', 9001)] }), predict: () => 'denied' });
    expect(f).toHaveLength(1);
    expect(f[0].detail).toMatch(/predicts denied/);
  });

  it('without a prediction only observed/probed disagreements are reported', () => {
    expect(mismatchFindings({ snapshot: snap({ probes: [probe('pod:shop/web-1', 'pod:shop/api-1', 'timeout', 9001)] }) })).toEqual([]);
  });
});
