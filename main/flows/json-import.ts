/**
 * Streaming import of Hubble JSON-lines files: never holds a whole file, reports invalid lines by
 * number (valid ones are kept), reports a truncated last line, gives progress and stops on abort
 * keeping what it already read. Flows go to a RoadAggregator (roads always complete, raw flows
 * bounded) and, in batches, to an optional sink such as a snapshot store writer.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { RoadAggregator } from './aggregate.js';
import { parseHubbleLine } from './hubble-json.js';
import type { FlowMappingOptions } from './hubble-flow.js';

export interface InvalidLine {
  file: string;
  line: number;
  message: string;
}

export interface ImportProgress {
  file: string;
  bytesRead: number;
  /** Size on disk; absent for streams of unknown length. */
  totalBytes?: number;
  lines: number;
  flows: number;
  invalid: number;
}

export interface ImportOptions extends FlowMappingOptions {
  /** Where flows are aggregated; pass one seeded with an existing snapshot's roads to add to it. */
  aggregator?: RoadAggregator;
  /** Receives flows in batches (e.g. to append them to a store); awaited, so it applies backpressure. */
  onFlows?: (batch: FlowRecord[]) => void | Promise<void>;
  onProgress?: (p: ImportProgress) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
  /** Invalid lines described in the result (all are counted). Default 1000. */
  maxInvalidKept?: number;
  /** Warnings kept (lost events, unavailable nodes); the rest are counted in one more warning. Default 1000. */
  maxWarningsKept?: number;
  /** Longer lines are reported invalid rather than buffered. Default 8 MiB. */
  maxLineBytes?: number;
  batchSize?: number;
}

export interface ImportResult {
  files: string[];
  lines: number;
  flows: number;
  ignored: number;
  invalidCount: number;
  invalid: InvalidLine[];
  warnings: CaptureWarning[];
  /** Set when a file's last line had no newline and did not parse: the file was cut short. */
  truncated: InvalidLine[];
  cancelled: boolean;
  firstTime?: number;
  lastTime?: number;
  aggregator: RoadAggregator;
}

const NL = 0x0a;

class ImportRun {
  readonly result: ImportResult;
  private batch: FlowRecord[] = [];
  private lastProgress = 0;
  private warningsDropped = 0;

  constructor(readonly opts: ImportOptions) {
    this.result = {
      files: [],
      lines: 0,
      flows: 0,
      ignored: 0,
      invalidCount: 0,
      invalid: [],
      warnings: [],
      truncated: [],
      cancelled: false,
      aggregator: opts.aggregator ?? new RoadAggregator(),
    };
  }

  private invalid(file: string, line: number, message: string): void {
    this.result.invalidCount++;
    if (this.result.invalid.length < (this.opts.maxInvalidKept ?? 1000)) this.result.invalid.push({ file, line, message });
  }

  private async handleLine(file: string, lineNo: number, text: string, isLastWithoutNewline: boolean): Promise<void> {
    const r = this.result;
    r.lines++;
    const parsed = parseHubbleLine(text, { ...this.opts, source: this.opts.source ?? 'import' });
    switch (parsed.kind) {
      case 'flow': {
        const f = parsed.flow;
        r.flows++;
        r.aggregator.add(f);
        if (r.firstTime === undefined || f.time < r.firstTime) r.firstTime = f.time;
        if (r.lastTime === undefined || f.time > r.lastTime) r.lastTime = f.time;
        if (this.opts.onFlows) {
          this.batch.push(f);
          if (this.batch.length >= (this.opts.batchSize ?? 1000)) await this.flush();
        }
        break;
      }
      case 'warnings':
        for (const w of parsed.warnings) {
          if (r.warnings.length < (this.opts.maxWarningsKept ?? 1000)) r.warnings.push(w);
          else this.warningsDropped++;
        }
        break;
      case 'ignored':
        r.ignored++;
        break;
      case 'invalid':
        if (isLastWithoutNewline) {
          r.truncated.push({ file, line: lineNo, message: `last line is cut short (no newline, ${parsed.message}); the file was probably truncated while being written` });
          r.invalidCount++;
        } else this.invalid(file, lineNo, parsed.message);
        break;
    }
  }

