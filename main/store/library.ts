/**
 * The library of recent snapshots: a folder of .netcity files (default
 * ~/.config/netcity/snapshots). Files are addressed by their base name inside the folder; names
 * that would escape it are refused. Listing reads only each file's header rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import type { Snapshot } from '../model/types.js';
import { SnapshotFileError, explainStoreError } from './errors.js';
import { openChecked } from './file-check.js';
import { SNAPSHOT_EXTENSION, SnapshotFile, assertReplaceable, openSnapshot, saveSnapshot, tempPathFor, type OpenOptions } from './snapshot-file.js';
import { cleanSnapshot } from './secrets.js';

/** One file's name, cluster, time, size and counts, read from the file itself (no check of the whole file). */
export function snapshotFileEntry(path: string): { path: string; name: string; cluster: string; createdAt: number; sizeBytes: number; pods: number; flows: number } {
  const f = SnapshotFile.open(path, { check: 'none' });
  try {
    const h = f.header();
    const info = f.info();
    const pods = (f.db.prepare('SELECT COUNT(*) AS n FROM pods').get() as { n: number }).n;
    return { path, name: h.name, cluster: h.cluster.name, createdAt: h.createdAt, sizeBytes: info.sizeBytes, pods, flows: info.flows.count };
  } finally {
    f.close();
  }
}

export function defaultLibraryDir(): string {
  const base = process.env.XDG_CONFIG_HOME || nodePath.join(os.homedir(), '.config');
  return nodePath.join(base, 'netcity', 'snapshots');
}

export interface LibraryEntry {
  /** File name inside the library, e.g. "prod-2026-11-27-1205.netcity". */
  file: string;
  path: string;
  sizeBytes: number;
  modifiedAt: number;
  /** Present when the file could be read. */
  id?: string;
  name?: string;
  createdAt?: number;
  cluster?: string;
  source?: Snapshot['cluster']['source'];
  window?: Snapshot['window'];
  counts?: { namespaces: number; pods: number; policies: number; roads: number; flows: number };
  /** Why the file could not be read (damaged, foreign, newer schema...). */
  error?: string;
}

/** "Prod / 27 Nov!" -> "prod-27-nov". */
export function slugOf(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .toLowerCase()
    .slice(0, 80);
  return s || 'snapshot';
}

export class SnapshotLibrary {
  readonly dir: string;

  constructor(dir: string = defaultLibraryDir()) {
    this.dir = nodePath.resolve(dir);
  }

