import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../model/scenario/demo.js';
import { insertFlows } from './snapshot-file.js';
import { writeInventory, writeReview, writeRoads } from './rows-write.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersionOf } from './schema.js';
import { SnapshotFile, openSnapshot, saveSnapshot } from './snapshot-file.js';
import { SnapshotWriter } from './writer.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-schema-'));
});
afterEach(() => {
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A file exactly as NetCity wrote it at schema 1 (before the capture table existed). */
function writeV1File(file: string): void {
  const db = new Database(file);
  migrate(db, 1);
  const snap = demoSnapshot();
  db.transaction(() => {
    writeInventory(db, snap);
    writeReview(db, snap);
    writeRoads(db, snap.roads);
    insertFlows(db, snap.flows);
  })();
  db.close();
}

describe('schema migrations', () => {
  it('numbers migrations 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('opens a schema-1 file through a migrated copy: the file stays at schema 1 (an older NetCity still opens it)', () => {
    const file = path.join(dir, 'old.netcity');
    writeV1File(file);
    const probe = new Database(file, { readonly: true });
    expect(schemaVersionOf(probe)).toBe(1);
    expect(probe.prepare("SELECT name FROM sqlite_master WHERE name = 'capture'").get()).toBeUndefined();
    probe.close();

    const f = SnapshotFile.open(file);
    const info = f.info();
    f.close();
    expect(info.originalSchemaVersion).toBe(1);
    expect(info.schemaVersion).toBe(SCHEMA_VERSION);
    expect(info.closedCleanly).toBe(true);
    const back = openSnapshot(file, { maxRawFlows: 1e6 });
    expect(back.roads).toEqual(demoSnapshot().roads);
    expect(back.flows).toHaveLength(demoSnapshot().flows.length);
    const after = new Database(file, { readonly: true });
    expect(schemaVersionOf(after)).toBe(1);
    after.close();
  });

  it('opens a schema-1 file on read-only storage through a migrated temp copy, leaving it untouched', () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes; the integration tests cover read-only media as an unprivileged user.
      return;
    }
    const file = path.join(dir, 'old.netcity');
    writeV1File(file);
    const before = fs.readFileSync(file);
    fs.chmodSync(file, 0o444);
    fs.chmodSync(dir, 0o555);
    const back = openSnapshot(file);
    expect(back.pods).toHaveLength(demoSnapshot().pods.length);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('re-codes the flows of a schema-3 file into integer columns (schema 4) and reads back every flow unchanged', () => {
    const snap = demoSnapshot();
    const oldFile = path.join(dir, 'v3.netcity');
    const db = new Database(oldFile);
    migrate(db, 3);
    db.transaction(() => {
      writeInventory(db, snap);
      writeReview(db, snap);
      writeRoads(db, snap.roads);
      insertFlows(db, snap.flows); // text columns: the inserter follows the file's schema
    })();
    expect((db.prepare('SELECT typeof(verdict) AS t FROM flows LIMIT 1').get() as { t: string }).t).toBe('text');
    db.close();
    const newFile = path.join(dir, 'v4.netcity');
    saveSnapshot(newFile, snap);
    const fromOld = openSnapshot(oldFile, { maxRawFlows: 1e6 });
    const fromNew = openSnapshot(newFile, { maxRawFlows: 1e6 });
    expect(fromOld.flows.length).toBe(snap.flows.length);
    expect(fromOld.flows).toEqual(fromNew.flows);

    // Appending migrates the file itself; old and new rows read back alike, codes are integers.
    const w = SnapshotWriter.append(oldFile);
    w.addFlows(snap.flows.slice(0, 5));
    w.close();
    const check = new Database(oldFile, { readonly: true });
    expect(schemaVersionOf(check)).toBe(SCHEMA_VERSION);
    const types = check.prepare('SELECT DISTINCT typeof(source) || typeof(protocol) || typeof(verdict) AS t FROM flows').pluck().all();
    expect(types).toEqual(['integerintegerinteger']);
    const strings = check.prepare('SELECT text FROM strings').pluck().all() as string[];
    expect(new Set(strings).size).toBe(strings.length);
    check.close();
    const appended = openSnapshot(oldFile, { maxRawFlows: 1e6 });
    expect(appended.flows.length).toBe(snap.flows.length + 5);
    const both = path.join(dir, 'both.netcity');
    saveSnapshot(both, { ...snap, flows: [...snap.flows, ...snap.flows.slice(0, 5)] });
    const key = (f: (typeof snap.flows)[number]) => JSON.stringify(f);
    expect(appended.flows.map(key).sort()).toEqual(openSnapshot(both, { maxRawFlows: 1e6 }).flows.map(key).sort());
  });

  it('applies each migration in its own transaction and records it', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 1)).toEqual([1]);
    expect(migrate(db)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
    expect(migrate(db)).toEqual([]);
    const rows = db.prepare('SELECT version, description FROM schema_version ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, description: m.description })));
    db.close();
  });
});
