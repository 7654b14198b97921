import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateFlows } from '../flows/aggregate.js';
import type { FlowRecord, Snapshot } from '../model/types.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import { SnapshotFile, openSnapshot, roadsInWindow, saveSnapshot } from './snapshot-file.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-store-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The demo with every optional table filled, so a round trip covers each one. */
function fullSnapshot(): Snapshot {
  const s = demoSnapshot();
  return {
    ...s,
    probes: [
      { id: 'p1', runId: 'r1', kind: 'path', time: 1000, src: 'pod:shop/a', dst: 'svc:shop/b', protocol: 'TCP', port: 80, outcome: 'refused', latencyMs: 1.5, detail: 'RST' },
    ],
    findings: [{ id: 'f1', severity: 'warning', kind: 'denied-flows', title: 'Denied', detail: 'three drops', target: 'wl:shop/Deployment/cart' }],
    warnings: [{ time: 5, kind: 'lost-events', message: 'ring buffer full', subject: 'node-1', count: 12 }],
    permissions: [
      { resource: 'pods', verb: 'list', allowed: true },
      { resource: 'networkpolicies', namespace: 'shop', verb: 'watch', allowed: false },
    ],
    positions: { 'wl:shop/Deployment/cart': { x: 1.5, y: -2, pinned: true }, world: { x: 0, y: 0 } },
    notes: [{ id: 'n1', time: 7, target: 'svc:shop/cart', text: 'check this' }],
  };
}

describe('saveSnapshot / openSnapshot', () => {
  it('round-trips every part of the snapshot model', () => {
    const snap = fullSnapshot();
    const file = path.join(dir, 'demo.netcity');
    saveSnapshot(file, snap);
    const back = openSnapshot(file, { maxRawFlows: 1_000_000 });
    const sortFlows = (f: FlowRecord[]) => [...f].sort((a, b) => a.time - b.time);
    expect(back.flows.length).toBe(snap.flows.length);
    expect(sortFlows(back.flows)).toEqual(sortFlows(snap.flows));
    const { flows: _a, ...restBack } = back;
    const { flows: _b, ...restSnap } = snap;
    const norm = (s: Omit<Snapshot, 'flows'>) => ({
      ...s,
      namespaces: [...s.namespaces].sort((a, b) => a.name.localeCompare(b.name)),
      nodes: [...s.nodes].sort((a, b) => a.name.localeCompare(b.name)),
      workloads: [...s.workloads].sort((a, b) => `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`)),
      pods: [...s.pods].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
      services: [...s.services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
      policies: [...s.policies].sort((a, b) => `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`)),
      roads: [...s.roads].sort((a, b) => a.key.localeCompare(b.key)),
      permissions: [...s.permissions].sort((a, b) => `${a.resource}/${a.namespace ?? ''}`.localeCompare(`${b.resource}/${b.namespace ?? ''}`)),
    });
    expect(norm(restBack)).toEqual(norm(restSnap));
  });

  it('bounds raw flows to the newest N but keeps roads complete', () => {
    const snap = demoSnapshot();
    expect(snap.flows.length).toBeGreaterThan(20);
    const file = path.join(dir, 'demo.netcity');
    saveSnapshot(file, snap);
    const back = openSnapshot(file, { maxRawFlows: 10 });
    expect(back.flows).toHaveLength(10);
    const newest = [...snap.flows].map((f) => f.time).sort((a, b) => b - a)[9];
    expect(Math.min(...back.flows.map((f) => f.time))).toBeGreaterThanOrEqual(newest);
    expect(back.roads.length).toBe(snap.roads.length);
  });

  it('computes roads from flows when the snapshot has none', () => {
    const snap = { ...demoSnapshot(), roads: [] };
    const file = path.join(dir, 'x.netcity');
    saveSnapshot(file, snap);
    expect(openSnapshot(file).roads).toEqual(aggregateFlows(snap.flows));
  });
});

describe('timeline', () => {
  it('aggregates the flows of a window exactly like the live aggregator', () => {
    const snap = demoSnapshot();
    const file = path.join(dir, 't.netcity');
    saveSnapshot(file, snap);
    const times = snap.flows.map((f) => f.time).sort((a, b) => a - b);
    const from = times[Math.floor(times.length / 4)];
    const to = times[Math.floor((times.length * 3) / 4)];
    const inWindow = snap.flows.filter((f) => f.time >= from && f.time <= to);
    expect(roadsInWindow(file, from, to)).toEqual(aggregateFlows(inWindow));
    expect(roadsInWindow(file)).toEqual(aggregateFlows(snap.flows));
    const windowed = openSnapshot(file, { window: { from, to } });
    expect(windowed.window).toEqual({ from, to });
    expect(windowed.flows.every((f) => f.time >= from && f.time <= to)).toBe(true);
  });

  it('answers windows with the time index and counts a histogram', () => {
    const snap = demoSnapshot();
    const file = path.join(dir, 't.netcity');
    saveSnapshot(file, snap);
    const f = SnapshotFile.open(file);
    try {
      const plan = f.db.prepare('EXPLAIN QUERY PLAN SELECT COUNT(*) FROM flows WHERE time >= ? AND time <= ?').all(0, 1) as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX flows_by_time/);
      const range = f.timeRange();
      expect(range.count).toBe(snap.flows.length);
      const hist = f.histogram(range.from!, range.to!, 10);
      expect(hist).toHaveLength(10);
      expect(hist.reduce((a, b) => a + b, 0)).toBe(snap.flows.length);
    } finally {
      f.close();
    }
  });
});