  private ensureDir(): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      throw explainStoreError(err, this.dir, 'creating the snapshot library');
    }
  }

  /** Absolute path of a library file; refuses names with folders in them. */
  pathOf(file: string): string {
    const base = nodePath.basename(file);
    if (base !== file || file === '' || file.startsWith('.') || !file.endsWith(SNAPSHOT_EXTENSION)) {
      throw new SnapshotFileError(
        'invalid-name',
        file,
        `snapshot library: '${file}' is not a library file name (expected a plain name ending in ${SNAPSHOT_EXTENSION}, no folders).`,
      );
    }
    return nodePath.join(this.dir, file);
  }

  /** A free file name for `name`: slug, then -2, -3... */
  private freeFileName(name: string): string {
    const slug = slugOf(name);
    for (let i = 1; ; i++) {
      const file = `${slug}${i === 1 ? '' : `-${i}`}${SNAPSHOT_EXTENSION}`;
      if (!fs.existsSync(nodePath.join(this.dir, file))) return file;
    }
  }

  /** Newest first. Unreadable files are listed with `error` so the user can delete or export them. */
  list(): LibraryEntry[] {
    if (!fs.existsSync(this.dir)) return [];
    const out: LibraryEntry[] = [];
    for (const file of fs.readdirSync(this.dir)) {
      if (!file.endsWith(SNAPSHOT_EXTENSION) || file.startsWith('.')) continue;
      const path = nodePath.join(this.dir, file);
      let st: fs.Stats;
      try {
        st = fs.statSync(path);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const entry: LibraryEntry = { file, path, sizeBytes: st.size, modifiedAt: st.mtimeMs };
      try {
        const f = SnapshotFile.open(path, { check: 'none' });
        try {
          const h = f.header();
          const count = (t: string) => (f.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
          Object.assign(entry, {
            id: h.id,
            name: h.name,
            createdAt: h.createdAt,
            cluster: h.cluster.name,
            source: h.cluster.source,
            window: h.window,
            counts: { namespaces: count('namespaces'), pods: count('pods'), policies: count('policies'), roads: count('roads'), flows: count('flows') },
          });
        } finally {
          f.close();
        }
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
      }
      out.push(entry);
    }
    return out.sort((a, b) => (b.createdAt ?? b.modifiedAt) - (a.createdAt ?? a.modifiedAt) || a.file.localeCompare(b.file));
  }

  /** Saves a snapshot under a new file named after it; returns the file name. */
  save(snap: Snapshot, name: string = snap.name): string {
    this.ensureDir();
    const file = this.freeFileName(name);
    saveSnapshot(this.pathOf(file), { ...snap, name });
    return file;
  }

  open(file: string, opts?: OpenOptions): Snapshot {
    return openSnapshot(this.pathOf(file), opts);
  }

  /** Renames the snapshot (its name inside and its file name); returns the new file name. */
  rename(file: string, newName: string): string {
    const from = this.pathOf(file);
    const { db } = openChecked(from, { readonly: false, check: 'full', doing: 'renaming' });
    try {
      db.prepare('UPDATE snapshot SET name = ? WHERE one = 1').run(newName);
    } catch (err) {
      throw explainStoreError(err, from, 'renaming');
    } finally {
      db.close();
    }
    const target = slugOf(newName) + SNAPSHOT_EXTENSION === file ? file : this.freeFileName(newName);
    if (target !== file) fs.renameSync(from, this.pathOf(target));
    return target;
  }

  delete(file: string): void {
    const path = this.pathOf(file);
    try {
      fs.unlinkSync(path);
    } catch (err) {
      throw explainStoreError(err, path, 'deleting');
    }
    for (const ext of ['-wal', '-shm', '-journal']) fs.rmSync(path + ext, { force: true });
  }

  /** A copy under a new name (and a new id); returns the new file name. */
  duplicate(file: string, newName?: string): string {
    const from = this.pathOf(file);
    const f = SnapshotFile.open(from, { check: 'full' });
    const name = newName ?? `${f.header().name} (copy)`;
    f.close();
    const to = this.freeFileName(name);
    this.copyChecked(from, this.pathOf(to), (db) => {
      db.prepare('UPDATE snapshot SET name = ?, id = ? WHERE one = 1').run(name, `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
    });
    return to;
  }

  /**
   * Copies a .netcity file into the library after checking it (header, schema, integrity, and
   * that it holds no secrets). Returns the new file name.
   */
  import(sourcePath: string): string {
    const src = nodePath.resolve(sourcePath);
    const f = SnapshotFile.open(src, { check: 'full' });
    let name: string;
    try {
      const snap = f.load({ maxRawFlows: 0 });
      try {
        cleanSnapshot(snap);
      } catch (err) {
        throw new SnapshotFileError('secret', src, `importing ${src}: ${(err as Error).message}. The file was not imported.`);
      }
      name = snap.name;
    } finally {
      f.close();
    }
    this.ensureDir();
    const to = this.freeFileName(name);
    this.copyChecked(src, this.pathOf(to));
    return to;
  }

  /** Copies a library file out to `destPath` (never over a file that is not a NetCity snapshot). */
  export(file: string, destPath: string): void {
    const from = this.pathOf(file);
    SnapshotFile.open(from, { check: 'full' }).close();
    const dest = nodePath.resolve(destPath);
    assertReplaceable(dest, 'exporting to');
    this.copyChecked(from, dest);
  }

  /** Copy via a temp file and rename, so the destination is either complete or absent. */
  private copyChecked(from: string, to: string, edit?: (db: Database.Database) => void): void {
    const tmp = tempPathFor(to);
    try {
      // Use SQLite's backup so a file still holding a -wal is copied whole and self-contained.
      const src = new Database(from, { readonly: true, fileMustExist: true });
      try {
        src.exec(`VACUUM INTO '${tmp.replace(/'/g, "''")}'`);
      } finally {
        src.close();
      }
      if (edit) {
        const db = new Database(tmp, { fileMustExist: true });
        try {
          edit(db);
        } finally {
          db.close();
        }
      }
      fs.renameSync(tmp, to);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      fs.rmSync(`${tmp}-journal`, { force: true });
      throw explainStoreError(err, to, 'copying to');
    }
  }
}
