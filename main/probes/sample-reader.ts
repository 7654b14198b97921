/**
 * Reads one flow probe's log stream: splits chunks into lines (bounded), finds the sample markers
 * printed by the DaemonSet's loop and feeds the conntrack lines between them to the mapper entry
 * by entry. A sample cut by a reconnect is closed as incomplete; lines outside samples are ignored.
 */
import type { CaptureWarning, FlowRecord } from '../model/types.js';
import { conntrackLineKey, type ConntrackFlowMapper, type SampleBuilder } from './conntrack-flows.js';
import { parseConntrackLine } from './conntrack-parse.js';
import { SAMPLE_BEGIN, SAMPLE_END, SAMPLE_ERROR } from './manifests.js';

export interface SampleReaderOptions {
  /** Longer lines are dropped (a conntrack line is ~300 bytes). Default 4096. */
  maxLineLength?: number;
  /** Entries read per sample; the rest are counted as lost. Default 262,144. */
  maxEntriesPerSample?: number;
}

export interface SampleReaderStats {
  samples: number;
  incomplete: number;
  entries: number;
  flows: number;
  badLines: number;
  lost: number;
}

export class SampleReader {
  private partial = '';
  private current?: { builder: SampleBuilder; node: string; entries: number; lost: number };
  readonly stats: SampleReaderStats = { samples: 0, incomplete: 0, entries: 0, flows: 0, badLines: 0, lost: 0 };
  private readonly maxLine: number;
  private readonly maxEntries: number;

  constructor(
    private readonly mapper: ConntrackFlowMapper,
    /** Node the stream belongs to (the marker's node wins when present). */
    private readonly node: string,
    private readonly emit: (flow: FlowRecord) => void,
    private readonly warn: (w: CaptureWarning) => void,
    opts: SampleReaderOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxLine = opts.maxLineLength ?? 4096;
    this.maxEntries = opts.maxEntriesPerSample ?? 262_144;
  }

  push(chunk: string): void {
    let text = this.partial + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    text = text.slice(start);
    if (text.length > this.maxLine) {
      // A runaway line without a newline: drop it rather than grow without bound.
      this.stats.badLines++;
      text = '';
      this.skipRestOfLine = true;
    }
    this.partial = text;
  }

  private skipRestOfLine = false;

  /** The stream ended: a sample still open was cut short. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.closeSample(false);
  }

  private closeSample(complete: boolean): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    cur.builder.finish(complete);
    if (complete) this.stats.samples++;
    else this.stats.incomplete++;
    if (cur.lost > 0) {
      this.stats.lost += cur.lost;
      this.warn({ time: this.now(), kind: 'lost-events', subject: cur.node, count: cur.lost, message: `node ${cur.node}: conntrack sample larger than ${this.maxEntries} entries; ${cur.lost} not read` });
    }
  }

  private line(raw: string): void {
    if (this.skipRestOfLine) {
      this.skipRestOfLine = false;
      return;
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > this.maxLine) {
      this.stats.badLines++;
      return;
    }
    if (line.charCodeAt(0) === 64 /* @ */) {
      if (line.startsWith(SAMPLE_BEGIN)) {
        this.closeSample(false);
        const [, , epoch, node] = line.split(' ');
        const seconds = Number(epoch);
        const time = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : this.now();
        const n = node || this.node;
        this.current = {
          node: n,
          entries: 0,
          lost: 0,
          builder: this.mapper.beginSample(n, time, (f) => {
            this.stats.flows++;
            this.emit(f);
          }),
        };
        return;
      }
      if (line.startsWith(SAMPLE_END)) {
        this.closeSample(true);
        return;
      }
      if (line.startsWith(SAMPLE_ERROR)) {
        this.warn({ time: this.now(), kind: 'not-permitted', subject: this.current?.node ?? this.node, message: `node ${this.current?.node ?? this.node}: ${line.slice(SAMPLE_ERROR.length).trim()}` });
        return;
      }
    }
    const cur = this.current;
    if (!cur) return;
    // Most entries repeat from the previous sample: recognise them by their text, skip the parse.
    const lk = conntrackLineKey(line);
    if (lk && cur.entries < this.maxEntries && cur.builder.repeat(lk.key, lk.unreplied)) {
      cur.entries++;
      this.stats.entries++;
      return;
    }
    const r = parseConntrackLine(line);
    if (r === null) return;
    if ('error' in r) {
      this.stats.badLines++;
      return;
    }
    if (cur.entries >= this.maxEntries) {
      cur.lost++;
      return;
    }
    cur.entries++;
    this.stats.entries++;
    cur.builder.add(r, lk?.key);
  }
}
