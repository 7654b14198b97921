/**
 * A city: one snapshot open in the app (demo, live cluster, file, manifests, import), with its
 * policy engine, findings and map model computed lazily and dropped whenever the snapshot changes.
 *
 * The snapshot is evidence (inventory, policies, flows, probe results, positions, notes); the
 * findings (mismatches included) and the map are derived here and recomputed from the evidence
 * whenever it changes. The city never changes the snapshot it is given.
 */
import type { CaptureView, CityKind, CitySummary } from '../api/contract.js';
import { buildMapModel } from '../map/build.js';
import type { LayoutMemo } from '../map/layout.js';
import type { MapModel } from '../map/model.js';
import type { Finding, RoadAggregate, Snapshot } from '../model/types.js';
import { aggregateFlows } from '../flows/aggregate.js';
import { derivedFindings, evidenceOf } from './findings.js';
import { createEngineView, type EngineView } from './policy-adapter.js';

export interface MapOptions {
  window?: { from?: number; to?: number };
  possibleRoads?: boolean;
}

/** Cities this big (pods + workloads) get their first map at once and predicted roads in the background. */
const BACKGROUND_ABOVE = 3000;

const mapKey = (opts: MapOptions) => JSON.stringify([opts.window?.from, opts.window?.to, opts.possibleRoads ?? true]);

export interface CityOptions {
  id: string;
  kind: CityKind;
  snapshot: Snapshot;
  filePath?: string;
}

export class City {
  readonly id: string;
  readonly kind: CityKind;
  filePath?: string;
  status: CitySummary['status'] = 'ready';
  statusMessage?: string;
  capture?: CaptureView;
  /** Set while a live connection or capture feeds the city; closed with the city. */
  disposers: (() => Promise<void> | void)[] = [];
  /** The evidence: the snapshot as given, without findings the city derives itself. */
  private snap: Snapshot;
  /** The evidence with the derived findings (what `snapshot` returns). */
  private view?: Snapshot;
  private engineCache?: EngineView;
  private mapCache = new Map<string, MapModel>();
  /** Every district this city's maps have placed, in order, and the city's width: later maps keep them in place. */
  private layoutMemo?: LayoutMemo;

  private remember(model: MapModel): void {
    if (!model.layout) return;
    if (!this.layoutMemo) {
      this.layoutMemo = { order: [...model.layout.order], width: model.layout.width };
      return;
    }
    const known = new Set(this.layoutMemo.order);
    for (const id of model.layout.order) if (!known.has(id)) this.layoutMemo.order.push(id);
    this.layoutMemo.width = Math.max(this.layoutMemo.width, model.layout.width);
  }
  private roadRuns = new Map<string, Promise<boolean>>();
  /** For file-backed cities: window roads from the file (all stored flows), not from memory. */
  windowRoads?: (from?: number, to?: number) => RoadAggregate[];
  /** Bumped on every change so background work can tell a stale result from a fresh one. */
  private revision = 0;

  constructor(opts: CityOptions) {
    this.id = opts.id;
    this.kind = opts.kind;
    this.snap = evidenceOf(opts.snapshot);
    this.filePath = opts.filePath;
  }

  /** The snapshot with the city's findings (derived from the evidence, computed when first asked for). */
  get snapshot(): Snapshot {
    this.view ??= { ...this.snap, findings: derivedFindings(this.snap, () => this.engine) };
    return this.view;
  }

  /** The evidence alone (findings: only those a source reported; the city's own are derived). */
  get evidence(): Snapshot {
    return this.snap;
  }

  /** Findings from the evidence and the policy engine: recomputed after every change of either. */
  get findings(): Finding[] {
    return this.snapshot.findings;
  }

  /** Replaces the evidence (live update, import, capture, probes); findings, engine and maps are rebuilt on next use. */
  update(next: Snapshot, opts: { policiesChanged?: boolean } = {}): void {
    this.snap = evidenceOf(next);
    this.view = undefined;
    if (opts.policiesChanged !== false) this.engineCache = undefined;
    this.mapCache.clear();
    this.revision++;
  }

  /** Only flows/roads changed: the engine stays. */
  flowsChanged(): void {
    this.mapCache.clear();
    this.revision++;
  }

