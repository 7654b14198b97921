import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateFlows } from '../flows/aggregate.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { FlowRecord } from '../model/types.js';
import { SnapshotFile, openSnapshot } from './snapshot-file.js';
import { SnapshotWriter } from './writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-writer-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const flowAt = (time: number, port = 80): FlowRecord => ({
  time,
  source: 'hubble',
  src: { peer: 'pod:a/x', workload: 'wl:a/Deployment/x', ip: '10.0.0.1' },
  dst: { peer: 'pod:b/y', workload: 'wl:b/Deployment/y', ip: '10.0.0.2', port },
  protocol: 'TCP',
  port,
  verdict: 'FORWARDED',
});

describe('SnapshotWriter', () => {
  it('captures flows, roads, probes and warnings and closes into one self-contained file', () => {
    const file = path.join(dir, 'cap.netcity');
    const base = { ...demoSnapshot(), flows: [], roads: [], window: {} };
    const w = SnapshotWriter.create(file, base);
    const flows = Array.from({ length: 100 }, (_, i) => flowAt(1000 + i, i % 2 ? 80 : 443));
    w.addFlows(flows.slice(0, 50));
    w.addFlows(flows.slice(50));
    w.putRoads(aggregateFlows(flows));
    w.putProbes([{ id: 'p', runId: 'r', kind: 'matrix', time: 1, src: 'wl:a/Deployment/x', dst: 'wl:b/Deployment/y', protocol: 'TCP', port: 80, outcome: 'connected' }]);
    w.putWarnings([{ time: 3, kind: 'lost-events', message: 'lost 5', count: 5 }]);
    w.putNotes([{ id: 'n', time: 4, text: 'look' }]);
    w.putPositions({ world: { x: 1, y: 2 } });
    expect(w.roadsInWindow(1000, 1009)).toEqual(aggregateFlows(flows.slice(0, 10)));
    w.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const back = openSnapshot(file, { maxRawFlows: 1000 });
    expect(back.flows).toEqual(flows);
    expect(back.roads).toEqual(aggregateFlows(flows));
    expect(back.probes).toHaveLength(1);
    expect(back.warnings).toEqual([{ time: 3, kind: 'lost-events', message: 'lost 5', count: 5 }]);
    expect(back.notes).toEqual([{ id: 'n', time: 4, text: 'look' }]);
    expect(back.positions).toEqual({ world: { x: 1, y: 2 } });
    expect(back.window).toEqual({ from: 1000, to: 1099 });
    expect(back.pods).toHaveLength(base.pods.length);
    const f = SnapshotFile.open(file);
    expect(f.info().closedCleanly).toBe(true);
    f.close();
    expect(() => w.addFlows([flowAt(1)])).toThrow(/already closed/);
  });

  it('commits on its own at the flush interval, visible to another reader before close', async () => {
    const file = path.join(dir, 'cap.netcity');
    const w = SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [] }, { flushIntervalMs: 50 });
    w.addFlows([flowAt(1), flowAt(2)]);
    await new Promise((r) => setTimeout(r, 200));
    const reader = SnapshotFile.open(file, { check: 'none' });
    expect(reader.timeRange().count).toBe(2);
    expect(reader.info().closedCleanly).toBe(false);
    reader.close();
    w.close();
  });

  it('appends to an existing file and prunes the oldest raw flows beyond the bound', () => {
    const file = path.join(dir, 'cap.netcity');
    SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [] }).close();
    const w = SnapshotWriter.append(file, { maxRawFlows: 30 });
    w.addFlows(Array.from({ length: 50 }, (_, i) => flowAt(i)));
    w.close();
    const f = SnapshotFile.open(file);
    expect(f.timeRange()).toEqual({ count: 30, from: 20, to: 49 });
    expect(f.info().flowsPruned).toBe(20);
    f.close();
  });

  it('keeps pending data when a flush fails for a full disk, and says so', () => {
    const file = path.join(dir, 'cap.netcity');
    const w = SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [] });
    const db = (w as unknown as { db: import('better-sqlite3').Database }).db;
    const pages = (db.pragma('page_count') as { page_count: number }[])[0].page_count;
    db.pragma(`max_page_count = ${pages}`);
    w.addFlows(Array.from({ length: 5000 }, (_, i) => flowAt(i)));
    expect(() => w.flush()).toThrow(/disk is full/);
    expect(w.pendingCount).toBe(5000);
    db.pragma('max_page_count = 1000000');
    w.close();
    const back = openSnapshot(file, { maxRawFlows: 10_000 });
    expect(back.flows).toHaveLength(5000);
    // Peers interned in the failed transaction were rolled back too; the retry must store them again.
    expect(back.flows.every((f) => f.src.peer === 'pod:a/x' && f.dst.workload === 'wl:b/Deployment/y')).toBe(true);
    expect(back.roads.map((r) => [r.src, r.dst, r.count])).toEqual([['wl:a/Deployment/x', 'wl:b/Deployment/y', 5000]]);
  });
});

describe('flow rows', () => {
  it('keep each flow its own workload and labels when a peer changes them between flows', () => {
    const file = path.join(dir, 'labels.netcity');
    const f = (time: number, labels: string[] | undefined, workload: string | undefined, isReply = false): FlowRecord => ({
      time,
      source: 'hubble',
      src: { peer: 'pod:a/x', workload, labels, port: 40000 },
      dst: { peer: 'pod:b/y', workload: 'wl:b/Deployment/y', labels: ['k8s:app=y'], port: 80 },
      protocol: 'TCP',
      port: 80,
      verdict: 'FORWARDED',
      isReply,
    });
    const flows = [
      f(1, ['k8s:app=x'], 'wl:a/Deployment/x'),
      f(2, ['k8s:app=x', 'k8s:v=2'], 'wl:a/Deployment/x'),
      f(3, undefined, undefined),
      f(4, ['k8s:app=x'], 'wl:a/StatefulSet/x'),
      f(5, ['k8s:app=x'], 'wl:a/Deployment/x', true),
    ];
    const w = SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [], window: {} });
    w.addFlows(flows);
    w.close();
    const back = openSnapshot(file);
    expect(back.flows).toEqual(flows);
    expect(back.roads).toEqual(aggregateFlows(flows));
  });
});

describe('a reader beside a live capture', () => {
  it('sees new peers the writer interns after the reader opened', () => {
    const file = path.join(dir, 'live.netcity');
    const w = SnapshotWriter.create(file, { ...demoSnapshot(), flows: [], roads: [], window: {} });
    w.addFlows([flowAt(1)]);
    w.flush();
    const reader = SnapshotFile.open(file, { check: 'none' });
    expect(reader.roadsInWindow().map((r) => r.dst)).toEqual(['wl:b/Deployment/y']);
    const other: FlowRecord = { ...flowAt(2), dst: { peer: 'pod:c/z', workload: 'wl:c/Deployment/z', port: 80 } };
    w.addFlows([other]);
    w.flush();
    expect(reader.roadsInWindow().map((r) => r.dst)).toEqual(['wl:b/Deployment/y', 'wl:c/Deployment/z']);
    expect(reader.flowsInWindow().map((f) => f.dst.peer)).toEqual(['pod:b/y', 'pod:c/z']);
    reader.close();
    w.close();
  });
});
