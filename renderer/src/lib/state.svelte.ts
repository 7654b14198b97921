/**
 * The app's state: open cities, the selected city's map, overlays, filters, selection, panels,
 * tasks and notices. Components read it; actions call the API and update it. A read-only summary
 * is published on window.__netcity for end-to-end tests ("assert through the app's own state").
 */
import type {
  ApiEvent,
  CitySummary,
  DiffView,
  NodeDetails,
  RoadExplanation,
  SearchHit,
  TaskProgress,
  TimelineBucket,
  WhatIfResult,
} from '../../../main/api/contract';
import type { WireMapModel } from '../../../main/map/model';
import { DEFAULT_OVERLAYS, NO_FILTERS, visibleCounts, type Filters, type Level, type Overlays } from './overlays';
import type { Transport } from './transport';
import { mapControls } from './map-controls';

export type Panel = 'details' | 'findings' | 'city';
export type Dialog = 'none' | 'connect' | 'snapshots' | 'export' | 'whatif' | 'diff' | 'probe' | 'capture' | 'import' | 'help';

export interface Notice {
  id: number;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** How many times it was raised (identical notices are one toast). */
  count: number;
  time: number;
}

/** How long a toast stays on screen; every notice also stays in the history. */
const NOTICE_MS: Record<Notice['level'], number> = { info: 5000, warning: 10_000, error: 20_000 };
const HISTORY = 200;

/** One message is the other with a prefix ("Connecting to x: boom" and "x: boom"). */
function sameNotice(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short === long || (short.length >= 12 && long.endsWith(short));
}

export class AppState {
  cities = $state<CitySummary[]>([]);
  cityId = $state<string | undefined>(undefined);
  map = $state.raw<WireMapModel | undefined>(undefined);
  loading = $state(false);
  overlays = $state<Overlays>({ ...DEFAULT_OVERLAYS });
  filters = $state<Filters>({ ...NO_FILTERS, namespaces: [], verdicts: [] });
  window = $state<{ from?: number; to?: number } | undefined>(undefined);
  timeline = $state.raw<TimelineBucket[]>([]);
  selection = $state<{ kind: 'node' | 'edge'; id: string } | undefined>(undefined);
  focus = $state<string | undefined>(undefined);
  nodeDetails = $state.raw<NodeDetails | undefined>(undefined);
  explanation = $state.raw<RoadExplanation | undefined>(undefined);
  panel = $state<Panel>('findings');
  dialog = $state<Dialog>('none');
  searchHits = $state.raw<SearchHit[]>([]);
  tasks = $state<TaskProgress[]>([]);
  /** Toasts on screen now. */
  notices = $state<Notice[]>([]);
  /** Every notice, newest first; the notification centre lists it. */
  history = $state<Notice[]>([]);
  /** Errors raised since the history was last opened. */
  unseenErrors = $state(0);
  diff = $state.raw<DiffView | undefined>(undefined);
  whatIf = $state.raw<WhatIfResult | undefined>(undefined);
  level = $state<Level>('houses');
  /** The flows view (a drawer under the map) and what it shows: a road, a peer, or everything. */
  flowsOpen = $state(false);
  flowsScope = $state<{ edgeId?: string; peer?: string } | undefined>(undefined);
  /** YAML the why panel drafted, for the what-if dialog to open with. */
  whatIfDraft = $state<string | undefined>(undefined);
  /** Set by the map view after each render: what the canvas really holds. */
  drawn = $state({ nodes: 0, edges: 0, visibleEdges: 0, deniedRoads: 0, renderMs: 0, renderer: 'canvas', fetchMs: 0, createMs: 0, applyMs: 0 });
  private noticeId = 0;

  constructor(readonly api: Transport) {
    api.onEvent((e) => this.onEvent(e));
    // Test builds only (see env.d.ts): what the end-to-end tests and benchmarks read.
    if (__NETCITY_TEST_HOOKS__) (window as unknown as { __netcity: unknown }).__netcity = this.testView();
  }

  get city(): CitySummary | undefined {
    return this.cities.find((c) => c.id === this.cityId);
  }

