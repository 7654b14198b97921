/**
 * The fast scanner must give exactly what the full JSON.parse path gives, for every line: the
 * real captures, lines with every field flowRecordOf reads, and hostile lines (escapes, odd
 * types, duplicate keys, whitespace, nesting, truncation, random damage).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseHubbleLine } from './hubble-json.js';
import { parseHubbleLineFast, parseHubbleText, scanHubbleLine } from './hubble-scan.js';
import type { FlowMappingOptions } from './hubble-flow.js';

const FIXTURES = new URL('../../test/fixtures/hubble/', import.meta.url);
const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.jsonl'));
const fixtureLines = fixtureFiles.flatMap((f) => readFileSync(new URL(f, FIXTURES), 'utf8').split('\n').filter((l) => l.trim()));

const resolver = (ns: string, pod: string) => (pod.startsWith('reviews') ? `wl:${ns}/StatefulSet/reviews` : undefined);
const OPTIONS: FlowMappingOptions[] = [{}, { source: 'import' }, { guessOwners: false }, { resolver }];
const FALLBACK_TIME = 1_700_000_000_000;

/** Both paths on one line, with each mapping option, must agree exactly. */
function expectSame(line: string): void {
  for (const opts of OPTIONS) {
    expect(parseHubbleLineFast(line, opts, FALLBACK_TIME), line).toStrictEqual(parseHubbleLine(line, opts, FALLBACK_TIME));
  }
  expect(parseHubbleLineFast(line)).toStrictEqual(parseHubbleLine(line));
}

// Node status / lost events without a time use Date.now(): both paths must see the same clock.
beforeAll(() => {
  vi.spyOn(Date, 'now').mockReturnValue(1_767_225_600_000);
});
afterAll(() => {
  vi.restoreAllMocks();
});

/** A flow with every field flowRecordOf reads (the fixtures lack drops, workloads, policies, services, Kafka). */
const full = {
  flow: {
    time: '2026-01-02T03:04:05.123456789Z',
    verdict: 'DROPPED',
    drop_reason: 133,
    drop_reason_desc: 'POLICY_DENIED',
    ethernet: { source: 'aa:bb:cc:dd:ee:ff', destination: '11:22:33:44:55:66' },
    IP: { source: '10.0.0.5', destination: '10.0.1.9', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 51000, destination_port: 5432, flags: { SYN: true } } },
    source: { ID: 12, identity: 4242, namespace: 'shop', labels: ['k8s:app=cart', 'k8s:io.kubernetes.pod.namespace=shop'], pod_name: 'cart-7d9f8b6c4-x2kqz', workloads: [{ name: 'cart', kind: 'Deployment' }] },
    destination: { identity: 777, namespace: 'shop', labels: ['k8s:app=db'], pod_name: 'db-0', workloads: [{ name: 'db', kind: 'StatefulSet' }] },
    destination_service: { name: 'db', namespace: 'shop' },
    source_names: ['cart.shop.svc.cluster.local.'],
    destination_names: [],
    Type: 'L3_L4',
    node_name: 'kind-worker',
    is_reply: false,
    reply: false,
    traffic_direction: 'INGRESS',
    trace_observation_point: 'TO_OVERLAY',
    event_type: { type: 1, sub_type: 133 },
    ingress_denied_by: [{ name: 'deny-db', namespace: 'shop', kind: 'CiliumNetworkPolicy', labels: [] }],
    egress_allowed_by: [{ name: 'allow-egress', namespace: 'shop', labels: ['k8s:io.cilium.k8s.policy.derived-from=NetworkPolicy'] }],
    ingress_allowed_by: [{ name: 'ccnp', labels: [] }],
    egress_denied_by: [],
    l7: { type: 'RESPONSE', latency_ns: '1000', http: { code: 503, method: 'GET', url: 'http://db:5432/q?x=1#f', protocol: 'HTTP/1.1', headers: [{ key: 'a', value: 'b' }] } },
    Summary: 'HTTP/1.1 GET http://db:5432/q',
  },
  node_name: 'kind-worker',
  time: '2026-01-02T03:04:05.123456789Z',
};

