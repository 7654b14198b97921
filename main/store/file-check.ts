/**
 * Recognising a .netcity file before trusting it: the SQLite header says whether it is SQLite at
 * all, whether it is ours (application_id), and whether it was cut short (page count vs size).
 * Then, once open: schema version known to this app, and SQLite's own quick_check.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { SnapshotFileError, explainStoreError } from './errors.js';
import { APPLICATION_ID, SCHEMA_VERSION, schemaVersionOf } from './schema.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface HeaderFacts {
  sizeBytes: number;
  pageSize: number;
  applicationId: number;
}

/** Reads and checks the 100-byte SQLite header; throws a SnapshotFileError naming what is wrong. */
export function checkHeader(path: string, doing = 'opening'): HeaderFacts {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch (err) {
    throw explainStoreError(err, path, doing);
  }
  if (st.isDirectory()) throw new SnapshotFileError('not-found', path, `${doing} snapshot ${path}: this is a folder, not a .netcity file.`);
  if (st.size === 0) {
    throw new SnapshotFileError('corrupt', path, `${doing} snapshot ${path}: the file is empty (0 bytes). It was not saved completely; capture or copy it again.`);
  }
  const head = Buffer.alloc(100);
  let n: number;
  try {
    const fd = fs.openSync(path, 'r');
    try {
      n = fs.readSync(fd, head, 0, 100, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw explainStoreError(err, path, doing);
  }
  if (n < 16 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new SnapshotFileError(
      'corrupt',
      path,
      `${doing} snapshot ${path}: this is not a NetCity snapshot (not a SQLite database; damaged, or another kind of file). Check that you picked the right .netcity file.`,
    );
  }
  if (n < 100) {
    throw new SnapshotFileError('corrupt', path, `${doing} snapshot ${path}: the file is truncated (${st.size} bytes). Restore it from a copy.`);
  }
  const rawPage = head.readUInt16BE(16);
  const pageSize = rawPage === 1 ? 65536 : rawPage;
  const applicationId = head.readInt32BE(68);
  if (applicationId !== APPLICATION_ID) {
    throw new SnapshotFileError(
      'foreign',
      path,
      `${doing} snapshot ${path}: this is a SQLite database but not a NetCity snapshot (application id 0x${(applicationId >>> 0).toString(16)}). Open a .netcity file saved by NetCity.`,
    );
  }
  // The in-header page count is valid when the change counter matches "version valid for".
  const pages = head.readUInt32BE(28);
  if (head.readUInt32BE(24) === head.readUInt32BE(92) && pages > 0 && st.size < pages * pageSize) {
    throw new SnapshotFileError(
      'corrupt',
      path,
      `${doing} snapshot ${path}: the file is truncated (${st.size} bytes, expected ${pages * pageSize}). Restore it from a copy.`,
    );
  }
  return { sizeBytes: st.size, pageSize, applicationId };
}

export interface OpenedDb {
  db: Database.Database;
  schemaVersion: number;
}

/**
 * Integrity check levels. 'quick' checks every table except the raw flows (what a first map
 * reads: inventory, policies, roads), so opening stays fast however many flows the file holds;
 * damage among raw flows is still reported as 'corrupt' when they are read. 'full' checks the
 * whole file (import, export, validate). 'none' skips it.
 */
export type IntegrityCheck = 'quick' | 'full' | 'none';

/** Tables left to a 'full' check: large, and read lazily by time range. */
const LAZY_TABLES = new Set(['flows']);

function integrityProblems(db: Database.Database, level: IntegrityCheck): string {
  if (level === 'none') return 'ok';
  const run = (arg: string) => (db.pragma(`quick_check(${arg})`) as { quick_check: string }[]).map((r) => r.quick_check);
  if (level === 'full') return run('5').join('; ');
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const problems: string[] = [];
  for (const t of tables) {
    if (LAZY_TABLES.has(t)) continue;
    for (const r of run(`"${t.replace(/"/g, '""')}"`)) if (r !== 'ok') problems.push(r);
    if (problems.length >= 5) break;
  }
  return problems.length ? problems.join('; ') : 'ok';
}

/** Opens a checked file. Throws 'newer-schema' when the file is from a newer NetCity, 'corrupt' when the check fails. */
export function openChecked(path: string, opts: { readonly: boolean; check: IntegrityCheck; doing?: string }): OpenedDb {
  const doing = opts.doing ?? 'opening';
  checkHeader(path, doing);
  // A file left mid-capture has a -wal that SQLite must index in a -shm beside it.
  const explainOpen = (err: unknown): SnapshotFileError => {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CANTOPEN') && !isWritable(nodePath.dirname(path))) {
      return new SnapshotFileError(
        'read-only',
        path,
        `${doing} snapshot ${path}: SQLite cannot open it here: its folder is read-only and the file was left mid-capture (it has a -wal file that needs recovery). Copy it (with its -wal file) to a writable folder and open the copy.`,
      );
    }
    return explainStoreError(err, path, doing);
  };
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: opts.readonly, fileMustExist: true });
  } catch (err) {
    throw explainOpen(err);
  }
  try {
    let version: number;
    try {
      version = schemaVersionOf(db);
    } catch (err) {
      throw explainOpen(err);
    }
    if (version === 0) {
      throw new SnapshotFileError('corrupt', path, `${doing} snapshot ${path}: the file is marked as a NetCity snapshot but has no schema. It was not saved completely.`);
    }
    if (version > SCHEMA_VERSION) {
      throw new SnapshotFileError(
        'newer-schema',
        path,
        `${doing} snapshot ${path}: it was written by a newer NetCity (schema ${version}; this version knows up to ${SCHEMA_VERSION}). Update NetCity to open it. The file was not changed.`,
      );
    }
    if (opts.check !== 'none') {
      let result: string;
      try {
        result = integrityProblems(db, opts.check);
      } catch (err) {
        throw explainStoreError(err, path, doing);
      }
      if (result !== 'ok') {
        throw new SnapshotFileError('corrupt', path, `${doing} snapshot ${path}: the integrity check failed (${result}). Restore it from a copy. The file was not changed.`);
      }
    }
    return { db, schemaVersion: version };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Whether a path can be written by us (the file if it exists, else its folder). */
export function isWritable(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
