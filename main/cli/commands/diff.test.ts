import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../model/scenario/demo.js';
import type { Snapshot } from '../../model/types.js';
import type { SnapshotDiff } from '../../diff/types.js';
import { saveSnapshot } from '../../store/index.js';
import { UsageError, type CliIO } from '../command.js';
import diff from './diff.js';

let dir: string;
let out: string[];
let err: string[];
let io: CliIO;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-cli-diff-'));
  out = [];
  err = [];
  io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir, signal: new AbortController().signal };
  const a = demoSnapshot();
  const b: Snapshot = structuredClone(a);
  b.name = 'After';
  const cart = b.policies.find((p) => p.name === 'allow-checkout-to-cart')!;
  (cart.manifest.spec as { ingress: { ports: unknown[] }[] }).ingress[0].ports = [{ protocol: 'TCP', port: 7070 }, { protocol: 'TCP', port: 7071 }];
  b.namespaces.push({ name: 'orders', labels: {} });
  saveSnapshot(path.join(dir, 'a.netcity'), a);
  saveSnapshot(path.join(dir, 'b.netcity'), b);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('netcity diff', () => {
  it('prints a text diff with the semantic policy change and its connectivity effect', async () => {
    expect(await diff.run(['a.netcity', 'b.netcity'], io)).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^A: Demo shop \(cluster demo, 2026-11-27T12:00:00Z\) a\.netcity$/m);
    expect(text).toMatch(/^ {2}\+ ns:orders added$/m);
    expect(text).toMatch(/^ {2}~ NetworkPolicy\/shop\/allow-checkout-to-cart changed: 1 rule changed$/m);
    expect(text).toMatch(/^ {6}ingress rule 1: ports TCP\/7070 -> TCP\/7070, TCP\/7071$/m);
    expect(text).toMatch(/^ {2}\+ newly-allowed: wl:shop\/Deployment\/checkout -> wl:shop\/Deployment\/cart TCP 7071$/m);
    expect(text).toMatch(/because: NetworkPolicy\/shop\/allow-checkout-to-cart changed/);
  });

  it('writes JSON with the overlay, and Markdown', async () => {
    expect(await diff.run(['a.netcity', 'b.netcity', '--format', 'json', '--out', 'd.json'], io)).toBe(0);
    const d = JSON.parse(fs.readFileSync(path.join(dir, 'd.json'), 'utf8')) as SnapshotDiff;
    expect(d.overlay.peers['ns:orders']).toBe('added');
    expect(d.overlay.policies['NetworkPolicy/shop/allow-checkout-to-cart']).toBe('changed');
    expect(d.connectivity.status).toBe('computed');
    await diff.run(['a.netcity', 'b.netcity', '--format', 'md'], io);
    const md = out.join('');
    expect(md).toMatch(/^# NetCity diff: Demo shop → After$/m);
    expect(md).toMatch(/^## Policies \(1\)$/m);
  });

  it('--exit-code says whether they differ; --no-connectivity skips the engine', async () => {
    expect(await diff.run(['a.netcity', 'b.netcity', '--exit-code', '--no-connectivity'], io)).toBe(1);
    expect(out.join('')).toMatch(/connectivity not compared \(skipped\)/);
    expect(await diff.run(['a.netcity', 'a.netcity', '--exit-code'], io)).toBe(0);
    expect(out.join('')).toMatch(/Summary: no differences/);
  });

  it('rejects bad arguments and names a bad file', async () => {
    await expect(diff.run(['a.netcity'], io)).rejects.toThrow(UsageError);
    await expect(diff.run(['a.netcity', 'b.netcity', '--format', 'pdf'], io)).rejects.toThrow(/--format: expected one of txt, md, json/);
    fs.writeFileSync(path.join(dir, 'junk.netcity'), 'not a snapshot at all, sorry');
    await expect(diff.run(['a.netcity', 'junk.netcity'], io)).rejects.toThrow(/junk\.netcity: this is not a NetCity snapshot/);
    await expect(diff.run(['a.netcity', 'missing.netcity'], io)).rejects.toThrow(/missing\.netcity: no such file/);
  });
});