  async flush(): Promise<void> {
    if (this.batch.length && this.opts.onFlows) {
      const b = this.batch;
      this.batch = [];
      await this.opts.onFlows(b);
    }
  }

  progress(p: Omit<ImportProgress, 'lines' | 'flows' | 'invalid'>, force = false): void {
    if (!this.opts.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastProgress < (this.opts.progressEveryMs ?? 200)) return;
    this.lastProgress = now;
    this.opts.onProgress({ ...p, lines: this.result.lines, flows: this.result.flows, invalid: this.result.invalidCount });
  }

  async readStream(file: string, stream: AsyncIterable<Buffer | string>, bytes: () => number, totalBytes?: number): Promise<void> {
    const maxLine = this.opts.maxLineBytes ?? 8 * 1024 * 1024;
    let rest: Buffer = Buffer.alloc(0);
    let lineNo = 0;
    let skippingLongLine = false;
    this.result.files.push(file);
    for await (const raw of stream) {
      if (this.opts.signal?.aborted) {
        this.result.cancelled = true;
        break;
      }
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(NL, start);
        if (nl < 0) break;
        lineNo++;
        if (skippingLongLine) {
          skippingLongLine = false;
        } else if (nl - start > maxLine) {
          this.invalid(file, lineNo, `line longer than ${maxLine} bytes, skipped`);
        } else {
          await this.handleLine(file, lineNo, buf.toString('utf8', start, nl), false);
        }
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : Buffer.alloc(0);
      if (rest.length > maxLine) {
        // Report once, then drop bytes until the line ends.
        if (!skippingLongLine) this.invalid(file, lineNo + 1, `line longer than ${maxLine} bytes, skipped`);
        skippingLongLine = true;
        rest = Buffer.alloc(0);
      }
      this.progress({ file, bytesRead: bytes(), totalBytes });
    }
    if (!this.result.cancelled && rest.length && !skippingLongLine) {
      lineNo++;
      await this.handleLine(file, lineNo, rest.toString('utf8'), true);
    }
    await this.flush();
    this.progress({ file, bytesRead: bytes(), totalBytes }, true);
  }

  finish(): ImportResult {
    if (this.warningsDropped > 0) {
      this.result.warnings.push({
        time: this.result.lastTime ?? Date.now(),
        kind: 'stale',
        count: this.warningsDropped,
        message: `${this.warningsDropped} more capture warning(s) not listed`,
      });
    }
    return this.result;
  }
}

async function openFile(path: string): Promise<{ stream: Readable; bytes: () => number; size: number }> {
  let size: number;
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw new Error(`flows file ${path}: is not a regular file`);
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`flows file ${path}: not found (check the path; export one with \`hubble observe -o jsonpb > flows.json\`)`);
    if (code === 'EACCES') throw new Error(`flows file ${path}: permission denied (check the file's permissions)`);
    throw e;
  }
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  const bytes = () => file.bytesRead;
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip()) : file;
  if (stream !== file) file.on('error', (err) => stream.destroy(err));
  return { stream, bytes, size };
}

/** Imports Hubble JSON-lines files (plain or .gz) one after the other. */
export async function importHubbleFiles(paths: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const run = new ImportRun(opts);
  for (const path of paths) {
    if (opts.signal?.aborted) {
      run.result.cancelled = true;
      break;
    }
    const { stream, bytes, size } = await openFile(path);
    try {
      await run.readStream(path, stream, bytes, size);
    } catch (e) {
      throw new Error(`flows file ${path}: read failed: ${(e as Error).message}`);
    } finally {
      stream.destroy();
    }
    if (run.result.cancelled) break;
  }
  return run.finish();
}

export const importHubbleFile = (path: string, opts: ImportOptions = {}): Promise<ImportResult> => importHubbleFiles([path], opts);

/** Imports from any byte stream (a dropped file in the app, stdin); `name` is used in messages. */
export async function importHubbleStream(name: string, stream: AsyncIterable<Buffer | string>, opts: ImportOptions = {}): Promise<ImportResult> {
  const run = new ImportRun(opts);
  let n = 0;
  async function* counting(): AsyncIterable<Buffer | string> {
    for await (const c of stream) {
      n += typeof c === 'string' ? Buffer.byteLength(c) : c.length;
      yield c;
    }
  }
  await run.readStream(name, counting(), () => n);
  return run.finish();
}
