/**
 * Streaming import of Hubble JSON-lines files: never holds a whole file, reports invalid lines by
 * number (valid ones are kept), reports a truncated last line, gives progress and stops on abort
 * keeping what it already read. gzip is recognised by its magic bytes (any file name, streams
 * too); a cut or corrupt gzip keeps what was read and says where it stopped. Flows go to a
 * RoadAggregator (roads complete up to its road cap, raw flows bounded) and, in batches, to an
 * optional sink such as a snapshot store writer.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { RoadAggregator } from './aggregate.js';
import { parseHubbleText } from './hubble-scan.js';
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
  /**
   * Set when a file's last line had no newline and did not parse, or its gzip data ends early or
   * is corrupt: the file was cut short; what came before is kept.
   */
  truncated: InvalidLine[];
  /** Things the user should know about the result (flows without a time, the road cap). */
  notes: string[];
  /** Flows that had no time and were given the time of the flow before them. */
  untimedFlows: number;
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
  private readonly startedAt = Date.now();
  private readonly mapping: FlowMappingOptions;

  constructor(readonly opts: ImportOptions) {
    this.mapping = { ...opts, source: opts.source ?? 'import' };
    this.result = {
      files: [],
      lines: 0,
      flows: 0,
      ignored: 0,
      invalidCount: 0,
      invalid: [],
      warnings: [],
      truncated: [],
      notes: [],
      untimedFlows: 0,
      cancelled: false,
      aggregator: opts.aggregator ?? new RoadAggregator(),
    };
  }

  private invalid(file: string, line: number, message: string): void {
    this.result.invalidCount++;
    if (this.result.invalid.length < (this.opts.maxInvalidKept ?? 1000)) this.result.invalid.push({ file, line, message });
  }

  /** Handles the line text[start, end); true when a batch of flows is full and must be flushed (awaited by the caller). */
  private handleLine(file: string, lineNo: number, text: string, start: number, end: number, isLastWithoutNewline: boolean): boolean {
    const r = this.result;
    r.lines++;
    // A flow without a time (some exporters drop it) takes the time of the flow before it.
    const parsed = parseHubbleText(text, start, end, this.mapping, r.lastTime ?? this.startedAt);
    switch (parsed.kind) {
      case 'flow': {
        const f = parsed.flow;
        r.flows++;
        if (parsed.untimed) r.untimedFlows++;
        r.aggregator.add(f);
        if (r.firstTime === undefined || f.time < r.firstTime) r.firstTime = f.time;
        if (r.lastTime === undefined || f.time > r.lastTime) r.lastTime = f.time;
        if (this.opts.onFlows) {
          this.batch.push(f);
          if (this.batch.length >= (this.opts.batchSize ?? 1000)) return true;
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
    return false;
  }

  private handleLineText(file: string, lineNo: number, line: string): boolean {
    return this.handleLine(file, lineNo, line, 0, line.length, false);
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
    const chunks = stream[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = await chunks.next();
      } catch (e) {
        // zlib: the gzip data ends early (a cut download/copy) or is corrupt. Keep what was read.
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!code.startsWith('Z_')) throw e;
        const why = code === 'Z_BUF_ERROR' ? 'the compressed data ends early' : `the compressed data is corrupt (${(e as Error).message})`;
        this.result.truncated.push({
          file,
          line: lineNo + 1,
          message: `gzip stream stopped after ${bytes()} compressed byte(s)${totalBytes ? ` of ${totalBytes}` : ''}, in line ${lineNo + 1}: ${why}; the ${lineNo} line(s) before it are kept`,
        });
        this.result.invalidCount++;
        rest = Buffer.alloc(0);
        break;
      }
      if (next.done) break;
      const raw = next.value;
      if (this.opts.signal?.aborted) {
        this.result.cancelled = true;
        break;
      }
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      // One string for all the chunk's whole lines rather than one per line (far less for the GC
      // to move). Its offsets are the bytes' when every byte decoded to one char (ASCII: the usual
      // case; a line ends at an ASCII newline, so it decodes the same alone or in its chunk).
      const lastNl = buf.lastIndexOf(NL);
      // ASCII (checked natively) decodes as latin1, a plain copy, several times faster than UTF-8.
      const whole = lastNl >= 0 ? buf.subarray(0, lastNl + 1) : undefined;
      const text = whole === undefined ? '' : whole.toString(isAscii(whole) ? 'latin1' : 'utf8');
      const aligned = lastNl >= 0 && text.length === lastNl + 1;
      let start = 0;
      for (;;) {
        const nl = aligned ? text.indexOf('\n', start) : buf.indexOf(NL, start);
        if (nl < 0) break;
        lineNo++;
        if (skippingLongLine) {
          skippingLongLine = false;
        } else if (nl - start > maxLine) {
          this.invalid(file, lineNo, `line longer than ${maxLine} bytes, skipped`);
        } else {
          // Awaited only when a batch is due: a promise per line costs as much as decoding it.
          const due = aligned ? this.handleLine(file, lineNo, text, start, nl, false) : this.handleLineText(file, lineNo, buf.toString('utf8', start, nl));
          if (due) await this.flush();
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
      const last = rest.toString('utf8');
      this.handleLine(file, lineNo, last, 0, last.length, true);
    }
    await this.flush();
    this.progress({ file, bytesRead: bytes(), totalBytes }, true);
  }

  finish(): ImportResult {
    const r = this.result;
    if (r.untimedFlows) r.notes.push(`${r.untimedFlows} flow(s) had no time; each was given the time of the flow before it`);
    const capped = r.aggregator.overflowNote();
    if (capped) r.notes.push(capped);
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

async function openFile(path: string): Promise<{ file: Readable; stream: AsyncIterable<Buffer | string>; bytes: () => number; size: number }> {
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
  return { file, stream: gunzipIfGzip(file), bytes, size };
}

const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The bytes as they are, or gunzipped when they start with gzip's magic bytes (whatever the name says). */
export function gunzipIfGzip(source: AsyncIterable<Buffer | string>): AsyncIterable<Buffer | string> {
  return {
    async *[Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      // Enough bytes for the magic (chunks may be a single byte).
      const head: Buffer[] = [];
      let headLen = 0;
      while (headLen < 2) {
        const n = await it.next();
        if (n.done) break;
        const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
        head.push(b);
        headLen += b.length;
      }
      if (!headLen) return;
      const rest = async function* () {
        yield* head;
        for (;;) {
          const n = await it.next();
          if (n.done) return;
          yield n.value;
        }
      };
      if (!isGzip(Buffer.concat(head))) {
        yield* rest();
        return;
      }
      const gunzip = createGunzip();
      const input = Readable.from(rest(), { objectMode: false });
      input.on('error', (err) => gunzip.destroy(err));
      input.pipe(gunzip);
      try {
        yield* gunzip;
      } finally {
        input.destroy();
        gunzip.destroy();
      }
    },
  };
}

/** Imports Hubble JSON-lines files (plain or .gz) one after the other. */
export async function importHubbleFiles(paths: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const run = new ImportRun(opts);
  for (const path of paths) {
    if (opts.signal?.aborted) {
      run.result.cancelled = true;
      break;
    }
    const { file, stream, bytes, size } = await openFile(path);
    try {
      await run.readStream(path, stream, bytes, size);
    } catch (e) {
      throw new Error(`flows file ${path}: read failed: ${(e as Error).message}`);
    } finally {
      file.destroy();
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
  await run.readStream(name, gunzipIfGzip(counting()), () => n);
  return run.finish();
}
