import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSnapshot, saveSnapshot } from '../../store/index.js';
import { UsageError, type CliIO } from '../command.js';
import importFlows from './import-flows.js';
import type { Snapshot } from '../../model/types.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/hubble/', import.meta.url));
const TCP = path.join(FIXTURES, 'sample-400-tcp-flows.jsonl');
const UDP = path.join(FIXTURES, 'sample-400-udp-flows.jsonl');

let dir: string;
let out: string[];
let err: string[];
let io: CliIO;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-cli-import-'));
  out = [];
  err = [];
  io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: new AbortController().signal };
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const total = (s: Snapshot) => s.roads.reduce((n, r) => n + r.count, 0);

describe('netcity import-flows', () => {
  it('makes a new snapshot from Hubble exports: roads, raw flows, and a city from the flow endpoints', async () => {
    expect(await importFlows.run([TCP, UDP, '--out', 'cap.netcity'], io)).toBe(0);
    const snap = openSnapshot(path.join(dir, 'cap.netcity'));
    expect(total(snap)).toBe(800);
    expect(snap.flows).toHaveLength(800);
    expect(snap.cluster.source).toBe('import');
    expect(snap.name).toBe('sample-400-tcp-flows');
    expect(snap.namespaces.map((n) => n.name)).toEqual(expect.arrayContaining(['bookinfo', 'kube-system']));
    expect(snap.workloads.find((w) => w.name === 'ratings-v1')).toMatchObject({ namespace: 'bookinfo', kind: 'Deployment', podLabels: { app: 'ratings', version: 'v1' } });
    expect(snap.pods.find((p) => p.name.startsWith('ratings-v1-'))?.owner).toEqual({ kind: 'Deployment', name: 'ratings-v1' });
    expect(snap.window.from).toBeLessThan(snap.window.to!);
    expect(out.join('')).toMatch(/imported 800 flows from 2 file\(s\) \(800 lines, 0 invalid\); saved .*cap\.netcity: \d+ roads/);
  });

  it('adds to an existing snapshot, resolving pods through its inventory and summing roads', async () => {
    const target = path.join(dir, 'base.netcity');
    expect(await importFlows.run([TCP, '--out', target], io)).toBe(0);
    // Give the snapshot an inventory that names a StatefulSet owner the pod name would not reveal.
    const base = openSnapshot(target);
    const rating = base.pods.find((p) => p.name.startsWith('ratings-v1-'))!;
    base.pods = base.pods.map((p) => (p === rating ? { ...p, owner: { kind: 'StatefulSet', name: 'ratings-db' } } : p));
    saveSnapshot(target, base);

    expect(await importFlows.run([UDP, '--out', target], io)).toBe(0);
    const after = openSnapshot(target);
    expect(total(after)).toBe(800);
    expect(after.flows).toHaveLength(800);
    expect(after.roads.some((r) => r.src === 'wl:bookinfo/StatefulSet/ratings-db' && r.port === 53)).toBe(true);
    expect(out.at(-1)).toMatch(/imported 400 flows .*; added to .*base\.netcity/);
  });

  it('reports invalid and truncated lines with file and line, keeps the valid ones; --strict fails', async () => {
    const lines = fs.readFileSync(TCP, 'utf8').split('\n').filter(Boolean);
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, [lines[0], '{oops', lines[1], '{"x":1}', lines[2]].join('\n') + '\n' + lines[3].slice(0, 50));
    expect(await importFlows.run([bad, '--out', 'a.netcity'], io)).toBe(0);
    const e = err.join('');
    expect(e).toContain(`${bad}:2: not valid JSON`);
    expect(e).toContain(`${bad}:4: not a Hubble GetFlowsResponse or Flow (keys: x)`);
    expect(e).toContain(`${bad}:6: last line is cut short`);
    expect(out.join('')).toContain('imported 3 flows from 1 file(s) (6 lines, 3 invalid)');
    expect(total(openSnapshot(path.join(dir, 'a.netcity')))).toBe(3);
    expect(await importFlows.run([bad, '--out', 'b.netcity', '--strict'], io)).toBe(1);
  });

  it('lists at most --max-invalid lines and counts the rest', async () => {
    const bad = path.join(dir, 'many.jsonl');
    const good = fs.readFileSync(TCP, 'utf8').split('\n')[0];
    fs.writeFileSync(bad, [good, ...Array.from({ length: 30 }, () => 'garbage')].join('\n') + '\n');
    expect(await importFlows.run([bad, '--out', 'm.netcity', '--max-invalid', '5'], io)).toBe(0);
    expect(err.filter((l) => l.includes('not valid JSON'))).toHaveLength(5);
    expect(err.join('')).toContain('... and 25 more invalid line(s)');
  });

  it('fails with status 1 and a hint when no line is a flow', async () => {
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'hello\nworld\n');
    expect(await importFlows.run([junk, '--out', 'j.netcity'], io)).toBe(1);
    expect(err.join('')).toMatch(/no valid flows in junk\.txt: expected Hubble JSON lines/);
  });

  it('keeps what it imported when stopped (Ctrl-C)', async () => {
    const ac = new AbortController();
    ac.abort();
    const stopped: CliIO = { ...io, signal: ac.signal };
    expect(await importFlows.run([TCP, '--out', 's.netcity'], stopped)).toBe(130);
    expect(err.join('')).toMatch(/stopped: .* were imported before the stop and are kept/);
    expect(fs.existsSync(path.join(dir, 's.netcity'))).toBe(true);
  });

  it('refuses bad arguments and missing or foreign files clearly', async () => {
    await expect(importFlows.run(['--out', 'x.netcity'], io)).rejects.toThrow(UsageError);
    await expect(importFlows.run([TCP], io)).rejects.toThrow(/--out FILE.netcity is required/);
    await expect(importFlows.run([TCP, '--out', 'x.db'], io)).rejects.toThrow(/must end in \.netcity/);
    await expect(importFlows.run(['nope.jsonl', '--out', 'x.netcity'], io)).rejects.toThrow(/flows file .*nope\.jsonl: not found/);
    const foreign = path.join(dir, 'notes.netcity');
    fs.writeFileSync(foreign, 'my notes, not a snapshot');
    await expect(importFlows.run([TCP, '--out', foreign], io)).rejects.toThrow(/notes\.netcity/);
    expect(fs.readFileSync(foreign, 'utf8')).toBe('my notes, not a snapshot');
  });
});
