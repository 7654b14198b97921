/**
 * Store faults with real processes and files: a capture killed with SIGKILL, damaged, foreign and
 * newer-schema files, read-only media (as an unprivileged user when run as root) and a full disk
 * (a small tmpfs when we may mount one, else a page cap).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { demoSnapshot } from '../../../main/model/scenario/demo.js';
import { generateScenario } from '../../../main/model/scenario/generate.js';
import { SnapshotFileError } from '../../../main/store/errors.js';
import { SnapshotFile, openSnapshot, saveSnapshot, validateSnapshotFile } from '../../../main/store/snapshot-file.js';
import { SnapshotWriter, recoverSnapshotFile } from '../../../main/store/writer.js';
import { SnapshotLibrary } from '../../../main/store/library.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
// Under node_modules so the bundle resolves better-sqlite3 like the app does.
const CHILD = path.join(ROOT, 'node_modules/.cache/netcity-store-test', `fault-child-${process.pid}.mjs`);

beforeAll(async () => {
  const { build } = await import('rolldown');
  await build({
    input: path.join(import.meta.dirname, 'fault-child.ts'),
    platform: 'node',
    external: ['better-sqlite3'],
    logLevel: 'silent',
    output: { file: CHILD, format: 'esm' },
  });
});
afterAll(() => fs.rmSync(CHILD, { force: true }));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netcity-faults-'));
  fs.chmodSync(dir, 0o755);
});
afterEach(() => {
  spawnSync('chmod', ['-R', 'u+w', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function expectStoreError(fn: () => unknown, code: SnapshotFileError['code'], message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SnapshotFileError);
  expect((caught as SnapshotFileError).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
}

const bytesOf = (file: string): Buffer => fs.readFileSync(file);

describe('a capture killed mid-write', () => {
  it('opens with every flow committed before the kill, losing at most about a second', async () => {
    const file = path.join(dir, 'capture.netcity');
    const child = spawn(process.execPath, [CHILD, 'capture', file, '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const progress: { n: number; at: number }[] = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^added (\d+) (\d+)$/.exec(l);
        if (m) progress.push({ n: Number(m[1]), at: Number(m[2]) });
      }
    });
    const start = Date.now();
    while (progress.length === 0 || Date.now() - progress[0].at < 2200) {
      if (child.exitCode !== null) throw new Error(`capture child exited early: ${stderr}`);
      if (Date.now() - start > 20_000) throw new Error(`capture child made no progress: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(fs.existsSync(`${file}-wal`)).toBe(true);

    // Added at least a second before the kill must be on disk (the child flushes every 500 ms).
    const mustHave = Math.max(0, ...progress.filter((p) => p.at <= killedAt - 1000).map((p) => p.n));
    const reported = progress[progress.length - 1].n;
    expect(mustHave).toBeGreaterThan(0);

    const f = SnapshotFile.open(file);
    const range = f.timeRange();
    expect(f.info().closedCleanly).toBe(false);
    f.close();
    expect(range.count).toBeGreaterThanOrEqual(mustHave);
    expect(range.count).toBeLessThanOrEqual(reported + 50);
    // Whole batches, no gaps: flows 0..count-1.
    expect(range).toEqual({ count: range.count, from: 0, to: range.count - 1 });
    const snap = openSnapshot(file, { maxRawFlows: 10 });
    expect(snap.pods).toHaveLength(demoSnapshot().pods.length);
    expect(snap.roads.reduce((s, r) => s + r.count, 0)).toBe(range.count);

    // Saving over it is refused while its WAL is there (it would pair the log with a new file).
    expectStoreError(() => saveSnapshot(file, demoSnapshot()), 'exists', /capture\.netcity: a capture is still writing it or was interrupted/);

    // Recovery folds the WAL back in: one file again, nothing lost, and then it can be replaced.
    recoverSnapshotFile(file);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const recovered = SnapshotFile.open(file);
    expect(recovered.timeRange()).toEqual(range);
    recovered.close();
    saveSnapshot(file, demoSnapshot());
  });
});

describe('damaged and foreign files', () => {
  it('random bytes: a clear error, and saving over it is refused', () => {
    const file = path.join(dir, 'random.netcity');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256)));
    const before = bytesOf(file);
    expectStoreError(() => openSnapshot(file), 'corrupt', /random\.netcity: this is not a NetCity snapshot/);
    expectStoreError(() => saveSnapshot(file, demoSnapshot()), 'exists', /refusing to overwrite .*random\.netcity/);
    expectStoreError(() => SnapshotWriter.create(file, demoSnapshot()), 'exists', /refusing to overwrite/);
    expect(bytesOf(file).equals(before)).toBe(true);
  });

  it('an empty file and a truncated snapshot', () => {
    const empty = path.join(dir, 'empty.netcity');
    fs.writeFileSync(empty, '');
    expectStoreError(() => openSnapshot(empty), 'corrupt', /empty \(0 bytes\)/);

    const file = path.join(dir, 'cut.netcity');
    saveSnapshot(file, demoSnapshot());
    const whole = bytesOf(file);
    fs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const before = bytesOf(file);
    expectStoreError(() => openSnapshot(file), 'corrupt', /cut\.netcity: the file is truncated/);
    expectStoreError(() => saveSnapshot(file, demoSnapshot()), 'exists', /refusing to overwrite/);
    expect(bytesOf(file).equals(before)).toBe(true);

    fs.writeFileSync(file, whole.subarray(0, 60));
    expectStoreError(() => openSnapshot(file), 'corrupt', /truncated/);
  });

  it('damaged pages inside a snapshot fail the integrity check', () => {
    const file = path.join(dir, 'bitrot.netcity');
    saveSnapshot(file, demoSnapshot());
    const buf = bytesOf(file);
    const pageSize = buf.readUInt16BE(16);
    // Scribble over the middle of every page after the first (the header stays valid).
    for (let p = 1; p * pageSize < buf.length; p++) buf.fill(0xa5, p * pageSize + 8, p * pageSize + 200);
    fs.writeFileSync(file, buf);
    expectStoreError(() => openSnapshot(file), 'corrupt', /bitrot\.netcity: (the integrity check failed|the file is damaged)/);
    expect(bytesOf(file).equals(buf)).toBe(true);
  });

  it('damage among raw flows: the first map still opens, reading those flows or a full check says corrupt', () => {
    const file = path.join(dir, 'flows-rot.netcity');
    const snap = generateScenario({ seed: 5, namespaces: 5, pods: 50, policies: 5, flows: 20_000, maxRawFlows: 20_000 });
    saveSnapshot(file, snap);
    const buf = bytesOf(file);
    const pageSize = buf.readUInt16BE(16);
    // Flows are written last, so the file's tail pages hold flow rows and their time index.
    const pages = buf.length / pageSize;
    for (let p = Math.floor(pages * 0.8); p < pages; p++) buf.fill(0x5a, p * pageSize + 8, p * pageSize + 300);
    fs.writeFileSync(file, buf);
    const first = openSnapshot(file, { maxRawFlows: 0 });
    expect(first.pods).toHaveLength(snap.pods.length);
    expect(first.roads).toEqual(snap.roads);
    expectStoreError(() => openSnapshot(file, { maxRawFlows: 20_000 }), 'corrupt', /flows-rot\.netcity: .*damaged/);
    expectStoreError(() => validateSnapshotFile(file), 'corrupt', /flows-rot\.netcity: the integrity check failed/);
    expect(bytesOf(file).equals(buf)).toBe(true);
  });

  it('a SQLite file from another application', () => {
    const file = path.join(dir, 'other.netcity');
    const db = new Database(file);
    db.exec("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine')");
    db.close();
    const before = bytesOf(file);
    expectStoreError(() => openSnapshot(file), 'foreign', /other\.netcity: this is a SQLite database but not a NetCity snapshot/);
    expectStoreError(() => saveSnapshot(file, demoSnapshot()), 'exists', /refusing to overwrite .*not a NetCity snapshot/);
    expectStoreError(() => SnapshotWriter.append(file), 'foreign', /not a NetCity snapshot/);
    expect(bytesOf(file).equals(before)).toBe(true);
  });

  it('a snapshot from a newer NetCity', () => {
    const file = path.join(dir, 'future.netcity');
    saveSnapshot(file, demoSnapshot());
    const db = new Database(file);
    db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (99, 0, ?)').run('from the future');
    db.close();
    const before = bytesOf(file);
    expectStoreError(() => openSnapshot(file), 'newer-schema', /written by a newer NetCity \(schema 99; this version knows up to \d+\)\. Update NetCity/);
    expectStoreError(() => SnapshotWriter.append(file), 'newer-schema', /Update NetCity/);
    expectStoreError(() => saveSnapshot(file, demoSnapshot()), 'newer-schema', /refusing to overwrite/);
    expect(new SnapshotLibrary(path.join(dir, 'lib')).list()).toEqual([]);
    expect(bytesOf(file).equals(before)).toBe(true);
  });
});

const runsAsRoot = process.getuid?.() === 0;
const NOBODY = 65534;
/**
 * As root, permission bits do not bind, so the read-only checks run the child as nobody; nobody
 * must be able to reach this checkout. A clone inside a private folder (mktemp's 0700) is out of
 * its reach: those checks are skipped there, saying why (CI clones into a 0755 folder and runs them).
 */
