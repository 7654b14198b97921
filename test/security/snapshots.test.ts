/**
 * Hostile and damaged .netcity files (issue #21 items 3, 6, 10): views, triggers and foreign
 * objects refused before any query; read-only commands change no file (no migration in place, no
 * -wal/-shm left beside a WAL file); nothing is appended to a file the full integrity check
 * rejects; a fuzz of byte-flipped, truncated and edited variants gives only clear errors.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import { SnapshotFileError } from '../../main/store/errors.js';
import { openSnapshot, saveSnapshot, validateSnapshotFile } from '../../main/store/snapshot-file.js';
import { SnapshotWriter } from '../../main/store/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-store-'));
const base = join(dir, 'base.netcity');
const hash = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const companions = (p: string) => ['-wal', '-shm', '-journal'].filter((ext) => existsSync(p + ext));
let n = 0;
const variant = (edit?: (db: Database.Database) => void): string => {
  const p = join(dir, `v${n++}.netcity`);
  copyFileSync(base, p);
  if (edit) {
    const db = new Database(p);
    edit(db);
    db.close();
  }
  return p;
};
const errorOf = (f: () => unknown): unknown => {
  try {
    f();
    return undefined;
  } catch (err) {
    return err;
  }
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => {
  // The demo's flows fill many pages of the flows table (what the quick check skips).
  saveSnapshot(base, demoSnapshot());
});

describe('hostile schema objects are refused before any query', () => {
  it('a view over an endless recursive query (instead of the pods table)', () => {
    const p = variant((db) => {
      db.exec('DROP TABLE pods');
      db.exec(
        'CREATE VIEW pods AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) ' +
          "SELECT 'ns' AS namespace, 'p' || x AS name, '{}' AS labels, '[]' AS ips, NULL AS node, 'Running' AS phase, 0 AS host_network, NULL AS workload_kind, NULL AS workload_name, NULL AS service_account, '[]' AS containers, 0 AS created_at FROM r",
      );
    });
    const before = hash(p);
    const err = errorOf(() => openSnapshot(p));
    expect(err).toBeInstanceOf(SnapshotFileError);
    expect((err as SnapshotFileError).code).toBe('foreign');
    expect((err as Error).message).toMatch(/holds a view named "pods"/);
    expect(hash(p)).toBe(before);
  });

  it('a trigger that would run during append', () => {
    const p = variant((db) => db.exec('CREATE TRIGGER wipe AFTER INSERT ON flows BEGIN DELETE FROM pods; END'));
    const before = hash(p);
    const err = errorOf(() => SnapshotWriter.append(p).close());
    expect((err as SnapshotFileError).code).toBe('foreign');
    expect((err as Error).message).toMatch(/a trigger named "wipe"/);
    expect(hash(p)).toBe(before);
  });

  it('an extra table, or one of ours defined differently', () => {
    const extra = variant((db) => db.exec('CREATE TABLE payload (x)'));
    expect((errorOf(() => openSnapshot(extra)) as SnapshotFileError).code).toBe('foreign');
    const changed = variant((db) => {
      db.exec('DROP TABLE namespaces');
      db.exec('CREATE TABLE namespaces (name TEXT PRIMARY KEY, labels TEXT NOT NULL, extra TEXT)');
    });
    expect((errorOf(() => openSnapshot(changed)) as Error).message).toMatch(/defined differently/);
  });
});

describe('read-only commands change nothing', () => {
  it('a WAL-mode file opens without leaving -wal/-shm beside it', () => {
    const p = variant((db) => db.pragma('journal_mode = WAL'));
    expect(readFileSync(p)[18]).toBe(2);
    expect(companions(p)).toEqual([]);
    const before = hash(p);
    expect(openSnapshot(p).pods.length).toBeGreaterThan(0);
    validateSnapshotFile(p);
    expect(companions(p)).toEqual([]);
    expect(hash(p)).toBe(before);
  });

  it('a garbage -journal is reported as an interrupted write, not as read-only, and stays', () => {
    const p = variant();
    writeFileSync(`${p}-journal`, Buffer.alloc(4096, 0x5a));
    const before = hash(p);
    const err = errorOf(() => openSnapshot(p));
    if (err) {
      expect((err as SnapshotFileError).code).not.toBe('read-only');
      expect((err as Error).message).toMatch(/-journal/);
    }
    expect(hash(p)).toBe(before);
  });
});

describe('fuzz: 90 damaged or edited variants', () => {
  // A fixed-seed PRNG: the same variants every run.
  let seed = 0x2117;
  const rand = (max: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % max;
  };
  const variants: { name: string; path: string }[] = [];
  beforeAll(() => {
    const size = readFileSync(base).length;
    const make = (name: string, edit: (b: Buffer) => Buffer) => {
      const p = join(dir, `fuzz-${variants.length}.netcity`);
      writeFileSync(p, edit(Buffer.from(readFileSync(base))));
      variants.push({ name, path: p });
    };
    for (let i = 0; i < 60; i++)
      make(`flip-${i}`, (b) => {
        for (let k = 0, m = 1 + rand(8); k < m; k++) b[100 + rand(size - 100)] ^= 1 + rand(255);
        return b;
      });
    for (let i = 0; i < 15; i++) make(`truncate-${i}`, (b) => b.subarray(0, 100 + rand(size - 100)));
    for (let i = 0; i < 15; i++)
      make(`header-${i}`, (b) => {
        b[16 + rand(84)] ^= 1 + rand(255);
        return b;
      });
    // Truncation through the OS too (a file cut at a page boundary keeps a valid header).
    truncateSync(variants[60].path, 4096 * 3);
  });

  it('0 hangs, 0 stack traces, 0 originals modified by read-only commands, 0 writes into damaged files', { timeout: 240_000 }, () => {
    expect(variants.length).toBeGreaterThanOrEqual(80);
    const unexpected: string[] = [];
    const modified: string[] = [];
    const writtenDamaged: string[] = [];
    let damaged = 0;
    for (const v of variants) {
      const before = hash(v.path);
      const results = [() => openSnapshot(v.path), () => validateSnapshotFile(v.path)].map((f) => errorOf(f));
      for (const err of results) if (err !== undefined && !(err instanceof SnapshotFileError)) unexpected.push(`${v.name}: ${(err as Error).stack}`);
      if (hash(v.path) !== before || companions(v.path).length) modified.push(v.name);
      if (results[1] === undefined) continue; // the full check found nothing: a legitimate file
      damaged++;
      const err = errorOf(() => {
        const w = SnapshotWriter.append(v.path);
        w.addFlows(demoSnapshot().flows.slice(0, 3));
        w.close();
      });
      if (err !== undefined && !(err instanceof SnapshotFileError)) unexpected.push(`${v.name} append: ${(err as Error).stack}`);
      if (err === undefined || hash(v.path) !== before) writtenDamaged.push(v.name);
    }
    expect(unexpected).toEqual([]);
    expect(modified).toEqual([]);
    expect(writtenDamaged).toEqual([]);
    expect(damaged).toBeGreaterThanOrEqual(20);
    expect(readdirSync(dir).filter((f) => f.endsWith('-wal') || f.endsWith('-shm'))).toEqual([]);
  });
});
