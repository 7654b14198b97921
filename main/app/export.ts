/** Exports from the app: the same exporters as `netcity export`, fed the city's current map. */
import { exportCity } from '../export/index.js';
import type { CityRegistry, Tasks } from './ports.js';
import type { ArgsOf, ExportResult } from '../api/contract.js';

export function exportArea(b: CityRegistry & Tasks) {
  return {
    async render(a: ArgsOf<'export.render'>): Promise<ExportResult> {
      const city = b.city(a.cityId);
      const map = city.map({ window: a.window });
      const { done } = b.tasks.start(`Exporting ${a.format.toUpperCase()}`, (task) =>
        exportCity({
          snapshot: city.snapshot,
          map,
          format: a.format,
          selection: a.selection,
          redact: a.redact,
          scale: a.scale,
          background: a.background,
          findings: city.snapshot.findings,
          overlays: a.overlays,
          // Tables and the report follow the time window the map shows.
          windowRoads: a.window ? city.roadsInWindow(a.window) : undefined,
          signal: task.signal,
          onProgress: (p) => task.progress(Math.round(p.fraction * 100), 100, p.message),
        }),
        { awaited: true },
      );
      const r = await done;
      const binary = Buffer.isBuffer(r.data);
      const data = binary ? (r.data as Buffer).toString('base64') : (r.data as string);
      return { fileName: r.fileName, mime: r.mime, encoding: binary ? 'base64' : 'utf8', data, bytes: binary ? (r.data as Buffer).length : Buffer.byteLength(r.data as string) };
    },
  };
}
