/**
 * The decoder's enum tables against the proto subset in resources/proto, and the subset against
 * Cilium's own api/v1 (v1.17.8) when its sources are on this machine: every enum equal, every
 * field we keep present upstream with the same number, type and cardinality.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { DIRECTION, DROP_REASON, FLOW_TYPE, IP_VERSION, L7_TYPE, LOST_SOURCE, NODE_STATE, TRACE_POINT, VERDICT } from './flow-decoder.js';
import { packageRoot, protoDir } from './proto.js';

const CILIUM = 'v1.17.8';

function loadRoot(dir: string, files: string[]): protobuf.Root {
  const root = new protobuf.Root();
  // google/protobuf/* are protobufjs' bundled well-known types.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(dir, target));
  root.loadSync(files);
  root.resolveAll();
  return root;
}

/** Cilium's api/v1: NETCITY_CILIUM_API, the writable copy test/hubble/build.sh makes, or the Go module cache. */
function upstreamDir(): string | undefined {
  const candidates = [process.env.NETCITY_CILIUM_API, join(packageRoot(), '.cache', 'hubble', 'src', `cilium-${CILIUM}`, 'api', 'v1')];
  try {
    const mod = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
    if (mod) candidates.push(join(mod, 'github.com', 'cilium', `cilium@${CILIUM}`, 'api', 'v1'));
  } catch {
    // no Go on this machine
  }
  return candidates.find((d) => d && existsSync(join(d, 'flow', 'flow.proto')));
}

const asTable = (t: string[] | Record<number, string>): Record<string, number> =>
  Object.fromEntries(Object.entries(t).map(([v, name]) => [name, Number(v)]));

const ours = loadRoot(protoDir(), ['observer/observer.proto']);
const TABLES: [string, string[] | Record<number, string>][] = [
  ['flow.Verdict', VERDICT],
  ['flow.FlowType', FLOW_TYPE],
  ['flow.L7FlowType', L7_TYPE],
  ['flow.TrafficDirection', DIRECTION],
  ['flow.IPVersion', IP_VERSION],
  ['flow.DropReason', DROP_REASON],
  ['flow.TraceObservationPoint', TRACE_POINT],
  ['flow.LostEventSource', LOST_SOURCE],
  ['relay.NodeState', NODE_STATE],
];

function types(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[] = []): protobuf.ReflectionObject[] {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type || o instanceof protobuf.Enum || o instanceof protobuf.Service) out.push(o);
    if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) types(o, out);
  }
  return out;
}

describe('Hubble enum tables', () => {
  it.each(TABLES)('the decoder table of %s equals the proto subset', (name, table) => {
    expect(asTable(table)).toEqual(ours.lookupEnum(name).values);
  });

  const dir = upstreamDir();
  it.skipIf(!dir)(`the proto subset matches Cilium ${CILIUM} api/v1 (needs its sources: test/hubble/build.sh or the Go module cache)`, () => {
    const up = loadRoot(dir!, ['observer/observer.proto']);
    const checked: string[] = [];
    for (const o of types(ours)) {
      const full = o.fullName.slice(1);
      if (full.startsWith('google.')) continue;
      const theirs = up.lookup(full);
      expect(theirs, `${full} exists upstream`).toBeTruthy();
      if (o instanceof protobuf.Enum) {
        expect(o.values, `enum ${full}`).toEqual((theirs as protobuf.Enum).values);
      } else if (o instanceof protobuf.Type) {
        const t = theirs as protobuf.Type;
        for (const f of o.fieldsArray) {
          const u = t.fields[f.name];
          expect(u, `${full}.${f.name} exists upstream`).toBeTruthy();
          expect([u.id, u.resolvedType?.fullName ?? u.type, u.repeated], `${full}.${f.name}`).toEqual([f.id, f.resolvedType?.fullName ?? f.type, f.repeated]);
        }
      } else if (o instanceof protobuf.Service) {
        const s = theirs as protobuf.Service;
        for (const m of o.methodsArray) {
          const u = s.methods[m.name];
          expect([u.requestType, u.responseType, Boolean(u.responseStream)], `${full}.${m.name}`).toEqual([m.requestType, m.responseType, Boolean(m.responseStream)]);
        }
      }
      checked.push(full);
    }
    expect(checked).toEqual(expect.arrayContaining(['flow.Flow', 'flow.FlowFilter', 'flow.DropReason', 'observer.Observer']));
  });
});
