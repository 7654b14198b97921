/**
 * Auto-save while capturing. The file is in WAL mode with synchronous=NORMAL: each flush is one
 * committed transaction that survives a crash or kill of this process, and flushes happen at
 * least every `flushIntervalMs` (default 500 ms: a timer, plus a check on every add so a busy
 * loop cannot starve it). So a crash loses at most about one interval of flows.
 * close() checkpoints and switches the file back to a single self-contained file (journal DELETE).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { CaptureWarning, Finding, FlowRecord, Note, PeerId, Position, ProbeResult, RoadAggregate, Snapshot } from '../model/types.js';
import { SnapshotFileError, explainStoreError } from './errors.js';
import { openChecked } from './file-check.js';
import { FlowInserter, writeFindings, writeInventory, writeNotes, writePositions, writeProbes, writeReview, writeRoads, writeWarnings } from './rows-write.js';
import { migrate } from './schema.js';
import { cleanFlow, cleanSnapshot } from './secrets.js';
import { assertReplaceable, assertWritableFolder, createDatabase, insertFlows, tempPathFor } from './snapshot-file.js';
import { aggregateWindow } from './timeline.js';

export interface WriterOptions {
  /** Longest time pending data waits before it is committed. Default 500 ms. */
  flushIntervalMs?: number;
  /** Raw flows kept in the file; the oldest are pruned beyond (roads stay complete). Default 5,000,000. */
  maxRawFlows?: number;
  /** A size cap in database pages (SQLite answers SQLITE_FULL beyond it); tests use it to stand in for a full disk. */
  maxPages?: number;
}

export const DEFAULT_FLUSH_INTERVAL_MS = 500;
export const DEFAULT_MAX_STORED_FLOWS = 5_000_000;

