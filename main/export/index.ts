/**
 * exportCity: one entry point for every export format, used by the CLI and the app's API.
 * Order: redact (so nothing original reaches a format) -> select -> render -> rasterise.
 */
import type { MapModel } from '../map/model.js';
import type { Finding, ProbeResult, RoadAggregate, Snapshot } from '../model/types.js';
import { csvFlowsChunks, csvMatrixChunks } from './csv.js';
import { dotChunks, type GraphOptions } from './dot.js';
import type { ExportOverlays } from './encoding.js';
import { formatWindow } from './escape.js';
import { EXPORT_FORMATS, FORMAT_INFO, type ExportFormat } from './formats.js';
import { buildExportJson, jsonChunks } from './json.js';
import { mermaidChunks } from './mermaid.js';
import { ChromiumRasterizer, type Rasterizer } from './rasterize.js';
import { redactAll } from './redact.js';
import { computeReportFacts } from './report-facts.js';
import { renderReportHtml } from './report.js';
import { selectMap } from './selection.js';
import { prepareSvg, type SvgHeader } from './svg.js';

export { EXPORT_FORMATS, FORMAT_INFO, type ExportFormat } from './formats.js';

export interface ExportProgress {
  stage: 'redact' | 'select' | 'render' | 'rasterize' | 'done';
  /** 0..1 over the whole export. */
  fraction: number;
  message: string;
}

export interface ExportRequest {
  snapshot: Snapshot;
  map: MapModel;
  format: ExportFormat;
  /** Node ids (districts, blocks, houses...) to cut the city to, with their roads. */
  selection?: string[];
  overlays?: ExportOverlays;
  /** Mask IPs, pod/node names and label values; `{ salt }` fixes the tokens (tests). */
  redact?: boolean | { salt: string };
  /** Drawn and graph formats: roads between blocks, between districts, or 'auto' (districts for very large cities). */
  roadLevel?: 'auto' | 'blocks' | 'districts';
  /** The observed roads behind the map when it was built for a time window (default: snapshot.roads). */
  windowRoads?: RoadAggregate[];
  /** PNG device scale, 1-4 (default 2). */
  scale?: number;
  /** PNG background (default white). SVG too: transparent leaves out the white backdrop. */
  background?: 'white' | 'transparent';
  title?: string;
  /** Findings to report when the caller computed them (the app's findings list); default: the snapshot's. */
  findings?: Finding[];
  onProgress?: (p: ExportProgress) => void;
  signal?: AbortSignal;
  /** PNG/PDF engine; default headless Chromium (closed after the export). The Electron app passes its own. */
  rasterizer?: Rasterizer;
  /** Clock for file names and "generated at" (tests). */
  now?: number;
}

export interface ExportResult {
  data: Buffer | string;
  mime: string;
  fileName: string;
}

export class ExportError extends Error {
  override name = 'ExportError';
}