  notify(level: Notice['level'], message: string): void {
    const time = Date.now();
    if (level === 'error') this.unseenErrors++;
    const same = this.notices.find((n) => n.level === level && sameNotice(n.message, message));
    if (same) {
      const merged = { ...same, message: message.length > same.message.length ? message : same.message, count: same.count + 1, time };
      this.notices = this.notices.map((n) => (n.id === same.id ? merged : n));
      this.history = this.history.map((n) => (n.id === same.id ? merged : n));
      this.expire(same.id, level);
      return;
    }
    const notice = { id: ++this.noticeId, level, message, count: 1, time };
    this.notices = [...this.notices.slice(-3), notice];
    this.history = [notice, ...this.history.slice(0, HISTORY - 1)];
    this.expire(notice.id, level);
  }

  private timers = new Map<number, ReturnType<typeof setTimeout>>();
  private expire(id: number, level: Notice['level']): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => this.dismiss(id), NOTICE_MS[level]));
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Runs an action; failures become an error notice that says what went wrong. */
  async run<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (err) {
      this.notify('error', `${what}: ${(err as Error).message}`);
      return undefined;
    }
  }

  async start(): Promise<void> {
    await this.run('Loading cities', async () => {
      this.cities = await this.api.call('cities.list', {});
      const selected = this.cities.find((c) => c.selected) ?? this.cities[0];
      if (selected) await this.selectCity(selected.id);
      else this.dialog = 'connect';
    });
  }

  async refreshSummary(id: string): Promise<void> {
    const summary = await this.api.call('city.summary', { cityId: id });
    this.cities = this.cities.map((c) => (c.id === summary.id ? summary : c));
  }

  async refreshCities(): Promise<void> {
    this.cities = await this.api.call('cities.list', {});
  }

  async selectCity(id: string): Promise<void> {
    this.cityId = id;
    this.selection = undefined;
    this.focus = undefined;
    this.diff = undefined;
    this.whatIf = undefined;
    this.overlays = { ...this.overlays, diff: false, whatif: false };
    this.window = undefined;
    await this.api.call('city.select', { cityId: id });
    await this.loadMap();
    this.timeline = await this.api.call('city.timeline', { cityId: id, buckets: 120 });
    this.panel = 'findings';
  }

  async loadMap(): Promise<void> {
    if (!this.cityId) return;
    this.loading = true;
    const t0 = performance.now();
    try {
      const [map, summary] = await Promise.all([
        this.api.call('city.map', { cityId: this.cityId, window: this.window }),
        this.api.call('city.summary', { cityId: this.cityId }),
      ]);
      this.drawn.fetchMs = Math.round(performance.now() - t0);
      this.map = map;
      this.cities = this.cities.map((c) => (c.id === summary.id ? summary : c));
      if (!this.cities.some((c) => c.id === summary.id)) this.cities = [...this.cities, summary];
    } finally {
      this.loading = false;
    }
  }

  async setWindow(window: { from?: number; to?: number } | undefined): Promise<void> {
    this.window = window;
    await this.run('Time window', () => this.loadMap());
  }

  /** Selects a map element; the details tab opens unless `keepPanel` (a list jumping to it stays open). */
  async select(kind: 'node' | 'edge', id: string, opts: { keepPanel?: boolean } = {}): Promise<void> {
    if (!this.cityId) return;
    this.selection = { kind, id };
    if (!opts.keepPanel) this.panel = 'details';
    if (kind === 'node') {
      this.explanation = undefined;
      this.nodeDetails = await this.run('Details', () => this.api.call('node.details', { cityId: this.cityId!, nodeId: id }));
    } else {
      this.nodeDetails = undefined;
      this.explanation = await this.run('Explanation', () => this.api.call('road.explain', { cityId: this.cityId!, edgeId: id }));
    }
  }

  /** Opens the flows view on a road or a peer (the selection by default), or everything. */
  openFlows(scope?: { edgeId?: string; peer?: string }): void {
    const sel = this.selection;
    this.flowsScope = scope ?? (sel ? (sel.kind === 'edge' ? { edgeId: sel.id } : { peer: sel.id }) : undefined);
    this.flowsOpen = true;
  }

  clearSelection(): void {
    this.selection = undefined;
    this.nodeDetails = undefined;
    this.explanation = undefined;
    this.focus = undefined;
  }

  async search(query: string): Promise<void> {
    if (!this.cityId || !query.trim()) {
      this.searchHits = [];
      return;
    }
    this.searchHits = (await this.run('Search', () => this.api.call('city.search', { cityId: this.cityId!, query, limit: 30 }))) ?? [];
  }

  toggleOverlay(name: keyof Overlays): void {
    const on = !this.overlays[name];
    if (name === 'diff' && !this.diff) return this.notify('info', 'No diff yet: open Diff and compare this city with another snapshot first (then 4 toggles it).');
    if (name === 'whatif' && !this.whatIf) return this.notify('info', 'No what-if yet: open What-if and preview edited policies first (then 5 toggles it).');
    this.overlays = { ...this.overlays, [name]: on };
    if (name === 'diff' || name === 'whatif') {
      // Diff and what-if draw their own map (the city after the change); one at a time.
      const other = name === 'diff' ? 'whatif' : 'diff';
      if (on) {
        this.overlays = { ...this.overlays, [other]: false };
        this.map = name === 'diff' ? this.diff!.map : this.whatIf!.map;
      } else void this.run('Map', () => this.loadMap());
    }
  }

  private onEvent(e: ApiEvent): void {
    if (e.event === 'task.progress') {
      const p = e.data;
      const rest = this.tasks.filter((t) => t.taskId !== p.taskId);
      this.tasks = p.state === 'running' ? [...rest, p] : rest;
      // An awaited task's outcome comes back as the call's answer (or error): one notice, not two.
      if (p.awaited) return;
      if (p.state === 'failed') this.notify('error', `${p.label}: ${p.message ?? 'failed'}`);
      if (p.state === 'done') this.notify('info', `${p.label}: done${p.message ? ` (${p.message})` : ''}`);
      if (p.state === 'cancelled') this.notify('info', `${p.label}: stopped`);
    } else if (e.event === 'city.changed') {
      const d = e.data;
      // A state change only (capture badge, connection status): the summary, not the map.
      if (d.reason === 'capture-state' || d.reason === 'status') void this.run('City status', () => this.refreshSummary(d.cityId));
      else if (d.cityId === this.cityId) void this.run('Live update', () => this.loadMap());
      else void this.refreshCities();
    } else if (e.event === 'cities.changed') {
      void this.refreshCities();
    } else if (e.event === 'notice') {
      const n = e.data;
      this.notify(n.level, n.message);
    }
  }

  /** What end-to-end tests read: counts from the model and from the canvas. */
  private testView() {
    return {
      get cityId() {
        return appState().cityId;
      },
      get counts() {
        return appState().map?.counts;
      },
      get visible() {
        const s = appState();
        return s.map ? visibleCounts(s.map, s.overlays, s.filters) : undefined;
      },
      get drawn() {
        return { ...appState().drawn };
      },
      get overlays() {
        return { ...appState().overlays };
      },
      get selection() {
        return appState().selection ? { ...appState().selection! } : undefined;
      },
      get explanation() {
        return appState().explanation;
      },
      get nodeDetails() {
        return appState().nodeDetails;
      },
      get searchHits() {
        return appState().searchHits;
      },
      get whatIf() {
        const w = appState().whatIf;
        return w ? { ...w, map: undefined } : undefined;
      },
      get diff() {
        const d = appState().diff;
        return d ? { ...d, map: undefined } : undefined;
      },
      get flowsOpen() {
        return appState().flowsOpen;
      },
      get level() {
        return appState().level;
      },
      get loading() {
        return appState().loading;
      },
      get dialog() {
        return appState().dialog;
      },
      get notices() {
        return appState().notices.map((n) => ({ ...n }));
      },
      get history() {
        return appState().history.map((n) => ({ ...n }));
      },
      get findings() {
        return appState().city?.findings ?? [];
      },
      get city() {
        return appState().city;
      },
      get map() {
        return appState().map;
      },
      select(kind: 'node' | 'edge', id: string) {
        return appState().select(kind, id);
      },
      screenPoint(id: string) {
        return mapControls.screenPoint(id);
      },
    };
  }
}

let current: AppState | undefined;
export function appState(): AppState {
  if (!current) throw new Error('app state not created');
  return current;
}
export function createState(api: Transport): AppState {
  current = new AppState(api);
  return current;
}