export class SnapshotWriter {
  private pendingFlows: FlowRecord[] = [];
  private pendingRoads = new Map<string, RoadAggregate>();
  private pendingProbes: ProbeResult[] = [];
  private pendingWarnings: CaptureWarning[] = [];
  private pendingFindings: Finding[] | undefined;
  private pendingNotes: Note[] = [];
  private pendingPositions: Record<PeerId, Position> = {};
  private pendingInventory: Snapshot | undefined;
  private inserter: FlowInserter;
  private readonly timer: NodeJS.Timeout;
  private lastFlush = Date.now();
  private storedFlows: number;
  private closed = false;
  private readonly flushIntervalMs: number;
  private readonly maxRawFlows: number;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    opts: WriterOptions,
  ) {
    this.flushIntervalMs = Math.max(10, opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    this.maxRawFlows = Math.max(0, opts.maxRawFlows ?? DEFAULT_MAX_STORED_FLOWS);
    if (opts.maxPages) db.pragma(`max_page_count = ${Math.floor(opts.maxPages)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoint (copy the WAL into the file, with an fsync) every 64 MiB of WAL rather than SQLite's
    // 4 MiB: a bulk write spends far less time checkpointing. Each commit is still atomic and
    // survives a crash of this process, as before.
    db.pragma('wal_autocheckpoint = 16384');
    this.inserter = new FlowInserter(db);
    this.storedFlows = (db.prepare('SELECT COUNT(*) AS n FROM flows').get() as { n: number }).n;
    db.prepare('UPDATE capture SET clean = 0, started_at = COALESCE(started_at, ?) WHERE one = 1').run(Date.now());
    this.timer = setInterval(() => this.flushQuietly(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Starts a capture file holding `snap` (inventory, policies, any flows and roads it has). */
  static create(path: string, snap: Snapshot, opts: WriterOptions = {}): SnapshotWriter {
    const { snapshot } = cleanSnapshot(snap);
    assertReplaceable(path, 'starting a capture in');
    assertWritableFolder(path, 'starting a capture in');
    const tmp = tempPathFor(path);
    let db: Database.Database | undefined;
    try {
      db = createDatabase(tmp);
      db.transaction(() => {
        writeInventory(db!, snapshot);
        writeReview(db!, snapshot);
        writeRoads(db!, snapshot.roads);
        insertFlows(db!, snapshot.flows);
      })();
      db.close();
      db = undefined;
      fs.renameSync(tmp, path);
    } catch (err) {
      try {
        db?.close();
      } catch {
        /* closing a failed connection */
      }
      for (const p of [tmp, `${tmp}-journal`]) fs.rmSync(p, { force: true });
      throw explainStoreError(err, path, 'starting a capture in');
    }
    return SnapshotWriter.append(path, opts);
  }

  /** Continues writing an existing snapshot file (checked first; older schemas are migrated). */
  static append(path: string, opts: WriterOptions = {}): SnapshotWriter {
    const { db } = openChecked(path, { readonly: false, check: 'full', doing: 'appending to' });
    try {
      migrate(db);
      return new SnapshotWriter(path, db, opts);
    } catch (err) {
      db.close();
      throw explainStoreError(err, path, 'appending to');
    }
  }

  addFlows(flows: FlowRecord[]): void {
    this.assertOpen();
    for (const f of flows) this.pendingFlows.push(cleanFlow(f));
    this.flushIfDue();
  }

  /** Latest aggregate per road key wins (roads are cumulative). */
  putRoads(roads: RoadAggregate[]): void {
    this.assertOpen();
    for (const r of roads) this.pendingRoads.set(r.key, r);
    this.flushIfDue();
  }

  putProbes(probes: ProbeResult[]): void {
    this.assertOpen();
    this.pendingProbes.push(...probes);
    this.flushIfDue();
  }

  putWarnings(warnings: CaptureWarning[]): void {
    this.assertOpen();
    this.pendingWarnings.push(...warnings);
    this.flushIfDue();
  }

  /** Replaces all findings. */
  putFindings(findings: Finding[]): void {
    this.assertOpen();
    this.pendingFindings = findings;
    this.flushIfDue();
  }

  putNotes(notes: Note[]): void {
    this.assertOpen();
    this.pendingNotes.push(...notes);
    this.flushIfDue();
  }

  putPositions(positions: Record<PeerId, Position>): void {
    this.assertOpen();
    Object.assign(this.pendingPositions, positions);
    this.flushIfDue();
  }

  /** Replaces header, inventory and policies (e.g. after watch events); flows and roads are kept. */
  putInventory(snap: Snapshot): void {
    this.assertOpen();
    this.pendingInventory = cleanSnapshot({ ...snap, flows: [], roads: [] }).snapshot;
    this.flushIfDue();
  }

  /** Timeline over what is committed so far. */
  roadsInWindow(from?: number, to?: number): RoadAggregate[] {
    this.assertOpen();
    this.flush();
    return aggregateWindow(this.db, from, to);
  }

  get pendingCount(): number {
    return this.pendingFlows.length;
  }

  /** Commits everything pending in one transaction. On failure nothing pending is lost. */
  flush(): void {
    this.assertOpen();
    const flows = this.pendingFlows;
    const hasWork =
      flows.length > 0 ||
      this.pendingRoads.size > 0 ||
      this.pendingProbes.length > 0 ||
      this.pendingWarnings.length > 0 ||
      this.pendingFindings !== undefined ||
      this.pendingNotes.length > 0 ||
      Object.keys(this.pendingPositions).length > 0 ||
      this.pendingInventory !== undefined;
    this.lastFlush = Date.now();
    if (!hasWork) return;
    try {
      this.db.transaction(() => {
        const db = this.db;
        if (this.pendingInventory) writeInventory(db, this.pendingInventory);
        let min = Infinity;
        let max = -Infinity;
        for (const f of flows) {
          const t = this.inserter.insert(f);
          if (t < min) min = t;
          if (t > max) max = t;
        }
        this.inserter.finish();
        if (flows.length > 0) {
          db.prepare(
            'UPDATE snapshot SET window_from = MIN(COALESCE(window_from, ?), ?), window_to = MAX(COALESCE(window_to, ?), ?) WHERE one = 1',
          ).run(min, min, max, max);
        }
        writeRoads(db, [...this.pendingRoads.values()]);
        writeProbes(db, this.pendingProbes);
        writeWarnings(db, this.pendingWarnings);
        if (this.pendingFindings) writeFindings(db, this.pendingFindings, true);
        writeNotes(db, this.pendingNotes, false);
        writePositions(db, this.pendingPositions, false);
        const excess = this.storedFlows + flows.length - this.maxRawFlows;
        if (excess > 0) {
          db.prepare('DELETE FROM flows WHERE id IN (SELECT id FROM flows ORDER BY time, id LIMIT ?)').run(excess);
          db.prepare('UPDATE capture SET flows_pruned = flows_pruned + ? WHERE one = 1').run(excess);
        }
        db.prepare('UPDATE capture SET last_flush_at = ? WHERE one = 1').run(this.lastFlush);
      })();
    } catch (err) {
      // The rollback also undid newly interned peers and label sets: start from what is stored.
      this.inserter = new FlowInserter(this.db);
      throw explainStoreError(err, this.path, 'auto-saving', false);
    }
    this.storedFlows = Math.min(this.maxRawFlows, this.storedFlows + flows.length);
    this.pendingFlows = [];
    this.pendingRoads = new Map();
    this.pendingProbes = [];
    this.pendingWarnings = [];
    this.pendingFindings = undefined;
    this.pendingNotes = [];
    this.pendingPositions = {};
    this.pendingInventory = undefined;
  }

  /** Flushes, marks the capture as cleanly closed and folds the WAL back into the one file. */
  /**
   * A flush that fails (a full disk) still leaves the file whole: what was committed stays, the
   * file is marked closed cleanly and folded back from WAL into one file, then the error is thrown.
   */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    let failure: SnapshotFileError | undefined;
    try {
      this.flush();
    } catch (err) {
      failure = explainStoreError(err, this.path, 'closing', false);
    }
    try {
      this.db.prepare('UPDATE capture SET clean = 1 WHERE one = 1').run();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.pragma('journal_mode = DELETE');
    } catch (err) {
      failure ??= explainStoreError(err, this.path, 'closing', false);
    } finally {
      this.closed = true;
      this.db.close();
    }
    if (failure) throw failure;
  }

  private flushIfDue(): void {
    if (Date.now() - this.lastFlush >= this.flushIntervalMs) this.flush();
  }

  /** The timer has nobody to throw to: a failed flush keeps its data and is retried next tick. */
  private flushQuietly(): void {
    if (this.closed) return;
    try {
      this.flush();
    } catch (err) {
      this.lastError = err instanceof SnapshotFileError ? err : explainStoreError(err, this.path, 'auto-saving', false);
    }
  }

  /** The last failure of a timer flush, for the capture's status line. */
  lastError: SnapshotFileError | undefined;

  private assertOpen(): void {
    if (this.closed) throw new SnapshotFileError('closed', this.path, `snapshot ${this.path} is already closed; open it again to add more.`);
  }
}

/**
 * Folds a crashed capture's -wal back into its file (everything committed before the crash is
 * kept) and leaves a single self-contained file. The capture stays marked as not closed cleanly
 * only in the sense that its data stops where the crash happened; the file is whole again.
 */
export function recoverSnapshotFile(path: string): void {
  SnapshotWriter.append(path).close();
}
