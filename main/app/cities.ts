/**
 * Open and close cities: the open cities of the app (demo, live, snapshot, manifests, import),
 * which one is selected, their summaries, and the background computation of a big city's
 * predicted roads. The Backend holds one and gives it as the CityRegistry port.
 */
import { City, type MapOptions } from '../city/city.js';
import { demoSnapshot } from '../model/scenario/demo.js';
import type { Snapshot } from '../model/types.js';
import type { CityKind, CitySummary } from '../api/contract.js';
import type { CityRegistry, EventSink, TaskRunner } from './ports.js';

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class OpenCities implements CityRegistry {
  readonly byId = new Map<string, City>();
  selected?: string;

  constructor(
    private readonly events: EventSink,
    private readonly tasks: TaskRunner,
  ) {}

  city(id: string): City {
    const c = this.byId.get(id);
    if (!c) throw new NotFoundError(`city ${id} is not open (open: ${[...this.byId.keys()].join(', ') || 'none'})`);
    return c;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  openCities(): City[] {
    return [...this.byId.values()];
  }

  addCity(kind: CityKind, snapshot: Snapshot, opts: { id?: string; filePath?: string; select?: boolean } = {}): City {
    let id = opts.id ?? `${kind}:${snapshot.id}`;
    if (this.byId.has(id) && !opts.id) {
      let n = 2;
      while (this.byId.has(`${id}~${n}`)) n++;
      id = `${id}~${n}`;
    }
    const city = new City({ id, kind, snapshot, filePath: opts.filePath });
    this.byId.set(id, city);
    if (opts.select !== false) this.selected = id;
    this.events.emit('cities.changed', { cityIds: [...this.byId.keys()] });
    return city;
  }

  async closeCity(id: string): Promise<void> {
    const city = this.city(id);
    for (const d of city.disposers.splice(0)) await d();
    this.byId.delete(id);
    if (this.selected === id) this.selected = this.byId.keys().next().value;
    this.events.emit('cities.changed', { cityIds: [...this.byId.keys()] });
  }

  openDemo(): City {
    const existing = this.byId.get('demo');
    if (existing) return existing;
    return this.addCity('demo', demoSnapshot(), { id: 'demo' });
  }

  select(id: string): CitySummary {
    this.city(id);
    this.selected = id;
    return this.summary(id);
  }

  summary(id: string): CitySummary {
    return this.city(id).summary(this.selected === id);
  }

  /** Predicted roads of a big city, in the background with progress; the UI refetches the map when they are in. */
  computeRoads(id: string, opts: MapOptions): void {
    const city = this.city(id);
    if (city.computingRoads(opts)) return;
    this.tasks.start(
      `Computing roads of ${city.snapshot.name}`,
      async (task) => {
        if (await city.computeRoads(opts, (done, total, message) => task.progress(done, total, message))) this.cityChanged(id, 'roads');
      },
      { cancellable: false },
    );
  }

  cityChanged(id: string, reason: string, counts: { added?: number; updated?: number; removed?: number } = {}): void {
    this.events.emit('city.changed', { cityId: id, reason, ...counts });
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.byId.keys()]) await this.closeCity(id);
  }
}