const nobodyCannotReach = runsAsRoot && spawnSync('test', ['-r', path.join(ROOT, 'package.json')], { uid: NOBODY, gid: NOBODY }).status !== 0;
if (nobodyCannotReach) console.warn(`read-only media checks skipped: running as root, and user nobody cannot read ${ROOT} (a parent folder is private); clone into a world-readable folder to run them`);

/** Runs a store operation in a child, as an unprivileged user when we are root (root ignores file modes). */
function tryAs(op: string, file: string): { ok: boolean; code?: string; message?: string } {
  const r = spawnSync(process.execPath, [CHILD, 'try', op, file], {
    encoding: 'utf8',
    ...(runsAsRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    env: { ...process.env, HOME: dir },
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe.skipIf(nobodyCannotReach)('read-only media', () => {
  it('opens a snapshot in a read-only folder, refuses to save or append there with a clear message', () => {
    const ro = path.join(dir, 'usb');
    fs.mkdirSync(ro);
    const file = path.join(ro, 'shared.netcity');
    saveSnapshot(file, demoSnapshot());
    fs.chmodSync(file, 0o444);
    fs.chmodSync(ro, 0o555);
    const before = bytesOf(file);

    expect(tryAs('open', file)).toEqual({ ok: true });
    const save = tryAs('save', path.join(ro, 'new.netcity'));
    expect(save).toMatchObject({ ok: false, code: 'read-only' });
    expect(save.message).toMatch(/new\.netcity: the file or its folder is read-only .*Choose a writable location/);
    const over = tryAs('save', file);
    expect(over).toMatchObject({ ok: false, code: 'read-only' });
    const append = tryAs('append', file);
    expect(append).toMatchObject({ ok: false, code: 'read-only' });
    expect(append.message).toMatch(/shared\.netcity: the file or its folder is read-only/);
    expect(bytesOf(file).equals(before)).toBe(true);
    expect(fs.readdirSync(ro)).toEqual(['shared.netcity']);
  });

  it('a capture left mid-write on read-only media: says to copy it somewhere writable', async () => {
    const ro = path.join(dir, 'usb');
    fs.mkdirSync(ro);
    const file = path.join(ro, 'crashed.netcity');
    // Simulate the crash: copy the main file and its WAL while the writer is still open.
    const live = path.join(dir, 'live.netcity');
    const w = SnapshotWriter.create(live, demoSnapshot());
    w.addFlows(demoSnapshot().flows.slice(0, 10));
    w.flush();
    fs.copyFileSync(live, file);
    fs.copyFileSync(`${live}-wal`, `${file}-wal`);
    w.close();
    fs.chmodSync(ro, 0o555);
    const r = tryAs('open', file);
    if (r.ok) return; // this SQLite build could read the WAL without a -shm: fine too
    expect(r.code).toBe('read-only');
    expect(r.message).toMatch(/crashed\.netcity: .*left mid-capture.*Copy it .*to a writable folder/);
  });
});

/** A small tmpfs (a real full disk) when we are allowed to mount, else undefined. */
function mountSmallDisk(at: string, size: string): boolean {
  if (!runsAsRoot || process.platform !== 'linux') return false;
  fs.mkdirSync(at, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]).status === 0;
}

describe('a full disk', () => {
  it('saving fails with a clear message, leaves no temp file and keeps the previous snapshot', () => {
    const disk = path.join(dir, 'disk');
    const mounted = mountSmallDisk(disk, '2m');
    if (!mounted) fs.mkdirSync(disk);
    try {
      const file = path.join(disk, 'city.netcity');
      saveSnapshot(file, demoSnapshot());
      const before = bytesOf(file);
      const big = generateScenario({ seed: 3, namespaces: 20, pods: 2000, policies: 100, flows: 20_000, maxRawFlows: 20_000 });
      let caught: unknown;
      try {
        saveSnapshot(file, big, mounted ? {} : { maxPages: Math.ceil(before.length / 4096) });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SnapshotFileError);
      expect((caught as SnapshotFileError).code).toBe('disk-full');
      expect((caught as Error).message).toMatch(/city\.netcity: the disk is full\. Free some space and try again\. The original file was not changed\./);
      expect(bytesOf(file).equals(before)).toBe(true);
      expect(fs.readdirSync(disk)).toEqual(['city.netcity']);
    } finally {
      if (mounted) spawnSync('umount', [disk]);
    }
  });
});
