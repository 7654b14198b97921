/**
 * Synthetic Hubble flows for the fake relay: a deterministic pool of realistic flows (pods with
 * workloads, services, world/DNS, drops with policies, HTTP and DNS L7), stamped with a fresh
 * time and uuid on each use. Each body's Flow bytes are encoded once; per use only the time and
 * uuid fields are appended (protobuf fields may come in any order) and the response is framed
 * by hand, so a high rate costs the server little.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

import { eventTypeOf, summaryOf, tsOfMs, type FakeRelay } from './fake-relay.js';

const NAMESPACES = ['shop', 'payments', 'search', 'auth', 'ops'];
const APPS = ['web', 'cart', 'checkout', 'db', 'cache', 'api', 'worker', 'queue'];

function endpoint(ns: string, app: string, replica: number): Obj {
  return {
    ID: 100 + replica,
    identity: 10_000 + APPS.indexOf(app) * 10 + NAMESPACES.indexOf(ns),
    namespace: ns,
    labels: [`k8s:app=${app}`, `k8s:io.kubernetes.pod.namespace=${ns}`, 'k8s:io.cilium.k8s.policy.cluster=default'],
    pod_name: `${app}-6d9f8b7c5d-x${replica}k2q`,
    workloads: [{ name: app, kind: 'Deployment' }],
  };
}

/** The flow body (everything but time and uuid) of pool entry `k`. */
export function syntheticFlowBody(k: number): Obj {
  const ns = NAMESPACES[k % NAMESPACES.length];
  const a = APPS[k % APPS.length];
  const b = APPS[(k * 7 + 3) % APPS.length];
  const port = [80, 443, 5432, 6379, 8080][k % 5];
  const kind = k % 20;
  const f: Obj = {
    verdict: 'FORWARDED',
    IP: { source: `10.0.${k % 8}.${(k % 200) + 2}`, destination: `10.0.${(k + 3) % 8}.${((k * 3) % 200) + 2}`, ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 30000 + (k % 20000), destination_port: port, flags: { SYN: true } } },
    source: endpoint(ns, a, k % 4),
    destination: endpoint(kind === 7 ? NAMESPACES[(k + 1) % NAMESPACES.length] : ns, b, (k >> 2) % 4),
    Type: 'L3_L4',
    node_name: `node-${k % 3}`,
    is_reply: { value: false },
    traffic_direction: 'EGRESS',
    destination_service: { name: b, namespace: ns },
  };
  if (kind === 3) {
    f.verdict = 'DROPPED';
    f.drop_reason_desc = 'POLICY_DENIED';
    f.ingress_denied_by = [{ name: `deny-${b}`, namespace: ns, kind: 'CiliumNetworkPolicy' }];
  } else {
    f.egress_allowed_by = [{ name: `allow-${a}`, namespace: ns, kind: 'NetworkPolicy' }];
  }
  if (kind === 5) {
    f.destination = { identity: 2, labels: ['reserved:world'] };
    f.destination_names = [`api${k % 3}.example.com`];
    delete f.destination_service;
  }
  if (kind === 9) {
    f.Type = 'L7';
    f.l7 = { type: 'REQUEST', http: { method: k % 2 ? 'GET' : 'POST', url: `http://${b}:8080/api/v1/items/${k % 12}`, protocol: 'HTTP/1.1' } };
  }
  if (kind === 11) {
    f.l4 = { UDP: { source_port: 40000 + (k % 1000), destination_port: 53 } };
    f.Type = 'L7';
    f.destination = endpoint('kube-system', 'coredns', 0);
    f.destination_service = { name: 'kube-dns', namespace: 'kube-system' };
    f.l7 = { type: 'REQUEST', dns: { query: `${b}.${ns}.svc.cluster.local.`, qtypes: ['A'] } };
  }
  f.event_type = eventTypeOf(f);
  f.Summary = summaryOf(f);
  return f;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);

function stringField(field: number, value: string): Buffer {
  const b = Buffer.from(value);
  return Buffer.concat([Buffer.from([...tag(field, 2), ...varint(b.length)]), b]);
}

export class SyntheticFlows {
  private readonly bodies: Obj[] = [];
  private readonly flowBytes: Buffer[] = [];
  private readonly nodeNameFields: Buffer[] = [];

  constructor(
    relay: FakeRelay,
    poolSize = 512,
  ) {
    for (let k = 0; k < poolSize; k++) {
      const body = syntheticFlowBody(k);
      this.bodies.push(body);
      // {flow: body} is tag(1) + length + Flow bytes: keep the Flow bytes.
      const resp = relay.encode({ flow: body });
      let i = 1;
      while (resp[i] & 0x80) i++;
      this.flowBytes.push(resp.subarray(i + 1));
      this.nodeNameFields.push(stringField(1000, body.node_name));
    }
  }

  private readonly scratch = Buffer.allocUnsafe(64 * 1024);

  /** For FakeRelay.produce: a response object (for filters and since/until) and its bytes. */
  readonly make = (i: number, nowMs: number): { resp: Obj; encoded: Buffer } => {
    const k = i % this.bodies.length;
    const time = tsOfMs(nowMs);
    time.nanos += i % 1_000_000; // distinct times within a tick, still within the same ms
    const uuid = `syn-${i}`;
    // The pool body as prototype: filters read its fields, no copy per flow.
    const flow = Object.create(this.bodies[k]) as Obj;
    flow.time = time;
    flow.uuid = uuid;
    const resp = { flow, node_name: this.bodies[k].node_name, time };
    return { resp, encoded: this.encodeFast(k, Number(time.seconds), time.nanos, uuid) };
  };

  /** GetFlowsResponse bytes written straight into a scratch buffer (the relay's hot path in benches). */
  private encodeFast(k: number, seconds: number, nanos: number, uuid: string): Buffer {
    const b = this.scratch;
    let p = 0;
    const v = (n: number) => {
      while (n > 0x7f) {
        b[p++] = (n & 0x7f) | 0x80;
        n = Math.floor(n / 128);
      }
      b[p++] = n;
    };
    const vlen = (n: number) => {
      let len = 1;
      while (n > 0x7f) {
        n = Math.floor(n / 128);
        len++;
      }
      return len;
    };
    const tsLen = 1 + vlen(seconds) + (nanos ? 1 + vlen(nanos) : 0);
    const body = this.flowBytes[k];
    const uuidLen = uuid.length; // ASCII
    const flowLen = body.length + (1 + vlen(tsLen) + tsLen) + (2 + vlen(uuidLen) + uuidLen);
    const ts = () => {
      v(tsLen);
      b[p++] = 0x08;
      v(seconds);
      if (nanos) {
        b[p++] = 0x10;
        v(nanos);
      }
    };
    b[p++] = 0x0a; // field 1 (flow), length-delimited
    v(flowLen);
    body.copy(b, p);
    p += body.length;
    b[p++] = 0x0a; // Flow.time
    ts();
    b[p++] = 0x92; // Flow.uuid (34)
    b[p++] = 0x02;
    v(uuidLen);
    p += b.write(uuid, p, 'latin1');
    const nn = this.nodeNameFields[k];
    nn.copy(b, p);
    p += nn.length;
    b[p++] = 0xca; // GetFlowsResponse.time (1001)
    b[p++] = 0x3e;
    ts();
    return Buffer.from(b.subarray(0, p));
  }
}
