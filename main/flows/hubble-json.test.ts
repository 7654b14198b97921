import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseHubbleLine, parseHubbleObject } from './hubble-json.js';
import { flowRecordOf, guessDeployment, splitUrl, timestampMs } from './hubble-flow.js';
import type { FlowRecord } from '../model/types.js';

const FIXTURES = new URL('../../test/fixtures/hubble/', import.meta.url);
const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(name, FIXTURES), 'utf8').split('\n').filter((l) => l.trim());

function flowOf(line: string | object, opts = {}): FlowRecord {
  const r = typeof line === 'string' ? parseHubbleLine(line, opts) : parseHubbleObject(line, opts);
  if (r.kind !== 'flow') throw new Error(`expected a flow, got ${JSON.stringify(r)}`);
  return r.flow;
}

/** A GetFlowsResponse line in the jsonpb shape of the fixtures, with the fields the fixtures lack. */
const dropped = {
  flow: {
    time: '2026-01-02T03:04:05.123456789Z',
    verdict: 'DROPPED',
    drop_reason: 133,
    drop_reason_desc: 'POLICY_DENIED',
    IP: { source: '10.0.0.5', destination: '10.0.1.9', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 51000, destination_port: 5432, flags: { SYN: true } } },
    source: { ID: 12, identity: 4242, namespace: 'shop', labels: ['k8s:app=cart'], pod_name: 'cart-7d9f8b6c4-x2kqz', workloads: [{ name: 'cart', kind: 'Deployment' }] },
    destination: { identity: 777, namespace: 'shop', labels: ['k8s:app=db'], pod_name: 'db-0', workloads: [{ name: 'db', kind: 'StatefulSet' }] },
    destination_service: { name: 'db', namespace: 'shop' },
    Type: 'L3_L4',
    node_name: 'kind-worker',
    is_reply: false,
    traffic_direction: 'INGRESS',
    ingress_denied_by: [{ name: 'deny-db', namespace: 'shop', kind: 'CiliumNetworkPolicy', labels: [] }],
    egress_allowed_by: [{ name: 'allow-egress', namespace: 'shop', labels: ['k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy'] }],
  },
  node_name: 'kind-worker',
  time: '2026-01-02T03:04:05.123456789Z',
};

