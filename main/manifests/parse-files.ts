/**
 * Reads and parses manifest files, on two cores when there is enough to read and a core to spare:
 * one worker thread (parse-worker.ts) and this thread each take the next file from a shared
 * counter until none is left, so the worker's start-up (~30 ms) is spent parsing here and
 * neither thread waits on a fixed share. Results keep the files' order (a later definition wins,
 * so order matters). Small inputs, and builds without the compiled worker (the bundled app,
 * tests from source), parse here. NETCITY_PARSE_WORKERS=0 turns the worker off, =1 forces it
 * (tests compare both).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseManifestText, type ManifestError, type ManifestObject } from './parse.js';

export interface ParsedFile {
  objects: ManifestObject[];
  errors: ManifestError[];
}

export interface ParseFilesOptions {
  signal?: AbortSignal;
  /** A file larger than this (when read: it may have grown since it was listed) is an error of its own. */
  maxFileBytes?: number;
  onProgress?: (filesDone: number, filesTotal: number) => void;
  /** The files' total size when the caller knows it (loadManifests does): saves a stat per file. */
  totalBytes?: number;
}

/** Below this much text a worker's start-up (~30 ms) costs more than it saves. */
const WORKER_MIN_BYTES = 2 * 1024 * 1024;
const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));

/**
 * Reads and parses one file; a file that cannot be read is an error of its own. At most
 * `maxBytes` are read: a file that grew past it since it was listed is refused, not read whole.
 */
export async function parseFile(file: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<ParsedFile> {
  let text: string;
  const fail = (message: string): ParsedFile => ({ objects: [], errors: [{ file, document: 0, message }] });
  try {
    // Synchronous reads: four thread-pool round trips per file (open, stat, read, close) cost
    // more than the reading on a busy machine, and the parse that follows blocks anyway.
    const fd = openSync(file, 'r');
    try {
      const { size } = fstatSync(fd);
      if (size > maxBytes) return fail(`the file is larger than the ${Math.round(maxBytes / 1048576)} MiB cap for one manifest file (it grew while being read); nothing of it was read`);
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const bytesRead = readSync(fd, buf, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      text = buf.toString('utf8', 0, got);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseManifestText(text, file);
}

/** Worker or not: forced by NETCITY_PARSE_WORKERS, else when there is a second core and enough text. */
async function useWorker(files: string[], totalBytes: number | undefined): Promise<boolean> {
  const setting = process.env.NETCITY_PARSE_WORKERS;
  if (setting === '0' || files.length < 2 || !existsSync(WORKER_FILE)) return false;
  if (setting === '1') return true;
  // Not on a busy machine (load average near the core count): there the worker's start-up
  // (~40 ms CPU) and copying (~20% more CPU in all) bought no wall time (measured at load 8 on
  // 2 cores: 10,000 pods' parse 0.42-0.65 s alone, 0.42-0.66 s with it).
  if (availableParallelism() < 2 || loadavg()[0] >= availableParallelism() - 0.5) return false;
  if (totalBytes !== undefined) return totalBytes >= WORKER_MIN_BYTES;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += statSync(f).size;
    } catch {
      // reported when the file is read
    }
    if (bytes >= WORKER_MIN_BYTES) return true;
  }
  return false;
}

/** Lets messages from the worker, progress and Ctrl-C through between files (the reads are synchronous). */
const YIELD_EVERY = 8;
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function parseFiles(files: string[], opts: ParseFilesOptions = {}): Promise<ParsedFile> {
  const results: (ParsedFile | undefined)[] = new Array(files.length);
  let done = 0;
  const finish = (i: number, r: ParsedFile) => {
    results[i] = r;
    opts.onProgress?.(++done, files.length);
  };
  opts.onProgress?.(0, files.length);
  // Both threads take the next file from one shared counter: the worker joins in when it has
  // started (this thread parses meanwhile) and neither waits for the other's share.
  const next = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | undefined;
  let workerDone: Promise<void> = Promise.resolve();
  if (await useWorker(files, opts.totalBytes)) {
    const w = new Worker(WORKER_FILE, { workerData: { files, maxBytes: opts.maxFileBytes, next: next.buffer } });
    worker = w;
    workerDone = new Promise((resolve) => {
      w.on('message', (m: { i: number; r: ParsedFile }) => finish(m.i, m.r));
      // A worker that fails only costs the parallelism: 'exit' follows and this thread parses what is left.
      w.on('error', () => {});
      w.once('exit', () => resolve());
    });
    opts.signal?.addEventListener('abort', () => void w.terminate(), { once: true });
  }
  for (let n = 1; ; n++) {
    if (opts.signal?.aborted) break;
    const i = Atomics.add(next, 0, 1);
    if (i >= files.length) break;
    finish(i, await parseFile(files[i], opts.maxFileBytes));
    if (n % YIELD_EVERY === 0) await yieldToEvents();
  }
  try {
    await workerDone;
  } finally {
    await worker?.terminate();
  }
  // Files the worker took but did not finish (it failed): parsed here.
  for (let i = 0; i < files.length; i++) if (!results[i] && !opts.signal?.aborted) finish(i, await parseFile(files[i], opts.maxFileBytes));
  const out: ParsedFile = { objects: [], errors: [] };
  for (const r of results) {
    if (!r) continue;
    for (const o of r.objects) out.objects.push(o);
    for (const e of r.errors) out.errors.push(e);
  }
  return out;
}
