/**
 * An append that hits a full disk (issue #21 item 10): the file keeps its data, is left as one
 * self-contained file (journal mode DELETE, no -wal/-shm beside it), is not marked as an
 * interrupted capture, and the error says the disk is full. A real full disk (a small tmpfs) when
 * this test may mount one, else SQLite's own SQLITE_FULL through a page cap.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../main/model/scenario/demo.js';
import type { FlowRecord } from '../../main/model/types.js';
import { SnapshotFileError } from '../../main/store/errors.js';
import { openSnapshot, saveSnapshot } from '../../main/store/snapshot-file.js';
import { SnapshotWriter } from '../../main/store/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'netcity-sec-full-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

function smallDisk(name: string, bytes: number): string | undefined {
  if (process.getuid?.() !== 0 || process.platform !== 'linux') return undefined;
  const at = join(dir, name);
  mkdirSync(at);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', at]).status !== 0) return undefined;
  mounts.push(at);
  return at;
}

/** Many distinct flows (each its own row), times after the demo's. */
function manyFlows(n: number): FlowRecord[] {
  const base = demoSnapshot().flows;
  const t0 = Math.max(...base.map((f) => f.time)) + 1000;
  return Array.from({ length: n }, (_, i) => ({ ...base[i % base.length], time: t0 + i, l7: { type: 'http' as const, method: 'GET', path: `/items/${i}/${'x'.repeat(60)}` } }));
}

/** What a later reader sees of the file: journal mode from its header, the capture flag, companions. */
function stateOf(path: string) {
  const header = readFileSync(path).subarray(18, 20);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      wal: header[0] === 2 || header[1] === 2,
      companions: ['-wal', '-shm', '-journal'].filter((x) => existsSync(path + x)),
      clean: (db.prepare('SELECT clean FROM capture WHERE one = 1').get() as { clean: number }).clean,
      integrity: (db.pragma('integrity_check') as { integrity_check: string }[])[0].integrity_check,
    };
  } finally {
    db.close();
  }
}

function appendUntilFull(path: string, opts: { flushIntervalMs: number; maxPages?: number }): unknown {
  const w = SnapshotWriter.append(path, opts);
  let caught: unknown;
  try {
    for (let i = 0; i < 40 && !caught; i++) {
      try {
        w.addFlows(manyFlows(2000));
        if (opts.flushIntervalMs <= 10) w.flush();
      } catch (err) {
        caught = err;
      }
    }
  } finally {
    try {
      w.close();
    } catch (err) {
      caught ??= err;
    }
  }
  return caught;
}

describe('an append that hits a full disk', () => {
  const cases = (['one big commit', 'after several commits'] as const).flatMap((mode) => [
    { mode, full: 'tmpfs' as const },
    { mode, full: 'page cap' as const },
  ]);
  for (const [i, { mode, full }] of cases.entries()) {
    it(`leaves the file whole, not in WAL mode, not marked interrupted (${mode}, ${full})`, () => {
      const probe = join(dir, `probe-${i}.netcity`);
      saveSnapshot(probe, demoSnapshot());
      const size = statSync(probe).size;
      // Without permission to mount, the page cap stands in for the tmpfs.
      const disk = full === 'tmpfs' ? smallDisk(`disk-${i}`, size + 512 * 1024) : undefined;
      const file = join(disk ?? dir, `city-${i}.netcity`);
      saveSnapshot(file, demoSnapshot());
      const flowsBefore = openSnapshot(file, { maxRawFlows: 10_000_000 }).flows.length;
      const maxPages = disk ? undefined : Math.ceil(size / 4096) + 128;

      const err = appendUntilFull(file, { flushIntervalMs: mode === 'one big commit' ? 3_600_000 : 10, maxPages });

      expect(err).toBeInstanceOf(SnapshotFileError);
      expect((err as SnapshotFileError).code).toBe('disk-full');
      expect((err as Error).message).toMatch(/the disk is full\. Free some space and try again/);
      const s = stateOf(file);
      expect(s).toEqual({ wal: false, companions: [], clean: 1, integrity: 'ok' });
      const after = openSnapshot(file, { maxRawFlows: 10_000_000 });
      expect(after.flows.length).toBeGreaterThanOrEqual(flowsBefore);
      if (mode === 'one big commit') expect(after.flows.length).toBe(flowsBefore);
      expect(after.warnings.some((w) => /interrupted/i.test(w.message))).toBe(false);
    });
  }
});
