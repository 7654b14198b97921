/**
 * The city an export draws when the caller has none open (CLI, bench): the same City the app
 * opens (policy engine view, findings, map model), so a CLI export matches what the app shows.
 * The app passes its own snapshot and map (with its window and overlays) to exportCity instead.
 */
import type { CityKind } from '../api/contract.js';
import { City } from '../city/city.js';
import type { MapModel } from '../map/model.js';
import type { Snapshot } from '../model/types.js';

export interface ExportCity {
  /** The snapshot with the app's computed findings. */
  snapshot: Snapshot;
  map: MapModel;
}

export function openCityForExport(snapshot: Snapshot, kind: CityKind = 'snapshot', opts: { possibleRoads?: boolean } = {}): ExportCity {
  const city = new City({ id: snapshot.id, kind, snapshot });
  return { snapshot: city.snapshot, map: city.map({ possibleRoads: opts.possibleRoads }) };
}
