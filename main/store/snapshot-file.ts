/**
 * One snapshot = one .netcity file. saveSnapshot writes a complete file atomically (temp file in
 * the same folder, fsync, rename) and never replaces a file that is not a NetCity snapshot.
 * SnapshotFile is an open handle for reading: the first map (inventory + roads), bounded raw
 * flows, and timeline windows. Finished files use the rollback journal (not WAL) so they can be
 * opened read-only from anywhere (a USB stick, a mail attachment) without -wal/-shm companions.
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { aggregateFlows } from '../flows/aggregate.js';
import type { FlowRecord, RoadAggregate, Snapshot } from '../model/types.js';
import { SnapshotFileError, explainStoreError } from './errors.js';
import { checkHeader, openChecked, type IntegrityCheck } from './file-check.js';
import { readFlows, readHeader, readInventory, readLabelSets, readPeers, readRoads } from './rows-read.js';
import { FlowInserter, writeInventory, writeReview, writeRoads } from './rows-write.js';
import { SCHEMA_VERSION, migrate } from './schema.js';
import { cleanSnapshot } from './secrets.js';
import { aggregateWindow, flowHistogram, flowTimeRange, type FlowTimeRange } from './timeline.js';

export const SNAPSHOT_EXTENSION = '.netcity';
/** Raw flows loaded by openSnapshot unless asked otherwise (as many as a live capture keeps); the file may hold many more. */
export const DEFAULT_OPEN_RAW_FLOWS = 10_000;

export interface SaveOptions {
  /** Caps the new file at this many pages (SQLITE_FULL beyond): lets tests simulate a full disk. */
  maxPages?: number;
}

export interface OpenOptions {
  /** Newest raw flows to load (default 10,000; 0 loads none). Roads are always complete. */
  maxRawFlows?: number;
  /** Restrict raw flows and roads to this time window (roads re-aggregated from raw flows). */
  window?: { from?: number; to?: number };
  /** Integrity check on open: 'quick' (default: everything but raw flows), 'full' or 'none'. */
  check?: IntegrityCheck;
}

/** A temp path next to `path` (same filesystem, so rename is atomic). */
export function tempPathFor(path: string): string {
  const dir = nodePath.dirname(path);
  const base = nodePath.basename(path);
  return nodePath.join(dir, `.${base}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

function removeQuietly(path: string): void {
  for (const p of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    try {
      fs.unlinkSync(p);
    } catch {
      /* already gone */
    }
  }
}

function fsyncPath(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } catch {
    /* some filesystems (and directories on some OSes) refuse fsync; rename still orders writes */
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses to replace anything that is not a NetCity snapshot this app can read: a foreign,
 * damaged or newer-schema file at `path` stays untouched.
 */
export function assertReplaceable(path: string, doing: string): void {
  // A -wal beside it belongs to a capture still writing (or interrupted): replacing the file
  // under it would pair that log with the wrong database.
  const wal = `${path}-wal`;
  if (fs.existsSync(wal) && fs.statSync(wal).size > 0) {
    throw new SnapshotFileError(
      'exists',
      path,
      `refusing to overwrite ${path}: a capture is still writing it or was interrupted (${nodePath.basename(wal)} is beside it). Stop that capture, or choose another file name (an interrupted capture still opens: NetCity reads it as it is, and appending to it with \`netcity import-flows FILE --out\` folds it back into one file).`,
    );
  }
  if (!fs.existsSync(path)) return;
  try {
    const { db } = openChecked(path, { readonly: true, check: 'none', doing });
    db.close();
  } catch (err) {
    const e = explainStoreError(err, path, doing);
    if (e.code === 'read-only') throw e;
    throw new SnapshotFileError(
      e.code === 'newer-schema' ? 'newer-schema' : 'exists',
      path,
      `refusing to overwrite ${path}: ${e.message.replace(/^.*?: /, '')} Choose another file name or move that file away first.`,
    );
  }
}

/** Refuses early, with a clear message, when the folder cannot take a new file. */
export function assertWritableFolder(path: string, doing: string): void {
  const dir = nodePath.dirname(path);
  if (!fs.existsSync(dir)) throw new SnapshotFileError('not-found', path, `${doing} snapshot ${path}: the folder ${dir} does not exist. Create it or pick another folder.`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    throw explainStoreError(err, path, doing);
  }
}

