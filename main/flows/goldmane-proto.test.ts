/**
 * NetCity's Goldmane proto subset (resources/proto/goldmane/api.proto) against Calico's own
 * goldmane/proto/api.proto: every kept message field has the upstream number, type and
 * cardinality, every kept enum value the upstream number (PolicyKind also keeps v3.30's 7 and 8).
 * Runs when GOLDMANE_PROTO names the upstream file (e.g. `git show v3.30.0:goldmane/proto/api.proto`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { protoDir } from './proto.js';

const upstream = process.env.GOLDMANE_PROTO;
const ours = () => protobuf.loadSync(join(protoDir(), 'goldmane', 'api.proto'));

describe('Goldmane proto subset', () => {
  it('has the Flows service and the messages the client reads', () => {
    const root = ours();
    const svc = root.lookupService('goldmane.Flows');
    expect(Object.keys(svc.methods).sort()).toEqual(['List', 'Stream']);
    expect(svc.methods.Stream.responseStream).toBe(true);
    expect(root.lookupType('goldmane.PolicyHit').fields.trigger.type).toBe('PolicyHit');
  });

  it.skipIf(!upstream || !existsSync(upstream))('matches upstream field numbers, types and enum values', () => {
    const root = ours();
    const up = protobuf.loadSync(upstream!);
    for (const t of (root.lookup('goldmane') as protobuf.Namespace).nestedArray) {
      if (t instanceof protobuf.Type) {
        const u = up.lookupType(`goldmane.${t.name}`);
        for (const f of t.fieldsArray) {
          const uf = u.fields[f.name];
          expect(uf, `${t.name}.${f.name}`).toBeDefined();
          expect([uf.id, uf.type, uf.repeated], `${t.name}.${f.name}`).toEqual([f.id, f.type, f.repeated]);
        }
      } else if (t instanceof protobuf.Enum) {
        const u = up.lookupEnum(`goldmane.${t.name}`);
        for (const [k, v] of Object.entries(t.values)) {
          if (t.name === 'PolicyKind' && (v === 7 || v === 8 || v === 11) && u.values[k] === undefined) continue; // kept across versions
          expect(u.values[k], `${t.name}.${k}`).toBe(v);
        }
      } else if (t instanceof protobuf.Service) {
        const u = up.lookupService(`goldmane.${t.name}`);
        for (const m of t.methodsArray) expect([u.methods[m.name].requestType, u.methods[m.name].responseType, !!u.methods[m.name].responseStream]).toEqual([m.requestType, m.responseType, !!m.responseStream]);
      }
    }
  });
});