  get engine(): EngineView {
    this.engineCache ??= createEngineView(this.snap);
    return this.engineCache;
  }

  /** The full map (predicted roads from the engine's whole matrix included), computed now if needed. */
  map(opts: MapOptions = {}): MapModel {
    const key = mapKey(opts);
    let model = this.mapCache.get(key);
    if (!model) {
      const roads = opts.window ? this.roadsInWindow(opts.window) : undefined;
      model = buildMapModel(this.snapshot, { policy: this.engine, roads, possibleRoads: opts.possibleRoads ?? true, cityId: this.id, previousLayout: this.layoutMemo });
      this.remember(model);
      if (this.mapCache.size > 8) this.mapCache.clear();
      this.mapCache.set(key, model);
    }
    return model;
  }

  /**
   * The map to draw at once: the full map when it is ready (or cheap: small cities), else a first
   * map with observed and probed roads only, marked pending; `computeRoads` then fills it in.
   */
  firstMap(opts: MapOptions = {}): { model: MapModel; pending: boolean } {
    const full = this.mapCache.get(mapKey(opts));
    if (full) return { model: full, pending: false };
    if (this.snap.pods.length + this.snap.workloads.length < BACKGROUND_ABOVE || opts.possibleRoads === false) return { model: this.map(opts), pending: false };
    const key = `first:${mapKey(opts)}`;
    let model = this.mapCache.get(key);
    if (!model) {
      const roads = opts.window ? this.roadsInWindow(opts.window) : undefined;
      model = buildMapModel(this.snapshot, { policy: this.engine, roads, possibleRoads: false, roadsPending: true, cityId: this.id, previousLayout: this.layoutMemo });
      this.remember(model);
      this.mapCache.set(key, model);
    }
    return { model, pending: true };
  }

  computingRoads(opts: MapOptions): boolean {
    return this.roadRuns.has(mapKey(opts));
  }

  /**
   * Computes the full map in steps (engine, matrix, roads), yielding to the event loop between
   * them so the app stays responsive and progress reaches the UI. One run per map at a time.
   * Resolves false when the snapshot changed meanwhile (the result would be stale).
   */
  computeRoads(opts: MapOptions, progress: (done: number, total: number, message: string) => void): Promise<boolean> {
    const key = mapKey(opts);
    let run = this.roadRuns.get(key);
    if (!run) {
      const revision = this.revision;
      const step = () => new Promise<void>((r) => setImmediate(r));
      run = (async () => {
        progress(0, 3, 'reading the policies');
        await step();
        const engine = this.engine;
        progress(1, 3, `policy matrix of ${this.snap.workloads.length} workloads`);
        await step();
        engine.matrix();
        progress(2, 3, 'laying the roads');
        await step();
        if (this.revision !== revision) return false;
        this.map(opts);
        progress(3, 3, 'done');
        return true;
      })().finally(() => this.roadRuns.delete(key));
      this.roadRuns.set(key, run);
    }
    return run;
  }

  /** Roads of the flows inside a time window (raw flows in memory; the store answers for files). */
  roadsInWindow(window: { from?: number; to?: number }) {
    if (this.windowRoads) return this.windowRoads(window.from, window.to);
    const from = window.from ?? -Infinity;
    const to = window.to ?? Infinity;
    return aggregateFlows(this.snap.flows.filter((f) => f.time >= from && f.time <= to), { maxRawFlows: 0 });
  }

  summary(selected: boolean): CitySummary {
    const s = this.snapshot;
    return {
      id: this.id,
      name: s.name,
      kind: this.kind,
      cluster: s.cluster,
      roadBuilder: s.roadBuilder,
      window: s.window,
      counts: {
        namespaces: s.namespaces.length,
        workloads: s.workloads.length,
        pods: s.pods.length,
        services: s.services.length,
        policies: s.policies.length,
        flows: s.roads.reduce((n, r) => n + r.count, 0),
        roads: s.roads.length,
      },
      status: this.status,
      statusMessage: this.statusMessage,
      capture: this.capture && { ...this.capture },
      filePath: this.filePath,
      findings: s.findings,
      warnings: s.warnings.slice(-200),
      permissions: s.permissions,
      selected,
    };
  }
}