/** Creates a fresh database at `path` with the current schema and bulk-write pragmas. */
export function createDatabase(path: string, opts: SaveOptions = {}): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  if (opts.maxPages) db.pragma(`max_page_count = ${opts.maxPages}`);
  migrate(db);
  return db;
}

/** Writes flows within the caller's transaction. */
export function insertFlows(db: Database.Database, flows: Iterable<FlowRecord>): void {
  const ins = new FlowInserter(db);
  for (const f of flows) ins.insert(f);
  ins.finish();
}

/**
 * Saves a whole snapshot as `path`, atomically: either the complete new file is there, or the
 * previous file (if any) is untouched. Secrets are refused or redacted (see secrets.ts).
 */
export function saveSnapshot(path: string, snap: Snapshot, opts: SaveOptions = {}): void {
  const { snapshot } = cleanSnapshot(snap);
  assertReplaceable(path, 'saving');
  assertWritableFolder(path, 'saving');
  const dir = nodePath.dirname(path);
  const tmp = tempPathFor(path);
  let db: Database.Database | undefined;
  try {
    db = createDatabase(tmp, opts);
    const roads = snapshot.roads.length > 0 || snapshot.flows.length === 0 ? snapshot.roads : aggregateFlows(snapshot.flows);
    db.transaction(() => {
      writeInventory(db!, snapshot);
      writeReview(db!, snapshot);
      writeRoads(db!, roads);
      insertFlows(db!, snapshot.flows);
    })();
    db.close();
    db = undefined;
    fsyncPath(tmp);
    fs.renameSync(tmp, path);
    fsyncPath(dir);
  } catch (err) {
    try {
      db?.close();
    } catch {
      /* closing a failed connection */
    }
    removeQuietly(tmp);
    throw explainStoreError(err, path, 'saving');
  }
}

/** Copies a file (and its -wal) to a temp folder: read-only commands migrate or recover the copy, never the file. */
function workingCopy(path: string): string {
  const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'netcity-open-'));
  const copy = nodePath.join(dir, nodePath.basename(path));
  fs.copyFileSync(path, copy);
  if (fs.existsSync(`${path}-wal`)) fs.copyFileSync(`${path}-wal`, `${copy}-wal`);
  return copy;
}