describe('Hubble JSON lines -> FlowRecord', () => {
  it('maps every line of the real captures to a flow', () => {
    for (const name of ['sample-10-flows.jsonl', 'sample-400-tcp-flows.jsonl', 'sample-400-udp-flows.jsonl']) {
      const kinds = fixtureLines(name).map((l) => parseHubbleLine(l).kind);
      expect(kinds.every((k) => k === 'flow'), name).toBe(true);
    }
  });

  it('maps a pod-to-host reply from the capture: pod, guessed Deployment, reserved host, ports, reply, node', () => {
    const f = flowOf(fixtureLines('sample-10-flows.jsonl')[0]);
    expect(f).toMatchObject({
      time: Date.parse('2021-06-16T16:52:13.136Z'),
      source: 'hubble',
      protocol: 'TCP',
      port: 42044,
      verdict: 'FORWARDED',
      isReply: true,
      node: 'gke-ilya-otel-demo-1-ilya-otel-demo-1-6114bb84-zr1l',
      src: { peer: 'pod:bookinfo/reviews-v1-545db77b95-s6jb8', workload: 'wl:bookinfo/Deployment/reviews-v1', ip: '10.0.2.16', port: 15020 },
      dst: { peer: 'host', ip: '10.0.2.1', port: 42044 },
    });
    expect(f.src.labels).toContain('k8s:app=reviews');
  });

  it('maps HTTP requests and responses from the capture (path without host, code on responses)', () => {
    const flows = fixtureLines('sample-400-tcp-flows.jsonl').map((l) => flowOf(l)).filter((f) => f.l7);
    expect(flows.length).toBe(65);
    const req = flows.find((f) => f.l7!.method === 'GET' && f.l7!.code === undefined)!;
    expect(req.l7!.path).toMatch(/^\//);
    expect(flows.some((f) => f.l7!.code !== undefined && f.isReply === true)).toBe(true);
  });

  it('maps DNS from the capture: query on requests, NOERROR (omitted rcode) on responses', () => {
    const flows = fixtureLines('sample-400-udp-flows.jsonl').map((l) => flowOf(l)).filter((f) => f.l7);
    expect(flows.length).toBe(148);
    const q = flows.find((f) => f.isReply === false)!;
    expect(q.l7).toEqual({ type: 'dns', query: 'productpage.bookinfo.svc.cluster.local.' });
    const a = flows.find((f) => f.isReply === true)!;
    expect(a.l7!.rcode).toBe(0);
    expect(a.protocol).toBe('UDP');
  });

  it('maps drops, drop reasons, workloads from Hubble, the destination service and the policies', () => {
    const f = flowOf(JSON.stringify(dropped));
    expect(f).toMatchObject({
      verdict: 'DROPPED',
      dropReason: 'POLICY_DENIED',
      dstService: 'shop/db',
      isReply: false,
      src: { peer: 'pod:shop/cart-7d9f8b6c4-x2kqz', workload: 'wl:shop/Deployment/cart' },
      dst: { peer: 'pod:shop/db-0', workload: 'wl:shop/StatefulSet/db', port: 5432 },
      allowedBy: ['NetworkPolicy/shop/allow-egress'],
      deniedBy: ['CiliumNetworkPolicy/shop/deny-db'],
    });
    expect(f.time).toBe(Date.parse('2026-01-02T03:04:05.123Z'));
  });

  it('falls back to the legacy numeric drop reason, named from the v1.17.8 table', () => {
    const f = flowOf({ flow: { ...dropped.flow, drop_reason_desc: undefined, drop_reason: 181 } });
    expect(f.dropReason).toBe('POLICY_DENY');
    expect(flowOf({ flow: { ...dropped.flow, drop_reason_desc: undefined, drop_reason: 198 } }).dropReason).toBe('DROP_RATE_LIMITED');
    expect(flowOf({ flow: { ...dropped.flow, drop_reason_desc: undefined, drop_reason: 250 } }).dropReason).toBe('DROP_250');
  });

  it('names a numeric drop_reason_desc (jsonpb and gRPC of a value the sender had no name for)', () => {
    expect(flowOf({ flow: { ...dropped.flow, drop_reason_desc: 133 } }).dropReason).toBe('POLICY_DENIED');
    expect(flowOf({ flow: { ...dropped.flow, drop_reason_desc: '204' } }).dropReason).toBe('DROP_NO_EGRESS_IP');
    for (const [n, name] of [[195, 'UNENCRYPTED_TRAFFIC'], [199, 'IGMP_HANDLED'], [200, 'IGMP_SUBSCRIBED'], [201, 'MULTICAST_HANDLED']] as const) {
      expect(flowRecordOf({ ...dropped.flow, drop_reason_desc: n }) as FlowRecord).toMatchObject({ dropReason: name });
    }
  });

  it('reads verdict TRACED, and an empty is_reply wrapper as false', () => {
    expect(flowOf({ flow: { ...dropped.flow, verdict: 'TRACED' } }).verdict).toBe('TRACED');
    expect(flowOf({ flow: { ...dropped.flow, verdict: 6 } }).verdict).toBe('TRACED');
    // gRPC: BoolValue{value: false} has no field on the wire, so it decodes as {}.
    const rec = flowRecordOf({ ...dropped.flow, time: { seconds: '1767323045', nanos: 0 }, reply: undefined, is_reply: {} }) as FlowRecord;
    expect(rec.isReply).toBe(false);
  });

  it('places a health endpoint on the observing node, or on a remote node when the packet crosses nodes', () => {
    const health = { identity: 4, labels: ['reserved:health'] };
    const mk = (point: string | number, side: 'source' | 'destination') =>
      flowOf({ time: '2026-01-01T00:00:00Z', verdict: 'FORWARDED', node_name: 'n1', trace_observation_point: point, source: { identity: 1 }, destination: { identity: 1 }, [side]: health })[side === 'source' ? 'src' : 'dst'].peer;
    expect(mk('TO_ENDPOINT', 'destination')).toBe('node:n1');
    expect(mk('TO_OVERLAY', 'destination')).toBe('remote-node');
    expect(mk(4, 'destination')).toBe('remote-node');
    expect(mk('TO_OVERLAY', 'source')).toBe('node:n1');
    expect(mk('FROM_OVERLAY', 'source')).toBe('remote-node');
    expect(mk('FROM_ENDPOINT', 'source')).toBe('node:n1');
  });

  it('prefers the resolver over guessing and keeps the pod when nothing is known', () => {
    const resolver = (ns: string, pod: string) => (pod === 'web-1' ? `wl:${ns}/StatefulSet/web` : undefined);
    const base = { time: '2026-01-01T00:00:00Z', verdict: 'FORWARDED', source: { namespace: 'a', pod_name: 'web-1' }, destination: { namespace: 'a', pod_name: 'plainpod' } };
    const f = flowOf(base, { resolver });
    expect(f.src.workload).toBe('wl:a/StatefulSet/web');
    expect(f.dst.peer).toBe('pod:a/plainpod');
    expect(f.dst.workload).toBeUndefined();
    const noGuess = flowOf({ ...base, source: { namespace: 'a', pod_name: 'cart-7d9f8b6c4-x2kqz' } }, { guessOwners: false });
    expect(noGuess.src.workload).toBeUndefined();
  });

  it('maps reserved identities, DNS names of world peers and bare IPs', () => {
    const mk = (dst: object, extra: object = {}) =>
      flowOf({ time: '2026-01-01T00:00:00Z', verdict: 'FORWARDED', node_name: 'n1', IP: { source: '10.0.0.1', destination: '1.2.3.4' }, source: { namespace: 'a', pod_name: 'p' }, destination: dst, ...extra }).dst.peer;
    expect(mk({ identity: 2, labels: ['reserved:world'] })).toBe('world');
    expect(mk({ identity: 2, labels: ['reserved:world'] }, { destination_names: ['api.example.com.'] })).toBe('dns:api.example.com');
    expect(mk({ identity: 7, labels: ['reserved:kube-apiserver', 'reserved:host'] })).toBe('kube-apiserver');
    expect(mk({ identity: 6, labels: ['reserved:remote-node'] })).toBe('remote-node');
    expect(mk({ identity: 1 })).toBe('host');
    expect(mk({ identity: 4, labels: ['reserved:health'] })).toBe('node:n1');
    expect(mk({ identity: 16777217, labels: ['cidr:1.2.3.0/24'] })).toBe('ip:1.2.3.4');
    expect(mk({ identity: 16777217 }, { destination_names: ['db.example.org'] })).toBe('dns:db.example.org');
  });

  it('reads bare Flow objects (hubble observe -o json) and gRPC-decoded shapes', () => {
    const bare = flowOf(JSON.stringify(dropped.flow));
    expect(bare.verdict).toBe('DROPPED');
    const grpcShape = flowRecordOf({ ...dropped.flow, time: { seconds: '1767323045', nanos: 123456789 }, is_reply: { value: true } }) as FlowRecord;
    expect(grpcShape.time).toBe(1767323045123);
    expect(grpcShape.isReply).toBe(true);
  });

  it('turns node status and lost events into warnings, ignores connected nodes and agent events', () => {
    const ns = parseHubbleLine(JSON.stringify({ node_status: { state_change: 'NODE_UNAVAILABLE', node_names: ['w1', 'w2'], message: 'connection refused' }, time: '2026-01-01T00:00:00Z' }));
    expect(ns.kind).toBe('warnings');
    if (ns.kind === 'warnings') {
      expect(ns.warnings.map((w) => w.subject)).toEqual(['w1', 'w2']);
      expect(ns.warnings[0].kind).toBe('node-unavailable');
      expect(ns.warnings[0].message).toContain('connection refused');
    }
    const lost = parseHubbleLine(JSON.stringify({ lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: '42' }, node_name: 'w1', time: '2026-01-01T00:00:00Z' }));
    expect(lost).toMatchObject({ kind: 'warnings', warnings: [{ kind: 'lost-events', count: 42, subject: 'w1' }] });
    expect(parseHubbleLine(JSON.stringify({ node_status: { state_change: 'NODE_CONNECTED', node_names: ['w1'] } })).kind).toBe('ignored');
    expect(parseHubbleLine(JSON.stringify({ agent_event: { type: 'AGENT_STARTED' } })).kind).toBe('ignored');
    expect(parseHubbleLine('   ').kind).toBe('ignored');
  });

  it('says why a line is invalid', () => {
    expect(parseHubbleLine('{"flow": {"verdict": "FORWARDED"')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('not valid JSON') });
    expect(parseHubbleLine('[1,2]')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('an array') });
    expect(parseHubbleLine('{"foo": 1}')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('keys: foo') });
    expect(parseHubbleLine('{"flow": {"verdict": "FORWARDED"}}')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('time') });
  });
});

describe('helpers', () => {
  it('splits URLs into path and query', () => {
    expect(splitUrl('http://reviews:9080/reviews/0?x=1#f')).toEqual({ path: '/reviews/0', query: 'x=1' });
    expect(splitUrl('/a/b')).toEqual({ path: '/a/b' });
    expect(splitUrl('http://host')).toEqual({ path: '/' });
  });
  it('guesses Deployments only from ReplicaSet-style pod names', () => {
    expect(guessDeployment('coredns-558bd4d5db-w2m67')).toBe('coredns');
    expect(guessDeployment('db-0')).toBeUndefined();
    expect(guessDeployment('cilium-x2kqz')).toBeUndefined();
  });
  it('reads both timestamp shapes', () => {
    expect(timestampMs('2021-06-16T16:52:13.136834446Z')).toBe(1623862333136);
    expect(timestampMs({ seconds: '1623862333', nanos: 136834446 })).toBe(1623862333136);
    expect(timestampMs('yesterday')).toBeUndefined();
  });
});
