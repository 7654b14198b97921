/** Snapshots on disk (library, open, save), flow imports, manifests as a city, and diffs. */
import { basename, dirname, resolve } from 'node:path';
import { diffRows, diffSnapshots, formatDiffText } from '../diff/index.js';
import { loadManifests, manifestsToSnapshot, formatManifestError } from '../manifests/index.js';
import { buildMapModel } from '../map/build.js';
import { toWireMap } from '../map/model.js';
import type { RoadBuilderName } from '../model/types.js';
import { namedRoadBuilder } from '../cluster/cni-detect.js';
import { fileStore } from './snapshot-store.js';
import { createEngineView } from '../city/policy-adapter.js';
import { mergeDiffCity, diffMarks } from '../city/diff-view.js';
import type { CityRegistry, EventSink, SnapshotStore, Tasks, WithFiles, WithSettings } from './ports.js';
import type { ArgsOf, CitySummary, DiffView, ImportResult, SnapshotEntry } from '../api/contract.js';
import { importFlows, importName, newImportSnapshot } from './flow-import.js';


/** The snapshot library, open/save, flow imports, manifests and diffs of the app. */
export function filesArea(b: CityRegistry & EventSink & Tasks & WithSettings & WithFiles, store: SnapshotStore = fileStore) {
  const library = () => store.library(b.settings.snapshotDir);
  /** One file's entry, read from the file itself (the library's list() would open every file). */
  const entryOf = (path: string): SnapshotEntry => store.entry(path);

  const inLibrary = (path: string) => {
    const lib = library();
    if (dirname(resolve(path)) !== resolve(lib.dir)) throw new Error(`${path} is not in the snapshot library (${lib.dir}); open it instead`);
    return { lib, file: basename(path) };
  };

  const openPath = async (path: string): Promise<CitySummary> => {
    const full = b.paths.check(path, 'opening');
    const snap = store.open(full, { maxRawFlows: b.settings.maxRawFlows });
    const city = b.addCity('snapshot', snap, { filePath: full });
    // The timeline reads the file: all stored flows, not only the ones loaded.
    city.windowRoads = (from, to) => store.roadsInWindow(full, from, to);
    return b.summary(city.id);
  };

  return {
    async list(): Promise<SnapshotEntry[]> {
      return library()
        .list()
        .filter((e) => !e.error)
        .map((e) => ({ path: e.path, name: e.name ?? e.file, cluster: e.cluster ?? '', createdAt: e.createdAt ?? e.modifiedAt, sizeBytes: e.sizeBytes, pods: e.counts?.pods ?? 0, flows: e.counts?.flows ?? 0 }));
    },
    async save(a: ArgsOf<'snapshots.save'>): Promise<SnapshotEntry> {
      const city = b.city(a.cityId);
      const snap = { ...city.snapshot, name: a.name ?? city.snapshot.name };
      let path: string;
      if (a.path) {
        path = b.paths.check(a.path.endsWith('.netcity') ? a.path : `${a.path}.netcity`, 'saving');
        store.save(path, snap);
      } else path = library().pathOf(library().save(snap, snap.name));
      city.filePath ??= path;
      return entryOf(path);
    },
    open: openPath,
    async rename(path: string, name: string): Promise<SnapshotEntry> {
      const { lib, file } = inLibrary(path);
      const before = lib.pathOf(file);
      const after = lib.pathOf(lib.rename(file, name));
      // Cities saved to (or opened from) that file follow it: captures append to the new path.
      for (const c of b.openCities()) if (c.filePath === before) c.filePath = after;
      return entryOf(after);
    },
    async remove(path: string): Promise<{ ok: true }> {
      const { lib, file } = inLibrary(path);
      const gone = lib.pathOf(file);
      lib.delete(file);
      for (const c of b.openCities()) if (c.filePath === gone) c.filePath = undefined;
      return { ok: true };
    },
    async duplicate(path: string): Promise<SnapshotEntry> {
      const { lib, file } = inLibrary(path);
      return entryOf(lib.pathOf(lib.duplicate(file)));
    },
    async diff(aId: string, bId: string): Promise<DiffView> {
      const A = b.city(aId);
      const B = b.city(bId);
      const d = diffSnapshots(A.snapshot, B.snapshot);
      const merged = mergeDiffCity(A.snapshot, B.snapshot, d);
      // Drawn on the "after" city's own layout: its districts stay where the user saw them; removed ones go to free lots.
      const map = buildMapModel(merged, { policy: createEngineView(merged), cityId: bId, previousLayout: B.map().layout });
      const marks = diffMarks(d, map);
      const s = d.summary;
      const line = (label: string, key: string) => {
        const c = s[key] ?? {};
        const parts = Object.entries(c).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`);
        return parts.length ? `${label}: ${parts.join(', ')}` : undefined;
      };
      const summary = [
        line('Namespaces', 'namespaces'),
        line('Workloads', 'workloads'),
        line('Pods', 'pods'),
        line('Services', 'services'),
        line('Policies', 'policies'),
        line('Roads', 'roads'),
        line('Connectivity', 'connectivity'),
      ].filter((x): x is string => !!x);
      return { a: aId, b: bId, summary: summary.length ? summary : ['No differences.'], ...marks, text: formatDiffText(d), rows: diffRows(d), map: toWireMap(map) };
    },
    async importFlows(a: ArgsOf<'flows.import'>): Promise<ImportResult> {
      if (!a.text && !a.path) throw new Error(`${a.fileName}: nothing to import (give the file's text or its path)`);
      const importPath = a.path ? b.paths.check(a.path, 'importing flows from') : undefined;
      const existing = a.cityId ? b.city(a.cityId) : undefined;
      const base = existing?.evidence ?? newImportSnapshot(importName(a.fileName));
      const { done } = b.tasks.start(`Importing ${basename(a.fileName)}`, (task) =>
        importFlows(base, importPath ? { files: [importPath] } : { fileName: a.fileName, text: a.text! }, {
          fresh: !existing,
          maxRawFlows: b.settings.maxRawFlows,
          signal: task.signal,
          onProgress: (p) => task.progress(p.bytesRead, p.totalBytes, `${p.flows.toLocaleString()} flows`),
        }),
        { awaited: true },
      );
      const { snapshot, result } = await done;
      let city = existing;
      if (city) city.update(snapshot, { policiesChanged: false });
      else city = b.addCity('import', snapshot);
      b.cityChanged(city.id, 'import', { added: result.flows });
      const invalid = [...result.invalid, ...result.truncated].map((l) => ({ line: l.line, error: l.message }));
      const warnings = [...result.notes, ...result.warnings.slice(0, 20).map((w) => w.message)];
      if (result.invalidCount > invalid.length) warnings.push(`${result.invalidCount - invalid.length} more invalid lines not listed`);
      if (result.cancelled) warnings.push('Import cancelled: the flows read before the cancel were kept.');
      return { cityId: city.id, flows: result.flows, invalidLines: invalid, warnings };
    },
    async openManifests(paths: string[], roadBuilder?: RoadBuilderName): Promise<CitySummary> {
      const checked = paths.map((p) => b.paths.check(p, 'reading manifests in'));
      const label = paths.length === 1 ? basename(paths[0]) : `${paths.length} manifest paths`;
      // A task: progress in the task bar, and Cancel (or closing `serve` with Ctrl-C) stops the walk and the parse.
      const { done } = b.tasks.start(
        `Reading manifests ${label}`,
        (task) =>
          loadManifests(
            checked,
            {
              signal: task.signal,
              onProgress: (n, total) => task.progress(n, total, `${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} files`),
              mayRead: (p) => b.paths.allows(p),
              maxFileMB: b.settings.maxManifestFileMB,
              maxTotalMB: b.settings.maxManifestTotalMB,
              raiseWith: { file: 'Settings: maxManifestFileMB (or `netcity serve --max-file-mb N`)', total: 'Settings: maxManifestTotalMB (or `netcity serve --max-total-mb N`)' },
            },
          ),
        { awaited: true },
      );
      const set = await done;
      if (set.pods.length === 0 && set.policies.length === 0 && set.errors.length)
        throw new Error(`no usable manifests in ${paths.join(', ')}:\n${set.errors.slice(0, 5).map(formatManifestError).join('\n')}`);
      const name = paths.length === 1 ? basename(paths[0]) : `${paths.length} manifest paths`;
      const snap = manifestsToSnapshot(set, name, Date.now(), roadBuilder ? namedRoadBuilder(roadBuilder) : undefined);
      const city = b.addCity('manifests', snap);
      if (set.errors.length)
        setTimeout(() => b.emit('notice', { level: 'warning', message: `${set.errors.length} manifest documents could not be used; first: ${formatManifestError(set.errors[0])}` }), 0);
      return b.summary(city.id);
    },
  };
}