describe('scanHubbleLine (fast path) = parseHubbleLine (JSON.parse path)', () => {
  it('takes the fast path for every line of the real captures and agrees on each', () => {
    expect(fixtureLines.length).toBeGreaterThanOrEqual(810);
    for (const line of fixtureLines) {
      expect(scanHubbleLine(line), line.slice(0, 80)).toBeDefined();
      expectSame(line);
    }
  });

  it('agrees on lines with every field the mapping reads, and on L7 DNS, Kafka, health and world variants', () => {
    const variants: object[] = [
      full,
      { ...full, flow: { ...full.flow, l7: { type: 'REQUEST', dns: { query: 'db.shop.svc.cluster.local.', qtypes: ['A'] } } } },
      { ...full, flow: { ...full.flow, l7: { type: 'RESPONSE', dns: { query: 'x.', rcode: 3 } } } },
      { ...full, flow: { ...full.flow, l7: { type: 2, kafka: { api_key: 'produce', topic: 'orders', error_code: 0 } } } },
      { ...full, flow: { ...full.flow, l4: { UDP: { source_port: 53, destination_port: 1234 } } } },
      { ...full, flow: { ...full.flow, l4: { SCTP: { source_port: 1, destination_port: 2 } } } },
      { ...full, flow: { ...full.flow, l4: { ICMPv4: { type: 8 } } } },
      { ...full, flow: { ...full.flow, l4: { ICMPv6: { type: 128 } } } },
      { ...full, flow: { ...full.flow, verdict: 'FORWARDED', destination: { identity: 4, labels: ['reserved:health'] } } },
      { ...full, flow: { ...full.flow, verdict: 6, source: { identity: 2, labels: ['reserved:world'] }, source_names: ['api.example.com.'] } },
      { ...full, flow: { ...full.flow, is_reply: {}, reply: true, drop_reason_desc: '204', verdict: 'ERROR' } },
      { ...full, flow: { ...full.flow, time: { seconds: '1767323045', nanos: 5 } }, time: undefined },
      { ...full, flow: { ...full.flow, time: undefined } },
      { ...full, flow: { ...full.flow, time: undefined }, time: undefined },
      { ...full, flow: { ...full.flow, time: 'not a time' } },
      { flow: null, time: full.time },
      { flow: 'text' },
      { flow: [] },
      { flow: {} },
      { flow: { ...full.flow, source: 'x', destination: [1, 2], IP: 7, l4: null, l7: [], destination_service: 'db' } },
      { flow: { ...full.flow, source: { ...full.flow.source, labels: 'k8s:app=x', workloads: {} } } },
      { flow: { ...full.flow, source: { ...full.flow.source, labels: [1, null, { a: 1 }, ['x']] } } },
      { flow: { ...full.flow, drop_reason_desc: 0, drop_reason: '198' } },
      { flow: { ...full.flow, IP: { source: '', destination: 'fd00::1' } } },
      // Not a flow response: left to the full path (node status, lost events, bare flows, other objects).
      { node_status: { state_change: 'NODE_GONE', node_names: ['w1'] } },
      { lost_events: { source: 2, num_events_lost: '9' }, node_name: 'w1', time: full.time },
      { agent_event: {} },
      full.flow,
      { foo: 1 },
    ];
    for (const v of variants) expectSame(JSON.stringify(v));
  });

  it('agrees on hostile but valid JSON: escapes, unicode, odd whitespace, duplicate keys, __proto__, numbers, deep nesting', () => {
    const line = JSON.stringify(full);
    const cases = [
      // Escapes in kept values (decoded) and in skipped ones (validated); an escaped key spells "flow".
      line.replace('"cart-7d9f8b6c4-x2kqz"', '"cart-7d9f8b6c4-\\u0078\\u0032kqz"'),
      line.replace('"kind-worker"', '"kind\\/worker\\n\\t\\"\\\\"'),
      line.replace('"HTTP/1.1 GET http://db:5432/q"', '"tab\\tquote\\" \\ud83d\\ude00 lone \\udc00"'),
      line.replace('{"flow":', '{"fl\\u006fw":'),
      line.replace('"labels":["k8s:app=db"]', '"labels":["k8s:app=d\\u00e9b", "\\u0000"]'),
      // Non-ASCII text, in kept and skipped values, and a byte-order mark (trimmed by the full path).
      line.replace('"db-0"', '"db-ü-0-日本"').replace('"INGRESS"', '"ÉGRESS ✓"'),
      '\ufeff' + line,
      '\u00a0' + line + '\u2028',
      // JSON whitespace everywhere it may be; a control character where it may not.
      line.replace(/([,:{}[\]])/g, ' \t\r$1\r\n '),
      `  \t${line}\t \r`,
      line.replace('"INGRESS"', '"ING\tRESS"'),
      line.replace('"k8s:app=db"', '"k8s:app=\u0001db"'),
      // Duplicate keys: the last one wins, whole.
      line.replace('{"flow":{', '{"flow":{"verdict":"FORWARDED","source":{"namespace":"x","pod_name":"y"},'),
      line.replace(/}$/, ',"flow":{"time":"2025-01-01T00:00:00Z","verdict":"FORWARDED"}}'),
      line.replace('"l4":{', '"l4":{"TCP":{"destination_port":1},"TCP":7,'),
      // __proto__ and other Object.prototype names, in skipped and in kept values.
      line.replace('{"flow":{', '{"__proto__":{"verdict":"x"},"flow":{"__proto__":{"IP":1},"constructor":1,'),
      line.replace('"workloads":[{"name":"db",', '"workloads":[{"__proto__":{"x":1},"name":"db",'),
      line.replace('"workloads":[{"name":"db",', '"workloads":[{"toString":1,"hasOwnProperty":2,"name":"db",'),
      // Numbers JSON.parse values its own way.
      line.replace('"destination_port":5432', '"destination_port":5432.0').replace('"source_port":51000', '"source_port":5.1e4'),
      line.replace('"destination_port":5432', '"destination_port":-0').replace('"drop_reason":133', '"drop_reason":1.33e2'),
      line.replace('"destination_port":5432', '"destination_port":123456789012345678901234567890'),
      line.replace('"destination_port":5432', '"destination_port":1e400').replace('"identity":777', '"identity":-7E-1'),
      line.replace('"ID":12', '"ID":999999999999999').replace('"identity":4242', '"identity":9999999999999999'),
      // Deep nesting in a skipped value and in a kept one.
      line.replace('"Summary":', `"deep":${'['.repeat(200)}${']'.repeat(200)},"Summary":`),
      line.replace('"workloads":[{"name":"db",', `"workloads":[{"x":${'{"a":'.repeat(100)}1${'}'.repeat(100)},"name":"db",`),
      // Literals, empty containers, empty keys and strings.
      line.replace('"reply":false', '"reply":true,"":"","e":{},"a":[],"n":null'),
    ];
    for (const c of cases) expectSame(c);
  });

  it('agrees on invalid JSON: the full path says why', () => {
    const line = JSON.stringify(full);
    const cases = [
      line.slice(0, -1),
      line + 'x',
      line + '{}',
      line.replace('"verdict"', 'verdict'),
      line.replace('"DROPPED"', "'DROPPED'"),
      line.replace(',"node_name"', ',,"node_name"'),
      line.replace('"destination_port":5432', '"destination_port":05432'),
      line.replace('"destination_port":5432', '"destination_port":5432.'),
      line.replace('"destination_port":5432', '"destination_port":+5432'),
      line.replace('"destination_port":5432', '"destination_port":-'),
      line.replace('"destination_port":5432', '"destination_port":1e'),
      line.replace('"is_reply":false', '"is_reply":fals'),
      line.replace('"is_reply":false', '"is_reply":falsey'),
      line.replace('"is_reply":false', '"is_reply":NaN'),
      line.replace('"kind-worker"', '"kind\\xworker"'),
      line.replace('"kind-worker"', '"kind\\u00zzworker"'),
      line.replace('}}', '},}'),
      line.replace('[{"name":"deny-db"', '[,{"name":"deny-db"'),
      '{"flow":' + '['.repeat(100_000),
      '{"flow":{"time":"2026-01-01T00:00:00Z"',
      '{"flow":{"time":"2026-01-01T00:00:00Z","verdict":"FORWARDED"}} ',
      '{}',
      '',
      '   ',
      '[]',
      'null',
      '"{}"',
    ];
    for (const c of cases) expectSame(c);
  });

  it('agrees on lines damaged at random: characters inserted, deleted or replaced anywhere', () => {
    const bases = [JSON.stringify(full), fixtureLines[0], fixtureLines[20], fixtureLines[500]];
    const alphabet = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '0', '1', '-', '.', 'e', 'a', 't', 'n', '\t', '\u0000', 'é', '\ud800', 'u'];
    fc.assert(
      fc.property(
        fc.constantFrom(...bases),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 4 }),
        (base, edits) => {
          let line = base;
          for (const [at, op, ch] of edits) {
            const i = at % (line.length + 1);
            line = op === 'insert' ? line.slice(0, i) + ch + line.slice(i) : op === 'delete' ? line.slice(0, i) + line.slice(i + 1) : line.slice(0, i) + ch + line.slice(i + 1);
          }
          expectSame(line);
        },
      ),
      { numRuns: 1500, seed: 19 },
    );
  });

  it('agrees on random flows re-serialized with random whitespace, escapes and key order', () => {
    const objects = [full, ...fixtureLines.filter((_, i) => i % 50 === 0).map((l) => JSON.parse(l) as object)];
    /** JSON text of v, with choices from `r` for whitespace, \u escapes and key order. */
    const serialize = (v: unknown, r: () => number): string => {
      const ws = () => [' ', '', '\t', '\r', '\n', ''][Math.floor(r() * 6)];
      if (typeof v === 'string') {
        let out = '"';
        for (const ch of v) {
          const code = ch.charCodeAt(0);
          if (ch === '"' || ch === '\\' || code < 32) out += `\\u${code.toString(16).padStart(4, '0')}`;
          else if (r() < 0.05) out += `\\u${code.toString(16).padStart(4, '0')}`;
          else out += ch;
        }
        return out + '"';
      }
      if (Array.isArray(v)) return `[${ws()}${v.map((x) => serialize(x, r)).join(`${ws()},${ws()}`)}${ws()}]`;
      if (v && typeof v === 'object') {
        const entries = Object.entries(v).filter(([, x]) => x !== undefined);
        if (r() < 0.3) entries.reverse();
        return `{${ws()}${entries.map(([k, x]) => `${serialize(k, () => 1)}${ws()}:${ws()}${serialize(x, r)}`).join(`${ws()},${ws()}`)}${ws()}}`;
      }
      return JSON.stringify(v);
    };
    fc.assert(
      fc.property(fc.constantFrom(...objects), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (obj, seed) => {
        let s = seed;
        const r = () => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647);
        const line = serialize(obj, r);
        expectSame(line);
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it('reads one line of a longer text (a decoded chunk of a file) as that line alone', () => {
    const lines = [fixtureLines[3], JSON.stringify(full), '{"flow":{"time":"2026-01-01T00:00:00Z"', fixtureLines[700], '', 'x'];
    const text = lines.join('\n') + '\n';
    let start = 0;
    for (const line of lines) {
      const end = start + line.length;
      expect(parseHubbleText(text, start, end, { source: 'import' }, FALLBACK_TIME)).toStrictEqual(parseHubbleLine(line, { source: 'import' }, FALLBACK_TIME));
      start = end + 1;
    }
  });

  it('tells apart endpoints that begin alike (the endpoint cache compares whole texts)', () => {
    const line = JSON.stringify(full);
    const longPod = `"pod_name":"${'x'.repeat(80)}`;
    const a = line.replace('"pod_name":"db-0"', `${longPod}-a"`);
    const b = line.replace('"pod_name":"db-0"', `${longPod}-b"`);
    const c = line.replace('"pod_name":"db-0"', `${longPod}-a","extra":1`);
    const d = a.replace('"kind":"StatefulSet"}]}', '"kind":"StatefulSet"}]}}');
    expect(d).not.toBe(a);
    for (const l of [a, b, a, c, b, d, a, c, d, b]) expectSame(l);
    expect((parseHubbleLineFast(a) as { flow: { dst: { peer: string } } }).flow.dst.peer).toMatch(/-a$/);
    expect((parseHubbleLineFast(b) as { flow: { dst: { peer: string } } }).flow.dst.peer).toMatch(/-b$/);
  });

  it('leaves lines it does not read to the full path', () => {
    const line = JSON.stringify(full);
    expect(scanHubbleLine(line)).toBeDefined();
    expect(scanHubbleLine(line.replace('{"flow":', '{"fl\\u006fw":'))).toBeUndefined();
    expect(scanHubbleLine(JSON.stringify({ node_status: { state_change: 'NODE_GONE' } }))).toBeUndefined();
    expect(scanHubbleLine(JSON.stringify(full.flow))).toBeUndefined();
    expect(scanHubbleLine(line + 'x')).toBeUndefined();
  });
});