/** Brings a checked working copy to the current schema, as a plain rollback-journal file. */
function migrateCopy(copy: string): void {
  const db = new Database(copy, { fileMustExist: true });
  try {
    migrate(db);
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

export interface SnapshotFileInfo {
  path: string;
  sizeBytes: number;
  schemaVersion: number;
  /** Schema the file had before this open migrated it (same as schemaVersion when none ran). */
  originalSchemaVersion: number;
  flows: FlowTimeRange;
  /** False when a capture writing this file stopped without closing it (crash, kill). */
  closedCleanly: boolean;
  flowsPruned: number;
}

/** An open .netcity file, read-only. Close it when done. */
export class SnapshotFile {
  private closed = false;
  /** Interned peers and label sets, re-read only when a writer (another connection) added some. */
  private dictsCache: { peers: Map<number, string>; labelSets: Map<number, string[]>; version: string } | undefined;

  private dicts(): { peers: Map<number, string>; labelSets: Map<number, string[]> } {
    const v = this.db.prepare('SELECT (SELECT MAX(id) FROM peers) AS p, (SELECT MAX(id) FROM label_sets) AS l').get() as { p: number | null; l: number | null };
    const version = `${v.p}/${v.l}`;
    if (this.dictsCache?.version !== version) this.dictsCache = { peers: readPeers(this.db), labelSets: readLabelSets(this.db), version };
    return this.dictsCache;
  }

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
    private readonly originalVersion: number,
    private readonly tempCopy?: string,
  ) {}

  /**
   * Opens and checks a snapshot file, read-only: the file itself is never changed. An older
   * schema is migrated in a temp copy; so is a WAL-mode file with no -wal/-shm beside it (a
   * read-only open would leave them there).
   */
  static open(path: string, opts: { check?: IntegrityCheck } = {}): SnapshotFile {
    const check = opts.check ?? 'quick';
    const header = checkHeader(path);
    const companions = fs.existsSync(`${path}-wal`) || fs.existsSync(`${path}-shm`);
    let first: ReturnType<typeof openChecked> | undefined;
    if (!header.wal || companions) {
      first = openChecked(path, { readonly: true, check });
      if (first.schemaVersion === SCHEMA_VERSION) return new SnapshotFile(path, first.db, first.schemaVersion);
      first.db.close();
    }
    let copy: string;
    try {
      copy = workingCopy(path);
    } catch (err) {
      throw explainStoreError(err, path, 'copying');
    }
    try {
      const checked = openChecked(copy, { readonly: true, check: first ? 'none' : check });
      checked.db.close();
      migrateCopy(copy);
      return new SnapshotFile(path, openChecked(copy, { readonly: true, check: 'none' }).db, first?.schemaVersion ?? checked.schemaVersion, copy);
    } catch (err) {
      fs.rmSync(nodePath.dirname(copy), { recursive: true, force: true });
      const e = explainStoreError(err, path, 'opening');
      throw new SnapshotFileError(e.code, path, e.message.split(copy).join(path));
    }
  }

  info(): SnapshotFileInfo {
    const cap = this.db.prepare("SELECT clean, flows_pruned FROM capture WHERE one = 1").get() as { clean: number; flows_pruned: number } | undefined;
    return {
      path: this.path,
      sizeBytes: fs.statSync(this.tempCopy ?? this.path).size,
      schemaVersion: SCHEMA_VERSION,
      originalSchemaVersion: this.originalVersion,
      flows: flowTimeRange(this.db),
      closedCleanly: cap ? cap.clean === 1 : true,
      flowsPruned: cap?.flows_pruned ?? 0,
    };
  }

  /** Id, name, cluster, road builder and window only: cheap, for library listings. */
  header(): Pick<Snapshot, 'model' | 'id' | 'name' | 'createdAt' | 'cluster' | 'roadBuilder' | 'window'> {
    return readHeader(this.db);
  }

  /** The whole snapshot: inventory, complete roads, and the newest raw flows within the bound. */
  load(opts: Omit<OpenOptions, 'check'> = {}): Snapshot {
    const inv = readInventory(this.db);
    const from = opts.window?.from;
    const to = opts.window?.to;
    const windowed = from !== undefined || to !== undefined;
    let roads: RoadAggregate[] = windowed ? this.roadsInWindow(from, to) : readRoads(this.db);
    if (!windowed && roads.length === 0) roads = this.roadsInWindow();
    const limit = opts.maxRawFlows ?? DEFAULT_OPEN_RAW_FLOWS;
    const flows = limit > 0 ? readFlows(this.db, limit, from, to, this.dicts()) : [];
    return { ...inv, window: windowed ? { from, to } : inv.window, flows, roads };
  }

  /** Roads of the raw flows with from <= time <= to: the timeline scrubber. */
  roadsInWindow(from?: number, to?: number): RoadAggregate[] {
    return aggregateWindow(this.db, from, to, this.dicts().peers);
  }

  /** The newest `limit` raw flows in the window, oldest first. */
  flowsInWindow(from?: number, to?: number, limit = DEFAULT_OPEN_RAW_FLOWS): FlowRecord[] {
    return readFlows(this.db, limit, from, to, this.dicts());
  }

  timeRange(): FlowTimeRange {
    return flowTimeRange(this.db);
  }

  histogram(from: number, to: number, buckets: number): number[] {
    return flowHistogram(this.db, from, to, buckets);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    if (this.tempCopy) fs.rmSync(nodePath.dirname(this.tempCopy), { recursive: true, force: true });
  }
}

/** Opens, checks and reads a snapshot file (see OpenOptions). */
export function openSnapshot(path: string, opts: OpenOptions = {}): Snapshot {
  const file = SnapshotFile.open(path, { check: opts.check });
  try {
    return file.load(opts);
  } catch (err) {
    throw explainStoreError(err, path, 'reading');
  } finally {
    file.close();
  }
}

/** Timeline: roads of the flows in [from, to] from a path or an open file. */
export function roadsInWindow(target: string | SnapshotFile, from?: number, to?: number): RoadAggregate[] {
  if (typeof target !== 'string') return target.roadsInWindow(from, to);
  const file = SnapshotFile.open(target, { check: 'none' });
  try {
    return file.roadsInWindow(from, to);
  } finally {
    file.close();
  }
}

/** Checks a file without loading it (header, schema, integrity); throws SnapshotFileError. */
export function validateSnapshotFile(path: string): SnapshotFileInfo {
  checkHeader(path, 'checking');
  const file = SnapshotFile.open(path, { check: 'full' });
  try {
    return file.info();
  } finally {
    file.close();
  }
}
