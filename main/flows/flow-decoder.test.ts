import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { decodeGetFlowsResponse, ProtoDecodeError } from './flow-decoder.js';
import { loadObserverProto } from './proto.js';
import { flowRecordOf } from './hubble-flow.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const GetFlows = (loadObserverProto().def['observer.Observer'] as any).GetFlows;
const encode = (o: object): Buffer => GetFlows.responseSerialize(o);
const slow = (b: Buffer) => GetFlows.responseDeserialize(b);

/** jsonpb line -> the object shape proto-loader encodes (Timestamps and BoolValue as messages). */
function wireShape(line: any): any {
  const ts = (s: string) => {
    const m = /^(.*?)(?:\.(\d+))?Z$/.exec(s)!;
    return { seconds: String(Date.parse(`${m[1]}Z`) / 1000), nanos: m[2] ? Number(m[2].padEnd(9, '0').slice(0, 9)) : 0 };
  };
  const f = { ...line.flow, time: ts(line.flow.time) };
  if (typeof f.is_reply === 'boolean') f.is_reply = { value: f.is_reply };
  return { flow: f, node_name: line.node_name, time: ts(line.time) };
}

const FIXTURES = new URL('../../test/fixtures/hubble/', import.meta.url);
const lines = ['sample-10-flows.jsonl', 'sample-400-tcp-flows.jsonl', 'sample-400-udp-flows.jsonl'].flatMap((n) =>
  readFileSync(new URL(n, FIXTURES), 'utf8').split('\n').filter(Boolean).map((l) => wireShape(JSON.parse(l))),
);

const rich = {
  flow: {
    time: { seconds: '1767323045', nanos: 123456789 },
    uuid: 'b7d1',
    verdict: 'DROPPED',
    drop_reason: 133,
    drop_reason_desc: 'POLICY_DENIED',
    IP: { source: '10.0.0.5', destination: 'fd00::9', ipVersion: 'IPv6' },
    l4: { TCP: { source_port: 51000, destination_port: 5432, flags: { SYN: true, ACK: true } } },
    source: { ID: 12, identity: 4242, namespace: 'shop', labels: ['k8s:app=cart', 'k8s:ünïcode=✓'], pod_name: 'cart-1', workloads: [{ name: 'cart', kind: 'Deployment' }] },
    destination: { identity: 2, labels: ['reserved:world'] },
    destination_names: ['api.example.com'],
    source_service: { name: 'cart', namespace: 'shop' },
    destination_service: { name: 'db', namespace: 'shop' },
    Type: 'L7',
    node_name: 'kind-worker',
    l7: { type: 'RESPONSE', latency_ns: '1234', http: { code: 503, method: 'GET', url: 'http://db/x?y=1', protocol: 'HTTP/1.1', headers: [{ key: 'a', value: 'b' }] } },
    reply: true,
    is_reply: { value: true },
    traffic_direction: 'INGRESS',
    egress_allowed_by: [{ name: 'allow', namespace: 'shop', labels: ['x'], revision: '7', kind: 'NetworkPolicy' }],
    ingress_denied_by: [{ name: 'deny', namespace: 'shop', kind: 'CiliumNetworkPolicy' }],
  },
  node_name: 'kind-worker',
  time: { seconds: '1767323045', nanos: 123456789 },
};

describe('decodeGetFlowsResponse', () => {
  it('reads every real capture flow to the same FlowRecord as proto-loader does', () => {
    for (const l of lines) {
      const buf = encode(l);
      expect(flowRecordOf(decodeGetFlowsResponse(buf).flow)).toEqual(flowRecordOf(slow(buf).flow));
    }
  });

  it('reads drops, policies, services, names, L7 and 64-bit fields like proto-loader', () => {
    const buf = encode(rich);
    const fast = decodeGetFlowsResponse(buf);
    const ref = slow(buf);
    expect(flowRecordOf(fast.flow)).toEqual(flowRecordOf(ref.flow));
    expect(fast.flow.egress_allowed_by).toEqual(ref.flow.egress_allowed_by);
    expect(fast.flow.l7.latency_ns).toBe('1234');
    expect(fast.flow.source.labels).toContain('k8s:ünïcode=✓');
    expect(fast.time).toEqual({ seconds: '1767323045', nanos: 123456789 });
    expect(fast.node_name).toBe('kind-worker');
  });

  it('reads node status and lost events (with large counts)', () => {
    expect(decodeGetFlowsResponse(encode({ node_status: { state_change: 'NODE_GONE', node_names: ['a', 'b'], message: 'm' } }))).toEqual({
      node_status: { state_change: 'NODE_GONE', node_names: ['a', 'b'], message: 'm' },
    });
    const lost = decodeGetFlowsResponse(encode({ lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: '5000000000', cpu: { value: 3 } }, node_name: 'n' }));
    expect(lost).toEqual({ lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: '5000000000', cpu: { value: 3 } }, node_name: 'n' });
  });

  it('skips fields it does not know, and keeps unknown enum values as numbers', () => {
    // Field 100000 (Summary) and an ethernet message, as real agents send, plus a future verdict.
    const known = encode({ flow: { verdict: 'FORWARDED', node_name: 'n' } });
    const extra = Buffer.from([0x82, 0xb5, 0x18, 0x03, 0x61, 0x62, 0x63]); // field 100000, "abc"
    const inner = Buffer.concat([known.subarray(2), extra, Buffer.from([0x10, 0x09])]); // verdict = 9
    const buf = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    expect(decodeGetFlowsResponse(buf).flow).toEqual({ verdict: 9, node_name: 'n' });
  });

  it('throws a ProtoDecodeError, never garbage, on truncated or random bytes', () => {
    const buf = encode(rich);
    // The flow is the first field (tag, 2-byte length): any cut inside it must be detected.
    const flowEnd = 3 + ((buf[1] & 0x7f) | (buf[2] << 7));
    for (let cut = 1; cut < flowEnd; cut += 3) {
      expect(() => decodeGetFlowsResponse(buf.subarray(0, cut)), `cut at ${cut}`).toThrow(ProtoDecodeError);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeGetFlowsResponse(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtoDecodeError);
        }
      }),
    );
  });

  it('decodes faster than proto-loader', () => {
    const buf = encode(rich);
    const n = 20_000;
    let t = performance.now();
    for (let i = 0; i < n; i++) slow(buf);
    const slowMs = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < n; i++) decodeGetFlowsResponse(buf);
    const fastMs = performance.now() - t;
    expect(fastMs).toBeLessThan(slowMs);
  });
});
