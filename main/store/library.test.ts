import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import { SnapshotLibrary, slugOf } from './library.js';
import { openSnapshot, saveSnapshot } from './snapshot-file.js';

let dir: string;
let lib: SnapshotLibrary;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-lib-'));
  lib = new SnapshotLibrary(path.join(dir, 'lib'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SnapshotLibrary', () => {
  it('lists nothing for a missing folder', () => {
    expect(lib.list()).toEqual([]);
  });

  it('saves, lists with metadata, opens, renames, duplicates and deletes', () => {
    const snap = demoSnapshot();
    const file = lib.save(snap, 'Shop / Friday');
    expect(file).toBe('shop-friday.netcity');
    const [entry] = lib.list();
    expect(entry).toMatchObject({ file, name: 'Shop / Friday', id: snap.id, cluster: snap.cluster.name, source: snap.cluster.source });
    expect(entry.counts).toEqual({
      namespaces: snap.namespaces.length,
      pods: snap.pods.length,
      policies: snap.policies.length,
      roads: snap.roads.length,
      flows: snap.flows.length,
    });
    expect(entry.sizeBytes).toBeGreaterThan(0);
    expect(lib.open(file).pods).toHaveLength(snap.pods.length);

    const second = lib.save(snap, 'Shop / Friday');
    expect(second).toBe('shop-friday-2.netcity');

    const renamed = lib.rename(file, 'Before the change');
    expect(renamed).toBe('before-the-change.netcity');
    expect(fs.existsSync(path.join(lib.dir, file))).toBe(false);
    expect(lib.open(renamed).name).toBe('Before the change');

    const copy = lib.duplicate(renamed);
    const copied = lib.open(copy);
    expect(copied.name).toBe('Before the change (copy)');
    expect(copied.id).not.toBe(snap.id);
    expect(copied.roads).toEqual(lib.open(renamed).roads);

    lib.delete(second);
    expect(lib.list().map((e) => e.file).sort()).toEqual([copy, renamed].sort());
  });

  it('imports a checked snapshot and exports a copy that opens', () => {
    const outside = path.join(dir, 'from-a-colleague.netcity');
    saveSnapshot(outside, demoSnapshot());
    const file = lib.import(outside);
    expect(lib.open(file).name).toBe(demoSnapshot().name);
    const exported = path.join(dir, 'out.netcity');
    lib.export(file, exported);
    expect(openSnapshot(exported).roads).toEqual(demoSnapshot().roads);
  });

  it('refuses to import a foreign SQLite file or a damaged file, and lists bad files with an error', () => {
    const foreign = path.join(dir, 'foreign.netcity');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => lib.import(foreign)).toThrow(/not a NetCity snapshot/);
    const junk = path.join(dir, 'junk.netcity');
    fs.writeFileSync(junk, 'hello, not sqlite at all'.repeat(10));
    expect(() => lib.import(junk)).toThrow(/not a NetCity snapshot/);
    fs.mkdirSync(lib.dir, { recursive: true });
    fs.copyFileSync(junk, path.join(lib.dir, 'broken.netcity'));
    const [entry] = lib.list();
    expect(entry.file).toBe('broken.netcity');
    expect(entry.error).toMatch(/not a NetCity snapshot/);
  });

  it('refuses to export over a file that is not a snapshot', () => {
    const file = lib.save(demoSnapshot());
    const precious = path.join(dir, 'notes.txt');
    fs.writeFileSync(precious, 'my notes');
    expect(() => lib.export(file, precious)).toThrow(/refusing to overwrite/);
    expect(fs.readFileSync(precious, 'utf8')).toBe('my notes');
  });

  it('refuses names that leave the library folder', () => {
    expect(() => lib.open('../x.netcity')).toThrow(/not a library file name/);
    expect(() => lib.delete('/etc/passwd')).toThrow(/not a library file name/);
    expect(() => lib.delete('x.txt')).toThrow(/not a library file name/);
  });

  it('slugs names into safe file names', () => {
    expect(slugOf('Prod / 27 Nov!')).toBe('prod-27-nov');
    expect(slugOf('../../etc')).toBe('etc');
    expect(slugOf('***')).toBe('snapshot');
  });
});

describe('SnapshotLibrary.import and secrets', () => {
  it('refuses a snapshot file that holds a Secret (written by something else)', async () => {
    const { default: Database } = await import('better-sqlite3');
    const outside = path.join(dir, 'leaky.netcity');
    saveSnapshot(outside, demoSnapshot());
    const db = new Database(outside);
    db.prepare("INSERT INTO policies (kind, namespace, name, api_version, manifest) VALUES ('NetworkPolicy', 'shop', 'oops', 'v1', ?)").run(
      JSON.stringify({ kind: 'Secret', data: { password: 'aHVudGVy' } }),
    );
    db.close();
    expect(() => lib.import(outside)).toThrow(/importing .*leaky\.netcity: .*Secret or kubeconfig.*not imported/);
    expect(lib.list()).toEqual([]);
  });
});
