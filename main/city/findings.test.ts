/**
 * Snapshots are evidence; findings are derived (issue #14): the city never changes the snapshot
 * it is given, drops stored derived findings (older files hold them), and recomputes mismatches
 * (its own and the probes') after a watched policy change.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withCityState } from '../app/live.js';
import { workloadOfPod } from '../model/ids.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { Finding, ProbeResult, Snapshot } from '../model/types.js';
import { openSnapshot, saveSnapshot } from '../store/index.js';
import { City } from './city.js';
import { isDerivedFinding } from './findings.js';

/** The demo without the policies of one namespace (as if they were deleted in the cluster). */
const withoutPoliciesOf = (s: Snapshot, ns: string): Snapshot => ({ ...s, policies: s.policies.filter((p) => p.namespace !== ns) });

/** A road observed dropped that the demo's policies deny (and would allow without the policies of its namespace), and a probe that timed out along it. */
function deniedRoad(city: City) {
  const s = city.snapshot;
  const nsOf = (peer: string) => peer.slice(3).split('/')[0];
  const road = s.roads.find(
    (r) =>
      r.verdict === 'DROPPED' &&
      r.protocol === 'TCP' &&
      r.port !== undefined &&
      r.dst.startsWith('wl:') &&
      city.engine.verdict(r.src, r.dst, 'TCP', r.port) === 'denied' &&
      s.pods.some((p) => workloadOfPod(p) === r.src) &&
      s.pods.some((p) => workloadOfPod(p) === r.dst) &&
      new City({ id: 'trial', kind: 'demo', snapshot: withoutPoliciesOf(s, nsOf(r.dst)) }).engine.verdict(r.src, r.dst, 'TCP', r.port) === 'allowed',
  );
  if (!road) throw new Error('the demo has no denied TCP road its namespace policies decide');
  const src = s.pods.find((p) => workloadOfPod(p) === road.src)!;
  const dst = s.pods.find((p) => workloadOfPod(p) === road.dst)!;
  const probe: ProbeResult = {
    id: 'probe-1',
    runId: 'run-1',
    kind: 'path',
    time: s.createdAt,
    src: `pod:${src.namespace}/${src.name}`,
    dst: `pod:${dst.namespace}/${dst.name}`,
    protocol: 'TCP',
    port: road.port!,
    outcome: 'timeout',
  };
  return { road, probe, dstNamespace: nsOf(road.dst) };
}

const mismatches = (f: Finding[]) => f.filter((x) => x.kind === 'mismatch').map((x) => x.id);

describe('findings are derived from the evidence', () => {
  it('does not change the snapshot it is given', () => {
    const snap = demoSnapshot();
    const stale: Finding = { id: 'city:mismatch:stale', severity: 'warning', kind: 'mismatch', title: 'stale', detail: 'from an old file' };
    const given = { ...snap, findings: [stale] };
    Object.freeze(given);
    Object.freeze(given.findings);
    const city = new City({ id: 'demo', kind: 'demo', snapshot: given });
    expect(city.summary(true).findings.length).toBeGreaterThan(0);
    city.update({ ...city.evidence, notes: [] });
    city.evidence.notes.push({ id: 'n', time: 1, text: 'a note' });
    expect(given.findings).toEqual([stale]);
    expect(given.notes).toEqual(snap.notes);
    expect(city.findings.map((f) => f.id)).not.toContain('city:mismatch:stale');
  });

  it('drops stored derived findings (older files) and keeps the ones a source reported', () => {
    const reported: Finding = { id: 'rbac:pods', severity: 'info', kind: 'not-permitted', title: 'pods of ns x not readable', detail: 'd' };
    const storedProbe: Finding = { id: 'mismatch:probe:old', severity: 'warning', kind: 'mismatch', title: 'old', detail: 'd' };
    const city = new City({ id: 'demo', kind: 'demo', snapshot: { ...demoSnapshot(), findings: [reported, storedProbe] } });
    const ids = city.findings.map((f) => f.id);
    expect(ids).toContain('rbac:pods');
    expect(ids).not.toContain('mismatch:probe:old');
    expect(city.evidence.findings).toEqual([reported]);
    expect(isDerivedFinding(storedProbe)).toBe(true);
    expect(isDerivedFinding(reported)).toBe(false);
  });

  it('after a watched policy change the mismatches are recomputed: they appear, and go when the policy comes back', () => {
    const base = demoSnapshot();
    const city = new City({ id: 'live:test', kind: 'live', snapshot: base });
    const { road, probe, dstNamespace } = deniedRoad(city);
    // A probe run adds its result as evidence (no findings stored with it).
    city.update({ ...city.evidence, probes: [...city.evidence.probes, probe] }, { policiesChanged: false });
    expect(mismatches(city.findings)).not.toContain(`city:mismatch:${road.key}`);
    expect(mismatches(city.findings).filter((id) => id.startsWith('mismatch:probe:'))).toEqual([]);

    // The informer: the live inventory without the namespace's policies, merged with the city's own evidence.
    const live: Snapshot = { ...withoutPoliciesOf(base, dstNamespace), flows: [], roads: [], probes: [], findings: [] };
    city.update(withCityState(live, city.evidence), { policiesChanged: true });
    expect(city.engine.verdict(road.src, road.dst, 'TCP', road.port!)).toBe('allowed');
    const after = mismatches(city.findings);
    expect(after).toContain(`city:mismatch:${road.key}`);
    expect(after.some((id) => id.startsWith('mismatch:probe:'))).toBe(true);
    expect(city.summary(true).findings.map((f) => f.id)).toEqual(city.findings.map((f) => f.id));

    // The policies are back: the mismatches go.
    city.update(withCityState({ ...live, policies: base.policies }, city.evidence), { policiesChanged: true });
    expect(mismatches(city.findings)).not.toContain(`city:mismatch:${road.key}`);
    expect(mismatches(city.findings).filter((id) => id.startsWith('mismatch:probe:'))).toEqual([]);
    expect(city.evidence.probes.map((p) => p.id)).toContain('probe-1');
  });

  it('a saved city opens with the same findings, recomputed rather than read back twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'netcity-findings-'));
    try {
      const city = new City({ id: 'demo', kind: 'demo', snapshot: demoSnapshot() });
      const { probe, dstNamespace } = deniedRoad(city);
      city.update({ ...withoutPoliciesOf(city.evidence, dstNamespace), probes: [probe] });
      const file = join(dir, 'saved.netcity');
      saveSnapshot(file, city.snapshot);
      const reopened = new City({ id: 'file', kind: 'snapshot', snapshot: openSnapshot(file) });
      const ids = (c: City) => c.findings.map((f) => f.id).sort();
      expect(ids(reopened)).toEqual(ids(city));
      expect(new Set(ids(reopened)).size).toBe(ids(reopened).length);
      expect(mismatches(reopened.findings).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
