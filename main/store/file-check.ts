/**
 * Recognising a .netcity file before trusting it: the SQLite header says whether it is SQLite at
 * all, whether it is ours (application_id), and whether it was cut short (page count vs size).
 * Then, once open: schema version known to this app, and SQLite's own quick_check.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { SnapshotFileError, explainStoreError } from './errors.js';
import { APPLICATION_ID, SCHEMA_VERSION, migrate } from './schema.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface HeaderFacts {
  sizeBytes: number;
  pageSize: number;
  applicationId: number;
  /** The file is in WAL mode (a capture was writing it): a plain read-only open would create -wal/-shm beside it. */
  wal: boolean;
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
  return { sizeBytes: st.size, pageSize, applicationId, wal: head[18] === 2 || head[19] === 2 };
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

interface SchemaObject {
  type: string;
  name: string;
  sql: string | null;
}

const normalSql = (sql: string | null) => (sql ?? '').replace(/\s+/g, ' ').trim();
const objectKey = (o: SchemaObject) => `${o.type} ${o.name}`;
/** Tables SQLite itself may add (ANALYZE statistics). */
const SQLITE_OWN = new Set(['sqlite_stat1', 'sqlite_stat4']);
const expectedCache = new Map<number, Map<string, string>>();

/** The objects our own migrations create up to `version` (built once in memory). */
function expectedSchema(version: number): Map<string, string> {
  let m = expectedCache.get(version);
  if (!m) {
    const mem = new Database(':memory:');
    try {
      migrate(mem, version);
      const rows = mem.prepare('SELECT type, name, sql FROM sqlite_master').all() as SchemaObject[];
      m = new Map(rows.map((o) => [objectKey(o), normalSql(o.sql)]));
    } finally {
      mem.close();
    }
    expectedCache.set(version, m);
  }
  return m;
}

/**
 * The file's schema against our own, before any other query: a view, trigger or virtual table
 * would run code of the file's choosing when we read or write it (an endless recursive view, a
 * trigger on insert), so a file holding one, or any object our migrations do not create, is
 * refused. Returns the schema version.
 */
function checkSchema(db: Database.Database, path: string, doing: string): number {
  const objects = db.prepare('SELECT type, name, sql FROM sqlite_master').all() as SchemaObject[];
  const refuse = (what: string) =>
    new SnapshotFileError(
      'foreign',
      path,
      `${doing} snapshot ${path}: it holds ${what}, which NetCity never writes, so it was not read (such objects can run queries of the file's choosing). Open a .netcity file saved by NetCity. The file was not changed.`,
    );
  const active = objects.find((o) => o.type === 'view' || o.type === 'trigger' || /^\s*CREATE\s+VIRTUAL/i.test(o.sql ?? ''));
  if (active) throw refuse(`a ${/VIRTUAL/i.test(active.sql ?? '') ? 'virtual table' : active.type} named ${JSON.stringify(active.name.slice(0, 80))}`);
  if (!objects.some((o) => o.type === 'table' && o.name === 'schema_version')) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: unknown };
  const version = typeof row.v === 'number' && Number.isInteger(row.v) ? row.v : 0;
  if (version <= 0 || version > SCHEMA_VERSION) return version;
  const expected = expectedSchema(version);
  const seen = new Set<string>();
  for (const o of objects) {
    if (o.type === 'table' && SQLITE_OWN.has(o.name)) continue;
    const want = expected.get(objectKey(o));
    if (want === undefined) throw refuse(`a ${o.type} named ${JSON.stringify(o.name.slice(0, 80))}`);
    if (want !== normalSql(o.sql)) throw refuse(`a ${o.type} ${JSON.stringify(o.name.slice(0, 80))} defined differently from NetCity's schema ${version}`);
    seen.add(objectKey(o));
  }
  const missing = [...expected.keys()].find((k) => !seen.has(k));
  if (missing) throw new SnapshotFileError('corrupt', path, `${doing} snapshot ${path}: its schema lacks ${missing}; it was not saved completely. Restore it from a copy. The file was not changed.`);
  return version;
}

/** Tables left to a 'full' check: large, and read lazily by time range. */
const LAZY_TABLES = new Set(['flows']);

function integrityProblems(db: Database.Database, level: IntegrityCheck): string {
  if (level === 'none') return 'ok';
  if (level === 'full') return (db.pragma('integrity_check(5)') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  const run = (arg: string) => (db.pragma(`quick_check(${arg})`) as { quick_check: string }[]).map((r) => r.quick_check);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const problems: string[] = [];
  for (const t of tables) {
    if (LAZY_TABLES.has(t)) continue;
    for (const r of run(`"${t.replace(/"/g, '""')}"`)) if (r !== 'ok') problems.push(r);
    if (problems.length >= 5) break;
  }
  return problems.length ? problems.join('; ') : 'ok';
}

/**
 * Opens a checked file: header, then the schema against ours (before any other query), then the
 * integrity check. Throws 'foreign' for objects we never write, 'newer-schema' when the file is
 * from a newer NetCity, 'corrupt' when a check fails. A writable open is checked on a read-only
 * connection first, and writers ask for the full check: nothing is written into a damaged file.
 */
export function openChecked(path: string, opts: { readonly: boolean; check: IntegrityCheck; doing?: string }): OpenedDb {
  const doing = opts.doing ?? 'opening';
  if (!opts.readonly) {
    const checked = openChecked(path, { ...opts, readonly: true });
    checked.db.close();
    try {
      return { db: new Database(path, { fileMustExist: true }), schemaVersion: checked.schemaVersion };
    } catch (err) {
      throw explainStoreError(err, path, doing);
    }
  }
  checkHeader(path, doing);
  // A file left mid-capture has a -wal that SQLite must index in a -shm beside it.
  const explainOpen = (err: unknown): SnapshotFileError => {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'SQLITE_READONLY_ROLLBACK' || (code.startsWith('SQLITE_READONLY') && fs.existsSync(`${path}-journal`) && isWritable(nodePath.dirname(path)))) {
      return new SnapshotFileError(
        'corrupt',
        path,
        `${doing} snapshot ${path}: a write to it was interrupted (${nodePath.basename(path)}-journal is beside it) and NetCity does not replay a journal when it only reads. Restore the file from a copy; if you know that journal is stale (not from this file), move it away and open the file again. The file was not changed.`,
      );
    }
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
      version = checkSchema(db, path, doing);
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
