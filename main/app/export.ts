/**
 * Export, one implementation for the app (`export.render`) and the CLI (`netcity export`): an open
 * city's map (with the time window, possible roads or not) handed to the exporters with the
 * city's findings and the roads behind that window. The shells only say which city and where the
 * result goes.
 */
import { exportCity, type ExportProgress, type ExportResult as ExportedFile, type Rasterizer } from '../export/index.js';
import type { City } from '../city/city.js';
import type { ExportArgs, ExportResult } from '../api/contract.js';
import type { CityRegistry, Tasks } from './ports.js';

export interface ExportRun {
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
  /** PNG/PDF engine (default: headless Chromium). */
  rasterizer?: Rasterizer;
  /** Clock for file names and "generated at" (tests). */
  now?: number;
  /** Fixed redaction tokens (tests). */
  redactSalt?: string;
}

/** The export of a city, as the app and the CLI both make it. */
export function exportOfCity(city: City, a: ExportArgs, run: ExportRun = {}): Promise<ExportedFile> {
  const map = city.map({ window: a.window, possibleRoads: a.possibleRoads });
  return exportCity({
    snapshot: city.snapshot,
    map,
    format: a.format,
    selection: a.selection,
    redact: a.redact && run.redactSalt !== undefined ? { salt: run.redactSalt } : a.redact,
    scale: a.format === 'png' ? a.scale : undefined,
    background: a.format === 'png' || a.format === 'svg' ? a.background : undefined,
    roadLevel: 'roads' in a ? a.roads : undefined,
    title: a.title,
    findings: city.findings,
    overlays: a.overlays,
    // Tables and the report follow the time window the map shows.
    windowRoads: a.window ? city.roadsInWindow(a.window) : undefined,
    signal: run.signal,
    onProgress: run.onProgress,
    rasterizer: run.rasterizer,
    now: run.now,
  });
}

/** `export.render`: the export as a task with progress, its bytes as the contract carries them. */
export function exportArea(b: CityRegistry & Tasks) {
  return {
    async render(a: ExportArgs & { cityId: string }): Promise<ExportResult> {
      const city = b.city(a.cityId);
      const { done } = b.tasks.start(
        `Exporting ${a.format.toUpperCase()}`,
        (task) => exportOfCity(city, a, { signal: task.signal, onProgress: (p) => task.progress(Math.round(p.fraction * 100), 100, p.message) }),
        { awaited: true },
      );
      const r = await done;
      const binary = Buffer.isBuffer(r.data);
      const data = binary ? (r.data as Buffer).toString('base64') : (r.data as string);
      return { fileName: r.fileName, mime: r.mime, encoding: binary ? 'base64' : 'utf8', data, bytes: binary ? (r.data as Buffer).length : Buffer.byteLength(r.data as string) };
    },
  };
}
