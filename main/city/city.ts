/**
 * A city: one snapshot open in the app (demo, live cluster, file, manifests, import), with its
 * policy engine and map model computed lazily and dropped whenever the snapshot changes.
 */
import type { CaptureView, CityKind, CitySummary } from '../api/contract.js';
import { buildMapModel } from '../map/build.js';
import type { MapModel } from '../map/model.js';
import type { RoadAggregate, Snapshot } from '../model/types.js';
import { aggregateFlows } from '../flows/aggregate.js';
import { computeFindings } from './findings.js';
import { createEngineView, type EngineView } from './policy-adapter.js';

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
  private snap: Snapshot;
  private engineCache?: EngineView;
  private mapCache = new Map<string, MapModel>();
  /** For file-backed cities: window roads from the file (all stored flows), not from memory. */
  windowRoads?: (from?: number, to?: number) => RoadAggregate[];
  /** Bumped on every change so the UI can tell stale answers from fresh ones. */
  revision = 0;

  constructor(opts: CityOptions) {
    this.id = opts.id;
    this.kind = opts.kind;
    this.snap = opts.snapshot;
    this.filePath = opts.filePath;
    this.refreshFindings();
  }

  get snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the snapshot (live update, import); caches are rebuilt on next use. */
  update(next: Snapshot, opts: { policiesChanged?: boolean } = {}): void {
    this.snap = next;
    if (opts.policiesChanged !== false) this.engineCache = undefined;
    this.mapCache.clear();
    this.revision++;
    this.refreshFindings();
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

  map(opts: { window?: { from?: number; to?: number }; possibleRoads?: boolean } = {}): MapModel {
    const key = JSON.stringify([opts.window?.from, opts.window?.to, opts.possibleRoads ?? true]);
    let model = this.mapCache.get(key);
    if (!model) {
      const roads = opts.window ? this.roadsInWindow(opts.window) : undefined;
      model = buildMapModel(this.snap, { policy: this.engine, roads, possibleRoads: opts.possibleRoads ?? true, cityId: this.id });
      if (this.mapCache.size > 8) this.mapCache.clear();
      this.mapCache.set(key, model);
    }
    return model;
  }

  /** Roads of the flows inside a time window (raw flows in memory; the store answers for files). */
  roadsInWindow(window: { from?: number; to?: number }) {
    if (this.windowRoads) return this.windowRoads(window.from, window.to);
    const from = window.from ?? -Infinity;
    const to = window.to ?? Infinity;
    return aggregateFlows(this.snap.flows.filter((f) => f.time >= from && f.time <= to), { maxRawFlows: 0 });
  }

  private refreshFindings(): void {
    const computed = computeFindings(this.snap, () => this.engine);
    // Findings other sources added (probes, capture) are kept; ours are recomputed.
    const foreign = this.snap.findings.filter((f) => !f.id.startsWith('city:'));
    this.snap.findings = [...computed, ...foreign];
  }

  summary(selected: boolean): CitySummary {
    const s = this.snap;
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
