/**
 * Reads and parses manifest files, on two cores when there is enough to read and a core to
 * spare: one worker thread (parse-worker.ts) takes every other file while this thread parses the
 * rest. On a busy machine (load average at or above the core count) the worker only adds its
 * start-up and copying (measured: bench/analyze.bench.ts), so it is not used. Results
 * keep the files' order (a later definition wins, so order matters). Small inputs, and builds
 * without the compiled worker (the bundled app, tests from source), parse here.
 * NETCITY_PARSE_WORKERS=0 turns the worker off, =1 forces it (tests compare both).
 */
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
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
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) return fail(`the file is larger than the ${Math.round(maxBytes / 1048576)} MiB cap for one manifest file (it grew while being read); nothing of it was read`);
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await handle.read(buf, got, size - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      text = buf.toString('utf8', 0, got);
    } finally {
      await handle.close();
    }
  } catch (e) {
    return fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseManifestText(text, file);
}

async function useWorker(files: string[]): Promise<boolean> {
  const setting = process.env.NETCITY_PARSE_WORKERS;
  if (setting === '0' || files.length < 2 || !existsSync(WORKER_FILE)) return false;
  if (setting === '1') return true;
  if (availableParallelism() < 2 || loadavg()[0] >= availableParallelism() - 0.5) return false;
  let bytes = 0;
  for (const f of files) {
    bytes += await stat(f).then((s) => s.size, () => 0);
    if (bytes >= WORKER_MIN_BYTES) return true;
  }
  return false;
}

export async function parseFiles(files: string[], opts: ParseFilesOptions = {}): Promise<ParsedFile> {
  const results: (ParsedFile | undefined)[] = new Array(files.length);
  let done = 0;
  const finish = (i: number, r: ParsedFile) => {
    results[i] = r;
    opts.onProgress?.(++done, files.length);
  };
  opts.onProgress?.(0, files.length);
  const mine = files.map((_, i) => i);
  let worker: Worker | undefined;
  let workerDone: Promise<void> = Promise.resolve();
  if (await useWorker(files)) {
    const theirs = mine.filter((i) => i % 2 === 1);
    mine.splice(0, mine.length, ...mine.filter((i) => i % 2 === 0));
    const w = new Worker(WORKER_FILE, { workerData: { files: theirs.map((i) => files[i]), maxBytes: opts.maxFileBytes } });
    worker = w;
    workerDone = new Promise((resolve) => {
      let k = 0;
      w.on('message', (r: ParsedFile) => finish(theirs[k++], r));
      // A worker that fails only costs the parallelism: 'exit' follows and this thread parses what is left.
      w.on('error', () => {});
      w.once('exit', () => {
        mine.push(...theirs.slice(k));
        resolve();
      });
    });
    opts.signal?.addEventListener('abort', () => void w.terminate(), { once: true });
  }
  for (let j = 0; j < mine.length; j++) {
    if (opts.signal?.aborted) break;
    finish(mine[j], await parseFile(files[mine[j]], opts.maxFileBytes));
  }
  try {
    await workerDone;
  } finally {
    await worker?.terminate();
  }
  for (const i of mine) if (!results[i] && !opts.signal?.aborted) finish(i, await parseFile(files[i], opts.maxFileBytes));
  const out: ParsedFile = { objects: [], errors: [] };
  for (const r of results) {
    if (!r) continue;
    for (const o of r.objects) out.objects.push(o);
    for (const e of r.errors) out.errors.push(e);
  }
  return out;
}