export async function exportCity(req: ExportRequest): Promise<ExportResult> {
  const info = FORMAT_INFO[req.format];
  if (!info) throw new ExportError(`export: unknown format '${String(req.format)}' (have: ${EXPORT_FORMATS.join(', ')})`);
  const scale = req.scale ?? 2;
  if (req.format === 'png' && !(Number.isFinite(scale) && scale >= 1 && scale <= 4)) {
    throw new ExportError(`export: PNG scale ${scale} is out of range; use 1 to 4`);
  }
  const now = req.now ?? Date.now();
  const progress = (stage: ExportProgress['stage'], fraction: number, message: string) =>
    req.onProgress?.({ stage, fraction: Math.max(0, Math.min(1, fraction)), message });
  const signal = req.signal;
  signal?.throwIfAborted();

  let snapshot = req.findings || req.windowRoads ? { ...req.snapshot, findings: req.findings ?? req.snapshot.findings, roads: req.windowRoads ?? req.snapshot.roads } : req.snapshot;
  let map = req.map;
  // Select on the original ids (what the user picked), then redact the cut-down city.
  let selection = req.selection?.length ? req.selection : undefined;
  if (selection) {
    progress('select', 0.05, `cutting the city to ${selection.length} selected node(s)`);
    map = selectMap(map, selection);
  }
  const redacted = Boolean(req.redact);
  if (req.redact) {
    progress('redact', 0.1, 'masking IPs, pod and node names, label values');
    const salt = typeof req.redact === 'object' ? req.redact.salt : undefined;
    const r = redactAll(snapshot, map, salt);
    ({ snapshot, map } = r);
    selection = selection?.map((id) => r.redactor.peer(id));
    await tick(signal);
  }
  const { roads, probes } = roadsInMap(snapshot, map, Boolean(selection));
  const title = req.title ?? (map.title || snapshot.cluster.name);
  const header: SvgHeader = {
    title,
    lines: [
      `cluster ${snapshot.cluster.name} · road builder ${snapshot.roadBuilder.name}${snapshot.roadBuilder.version ? ` ${snapshot.roadBuilder.version}` : ''} · ${map.counts.houses} pods, ${map.counts.roads} roads`,
      `time window ${formatWindow(snapshot.window)} · snapshot ${snapshot.name}${selection ? ` · selection of ${selection.length}` : ''}`,
    ],
    badge: redacted ? 'REDACTED' : undefined,
  };
  const graph: GraphOptions = { title, lines: header.lines, overlays: req.overlays, roads: req.roadLevel };
  const background = req.background ?? 'white';
  const render = (gen: Generator<string>, total: number, to = 0.95) => collect(gen, total, signal, (f) => progress('render', 0.15 + f * (to - 0.15), `writing ${req.format}`));

  let data: string | Buffer;
  switch (req.format) {
    case 'svg':
    case 'png':
    case 'html':
    case 'pdf': {
      const svgBg = req.format === 'png' || req.format === 'svg' ? background : 'white';
      const report = req.format === 'html' || req.format === 'pdf';
      const prepared = prepareSvg(map, { header, overlays: req.overlays, background: svgBg, showHeader: !report, tooltips: req.format !== 'png' && req.format !== 'pdf', roads: req.roadLevel });
      const svg = await render(prepared.chunks(), prepared.total, req.format === 'svg' ? 0.95 : 0.6);
      if (req.format === 'svg') {
        data = svg;
        break;
      }
      if (req.format === 'png') {
        data = await rasterize(req, (r) => r.svgToPng(svg, { width: prepared.width, height: prepared.height, scale, background }), progress);
        break;
      }
      const html = renderReportHtml({ title, snapshot, facts: computeReportFacts(snapshot, map, roads), svg, redacted, selection, generatedAt: now });
      signal?.throwIfAborted();
      data = req.format === 'html' ? html : await rasterize(req, (r) => r.htmlToPdf(html), progress);
      break;
    }
    case 'dot':
      data = await render(dotChunks(map, graph), map.nodes.length + map.edges.length);
      break;
    case 'mermaid':
      data = await render(mermaidChunks(map, graph), map.nodes.length + map.edges.length);
      break;
    case 'csv-matrix':
      data = await render(csvMatrixChunks(map, req.overlays), map.nodes.length);
      break;
    case 'csv-flows':
      data = await render(csvFlowsChunks(roads), roads.length + 1);
      break;
    case 'json': {
      const doc = buildExportJson({ snapshot, map, roads, probes, title, redacted, selection, overlays: req.overlays, now });
      data = await render(jsonChunks(doc), doc.nodes.length + doc.edges.length + doc.roads.length + doc.probes.length + 20);
      break;
    }
  }
  progress('done', 1, `${req.format} ready`);
  return { data, mime: info.mime, fileName: exportFileName(snapshot, req.format, now, Boolean(selection)) };
}

/** Observed roads and probes that belong to the exported map (all of them for the whole city). */
function roadsInMap(snapshot: Snapshot, map: MapModel, selected: boolean): { roads: RoadAggregate[]; probes: ProbeResult[] } {
  if (!selected) return { roads: snapshot.roads, probes: snapshot.probes };
  const keys = new Set(map.edges.flatMap((e) => e.roadKeys));
  const ids = new Set(map.nodes.map((n) => n.id));
  return {
    roads: snapshot.roads.filter((r) => keys.has(r.key) || (ids.has(r.src) && ids.has(r.dst))),
    probes: snapshot.probes.filter((p) => ids.has(p.src) && ids.has(p.dst)),
  };
}

async function rasterize(req: ExportRequest, run: (r: Rasterizer) => Promise<Buffer>, progress: (s: ExportProgress['stage'], f: number, m: string) => void): Promise<Buffer> {
  progress('rasterize', 0.65, req.format === 'png' ? 'rendering PNG in the browser engine' : 'printing PDF in the browser engine');
  const own = !req.rasterizer;
  const r = req.rasterizer ?? new ChromiumRasterizer();
  try {
    req.signal?.throwIfAborted();
    const out = await abortable(run(r), req.signal, () => (own ? r.close() : undefined));
    return out;
  } finally {
    if (own) await r.close();
  }
}

/** Rejects as soon as the signal fires (and runs onAbort, e.g. closing the browser). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => unknown): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      void onAbort();
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Joins a format's chunks, giving the event loop (and so Ctrl-C / cancel) a turn every ~30 ms. */
async function collect(gen: Generator<string>, total: number, signal: AbortSignal | undefined, report: (fraction: number) => void): Promise<string> {
  const parts: string[] = [];
  let i = 0;
  let last = performance.now();
  for (const chunk of gen) {
    parts.push(chunk);
    if ((++i & 255) === 0 && performance.now() - last > 30) {
      await tick(signal);
      report(Math.min(1, i / Math.max(1, total)));
      last = performance.now();
    }
  }
  signal?.throwIfAborted();
  report(1);
  return parts.join('');
}

function tick(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }),
  );
}

export function exportFileName(snapshot: Snapshot, format: ExportFormat, now: number, selected: boolean): string {
  const slug = (snapshot.cluster.name || 'city').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'city';
  const stamp = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `netcity-${slug}-${stamp}${selected ? '-selection' : ''}.${FORMAT_INFO[format].ext}`;
}

export type { ExportOverlays } from './encoding.js';
export type { Rasterizer } from './rasterize.js';
export { ChromiumRasterizer, RasterizerUnavailableError, findChromium } from './rasterize.js';
export { Redactor, redactAll, redactMap, redactSnapshot } from './redact.js';
