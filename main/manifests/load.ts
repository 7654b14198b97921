/**
 * Reads manifest files and folders as `kubectl apply -f <path> -R` would.
 * Folders are walked by real path, once: a symlink back to the folder itself or to a parent is
 * not entered again, and a file reached by two paths is read once. Files and the whole input
 * have size caps (a clear error naming the file, the cap and how to raise it, before anything is
 * read), only regular files are read (a device or FIFO named on the command line is refused),
 * and the walk and the parse stop when `signal` aborts.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { convertObjects, type ConvertOptions, type ManifestSet } from './convert.js';
import type { ManifestError } from './parse.js';
import { parseFiles } from './parse-files.js';

export const DEFAULT_MAX_FILE_MB = 64;
export const DEFAULT_MAX_TOTAL_MB = 1024;
const MB = 1024 * 1024;

export interface LoadOptions extends ConvertOptions {
  signal?: AbortSignal;
  /** Called as files are read: how many of how many. */
  onProgress?: (filesDone: number, filesTotal: number) => void;
  /** Largest manifest file read, in MiB (default 64). */
  maxFileMB?: number;
  /** Largest total of all files read, in MiB (default 1024). */
  maxTotalMB?: number;
  /** The app's path confinement: a file or folder (by real path) the walk may enter; others are reported, not read. */
  mayRead?: (realPath: string) => boolean;
  /** How the user raises each cap, named in the error (default: the CLI flags). */
  raiseWith?: { file: string; total: string };
}

/** Input over a size cap: nothing was read. `code` travels to the UI. */
export class ManifestLimitError extends Error {
  override name = 'ManifestLimitError';
  readonly code = 'too-large';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** The walk or the parse was stopped (Ctrl-C, Cancel). */
export class ManifestsCancelledError extends Error {
  override name = 'AbortError';
  readonly code = 'aborted';
  constructor() {
    super('reading manifests was cancelled; nothing was opened');
  }
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

interface Walk {
  files: string[];
  errors: ManifestError[];
  dirs: Set<string>;
  realFiles: Set<string>;
  total: number;
  maxFile: number;
  maxTotal: number;
  opts: LoadOptions;
}

const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MiB`;

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ManifestsCancelledError();
}

async function collect(path: string, explicit: boolean, w: Walk): Promise<void> {
  checkAborted(w.opts.signal);
  let st;
  let real: string;
  try {
    // Synchronous calls: each async one is a thread-pool round trip, which on a busy machine
    // costs more than the call itself (thousands of them for a large folder).
    st = statSync(path);
    real = realpathSync.native(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? 'no such file or folder; check the path' : code === 'ELOOP' ? 'a symlink that points back to itself; nothing to read' : `cannot be read (${code ?? (e as Error).message})`;
    w.errors.push({ file: path, document: 0, message });
    return;
  }
  if (w.opts.mayRead && !w.opts.mayRead(real)) {
    w.errors.push({ file: path, document: 0, message: 'a symlink that leads outside the folders NetCity may use; not read' });
    return;
  }
  if (st.isDirectory()) {
    // A symlink to this folder or a parent (or a second path to a folder already walked).
    if (w.dirs.has(real)) return;
    w.dirs.add(real);
    let entries: string[];
    try {
      entries = readdirSync(path).sort();
    } catch (e) {
      w.errors.push({ file: path, document: 0, message: `folder cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      await collect(join(path, name), false, w);
    }
    return;
  }
  if (!explicit && !EXTENSIONS.test(path)) return;
  if (!st.isFile()) {
    w.errors.push({ file: path, document: 0, message: 'not a regular file (a device, socket or pipe); give a manifest file or folder' });
    return;
  }
  if (w.realFiles.has(real)) return;
  w.realFiles.add(real);
  if (st.size > w.maxFile) {
    const raise = w.opts.raiseWith?.file ?? '--max-file-mb N';
    throw new ManifestLimitError(path, `${path}: the file is ${fmtMB(st.size)}, over the ${fmtMB(w.maxFile)} cap for one manifest file; nothing was read. Split it, or raise the cap with ${raise}.`);
  }
  w.total += st.size;
  if (w.total > w.maxTotal) {
    const raise = w.opts.raiseWith?.total ?? '--max-total-mb N';
    throw new ManifestLimitError(
      path,
      `${path}: the manifests read so far add up to ${fmtMB(w.total)} with this file, over the ${fmtMB(w.maxTotal)} cap for one load; nothing was read. Give fewer files, or raise the cap with ${raise}.`,
    );
  }
  w.files.push(path);
}

export async function loadManifests(paths: string[], opts: LoadOptions = {}): Promise<ManifestSet> {
  const w: Walk = {
    files: [],
    errors: [],
    dirs: new Set(),
    realFiles: new Set(),
    total: 0,
    maxFile: (opts.maxFileMB ?? DEFAULT_MAX_FILE_MB) * MB,
    maxTotal: (opts.maxTotalMB ?? DEFAULT_MAX_TOTAL_MB) * MB,
    opts,
  };
  for (const p of paths) await collect(p, true, w);
  const { objects, errors: parseErrors } = await parseFiles(w.files, { signal: opts.signal, onProgress: opts.onProgress, maxFileBytes: w.maxFile, totalBytes: w.total });
  checkAborted(opts.signal);
  for (const e of parseErrors) w.errors.push(e);
  return convertObjects(objects, opts, w.errors, w.files);
}
