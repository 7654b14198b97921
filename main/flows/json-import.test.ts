import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { importHubbleFile, importHubbleFiles, importHubbleStream, type ImportProgress } from './json-import.js';
import { RoadAggregator } from './aggregate.js';
import type { FlowRecord } from '../model/types.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/hubble/', import.meta.url));
const TCP = join(FIXTURES, 'sample-400-tcp-flows.jsonl');
const UDP = join(FIXTURES, 'sample-400-udp-flows.jsonl');
const tcpLines = readFileSync(TCP, 'utf8').split('\n').filter(Boolean);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'netcity-flows-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('importHubbleFiles', () => {
  it('imports the real captures into roads, keeping raw flows', async () => {
    const r = await importHubbleFiles([TCP, UDP]);
    expect(r.flows).toBe(800);
    expect(r.invalidCount).toBe(0);
    expect(r.truncated).toEqual([]);
    expect(r.aggregator.rawFlows()).toHaveLength(800);
    const roads = r.aggregator.roads();
    expect(roads.reduce((n, x) => n + x.count, 0)).toBe(800);
    expect(roads.every((x) => x.sources.includes('import'))).toBe(true);
    // DNS queries from ratings to coredns aggregate onto one Deployment-to-Deployment road.
    const dns = roads.find((x) => x.src === 'wl:bookinfo/Deployment/ratings-v1' && x.dst === 'wl:kube-system/Deployment/coredns' && x.port === 53);
    expect(dns?.l7?.dnsNames['productpage.bookinfo.svc.cluster.local']).toBeGreaterThan(0);
    expect(dns?.l7?.dnsRcodes.NOERROR).toBeGreaterThan(0);
    expect(roads.some((x) => x.l7 && Object.keys(x.l7.httpMethods).includes('GET'))).toBe(true);
    expect(r.firstTime).toBeLessThan(r.lastTime!);
  });

  it('reports invalid lines by number, keeps the valid ones, and flags a truncated last line', async () => {
    const path = join(dir, 'mixed.jsonl');
    const cut = tcpLines[2].slice(0, 100);
    writeFileSync(path, [tcpLines[0], 'not json at all', '', tcpLines[1], '{"hello":"world"}', tcpLines[3]].join('\n') + '\n' + cut);
    const r = await importHubbleFile(path);
    expect(r.flows).toBe(3);
    expect(r.invalid).toEqual([
      { file: path, line: 2, message: expect.stringContaining('not valid JSON') },
      { file: path, line: 5, message: expect.stringContaining('not a Hubble GetFlowsResponse') },
    ]);
    expect(r.truncated).toEqual([{ file: path, line: 7, message: expect.stringContaining('cut short') }]);
    expect(r.invalidCount).toBe(3);
  });

  it('accepts a last line without newline when it is complete, and CRLF line ends', async () => {
    const path = join(dir, 'crlf.jsonl');
    writeFileSync(path, tcpLines.slice(0, 3).join('\r\n'));
    const r = await importHubbleFile(path);
    expect(r.flows).toBe(3);
    expect(r.truncated).toEqual([]);
    expect(r.invalidCount).toBe(0);
  });

  it('collects node status and lost events as warnings', async () => {
    const path = join(dir, 'events.jsonl');
    writeFileSync(
      path,
      [
        JSON.stringify({ lost_events: { source: 'PERF_EVENT_RING_BUFFER', num_events_lost: '7' }, node_name: 'n1', time: '2026-01-01T00:00:00Z' }),
        JSON.stringify({ node_status: { state_change: 'NODE_GONE', node_names: ['n2'] }, time: '2026-01-01T00:00:01Z' }),
        tcpLines[0],
      ].join('\n') + '\n',
    );
    const r = await importHubbleFile(path);
    expect(r.warnings.map((w) => [w.kind, w.subject, w.count])).toEqual([
      ['lost-events', 'n1', 7],
      ['node-unavailable', 'n2', undefined],
    ]);
    expect(r.flows).toBe(1);
  });

  it('reads gzip files', async () => {
    const path = join(dir, 'flows.jsonl.gz');
    writeFileSync(path, gzipSync(tcpLines.join('\n') + '\n'));
    const r = await importHubbleFile(path);
    expect(r.flows).toBe(400);
  });

  it('recognises gzip by its magic bytes, whatever the name, in files and streams', async () => {
    const gz = gzipSync(tcpLines.join('\n') + '\n');
    const path = join(dir, 'capture.json');
    writeFileSync(path, gz);
    expect((await importHubbleFile(path)).flows).toBe(400);
    // A plain file named .gz is read as it is.
    const plain = join(dir, 'plain.jsonl.gz');
    writeFileSync(plain, tcpLines.slice(0, 5).join('\n') + '\n');
    expect((await importHubbleFile(plain)).flows).toBe(5);
    const chunks = [gz.subarray(0, 1), gz.subarray(1, 100), gz.subarray(100)];
    expect((await importHubbleStream('dropped.bin', Readable.from(chunks))).flows).toBe(400);
  });

  it('keeps what a cut gzip file held and says where it stopped', async () => {
    const gz = gzipSync(tcpLines.join('\n') + '\n');
    const path = join(dir, 'cut.jsonl.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const r = await importHubbleFile(path);
    expect(r.flows).toBeGreaterThan(50);
    expect(r.flows).toBeLessThan(400);
    expect(r.invalid).toEqual([]);
    expect(r.truncated).toEqual([{ file: path, line: r.flows + 1, message: expect.stringMatching(/gzip stream stopped after \d+ compressed byte\(s\) of \d+, in line \d+: the compressed data ends early; the \d+ line\(s\) before it are kept/) }]);
    expect(r.aggregator.flowCount).toBe(r.flows);
    // Corrupt in the middle: the same, with the reason.
    const bad = Buffer.from(gz);
    bad.fill(0x55, 200, 260);
    writeFileSync(path, bad);
    const r2 = await importHubbleFile(path);
    expect(r2.truncated[0].message).toMatch(/compressed data is corrupt/);
  });

  it('accepts flows without a time, giving them the time of the flow before, and says so', async () => {
    const path = join(dir, 'untimed.jsonl');
    const first = JSON.parse(tcpLines[0]);
    const untimed = JSON.parse(tcpLines[1]);
    delete untimed.time;
    delete untimed.flow.time;
    const bare = { ...untimed.flow };
    writeFileSync(path, [JSON.stringify(first), JSON.stringify(untimed), JSON.stringify(bare)].join('\n') + '\n');
    const r = await importHubbleFile(path);
    expect(r.flows).toBe(3);
    expect(r.invalidCount).toBe(0);
    expect(r.untimedFlows).toBe(2);
    const raw = r.aggregator.rawFlows();
    expect(raw[1].time).toBe(raw[0].time);
    expect(r.notes).toEqual(['2 flow(s) had no time; each was given the time of the flow before it']);
  });

  it('caps the roads and counts the rest in one "other" road per district pair, and says so', async () => {
    const path = join(dir, 'many-ips.jsonl');
    const base = JSON.parse(tcpLines[0]);
    const lines = Array.from({ length: 300 }, (_, i) => {
      const l = structuredClone(base);
      l.flow.destination = { identity: 16777217 + i, labels: [`cidr:203.0.0.0/16`] };
      l.flow.destination_names = [];
      l.flow.reply = false;
      l.flow.IP.destination = `203.0.${i >> 8}.${i & 255}`;
      l.flow.is_reply = false;
      return JSON.stringify(l);
    });
    writeFileSync(path, lines.join('\n') + '\n');
    const r = await importHubbleFile(path, { aggregator: new RoadAggregator({ maxRoads: 100 }) });
    expect(r.flows).toBe(300);
    const roads = r.aggregator.roads();
    expect(roads.reduce((n, x) => n + x.count, 0)).toBe(300);
    expect(roads.length).toBe(101);
    const other = roads.find((x) => x.dst === 'world')!;
    expect(other).toMatchObject({ count: 200, src: 'ns:bookinfo' });
    expect(other.port).toBeUndefined();
    expect(r.aggregator.overflowFlows).toBe(200);
    expect(r.notes).toEqual([expect.stringMatching(/^200 flow\(s\) of roads beyond the first 100 are counted in one "other" road per pair of districts/)]);
  });

  it('names a missing file and says what to do', async () => {
    await expect(importHubbleFile(join(dir, 'nope.jsonl'))).rejects.toThrow(/flows file .*nope\.jsonl: not found \(check the path/);
  });

  it('reports an over-long line once and goes on', async () => {
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, tcpLines[0] + '\n' + 'x'.repeat(5000) + '\n' + tcpLines[1] + '\n');
    const r = await importHubbleFile(path, { maxLineBytes: 2000 });
    expect(r.flows).toBe(2);
    expect(r.invalid).toEqual([{ file: path, line: 2, message: expect.stringContaining('longer than 2000 bytes') }]);
  });

  it('streams a large file with progress and batches, in bounded memory, and can be cancelled keeping what it read', async () => {
    const path = join(dir, 'big.jsonl');
    const lines = 30_000;
    await new Promise<void>((resolve, reject) => {
      const out = createWriteStream(path);
      out.on('error', reject);
      for (let i = 0; i < lines; i++) out.write(tcpLines[i % tcpLines.length] + '\n');
      out.end(resolve);
    });
    const size = statSync(path).size;
    const progress: ImportProgress[] = [];
    let batches = 0;
    let batched = 0;
    const r = await importHubbleFile(path, {
      progressEveryMs: 0,
      onProgress: (p) => progress.push(p),
      onFlows: (b: FlowRecord[]) => {
        batches++;
        batched += b.length;
      },
      aggregator: new RoadAggregator({ maxRawFlows: 1000 }),
    });
    expect(r.flows).toBe(lines);
    expect(batched).toBe(lines);
    expect(batches).toBeGreaterThan(10);
    expect(r.aggregator.rawFlows()).toHaveLength(1000);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toMatchObject({ bytesRead: size, totalBytes: size, flows: lines });
    for (let i = 1; i < progress.length; i++) expect(progress[i].bytesRead).toBeGreaterThanOrEqual(progress[i - 1].bytesRead);

    const ac = new AbortController();
    const partial = await importHubbleFile(path, {
      progressEveryMs: 0,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.flows > 2000) ac.abort();
      },
    });
    expect(partial.cancelled).toBe(true);
    expect(partial.flows).toBeGreaterThan(2000);
    expect(partial.flows).toBeLessThan(lines);
    expect(partial.aggregator.roads().reduce((n, x) => n + x.count, 0)).toBe(partial.flows);
  });

  it('imports from a stream (drag and drop) with chunks that split lines anywhere', async () => {
    const text = tcpLines.slice(0, 50).join('\n') + '\n';
    const chunks: Buffer[] = [];
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 333) chunks.push(bytes.subarray(i, i + 333));
    const r = await importHubbleStream('dropped.json', Readable.from(chunks));
    expect(r.flows).toBe(50);
    expect(r.files).toEqual(['dropped.json']);
  });
});
