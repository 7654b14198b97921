/**
 * The backend behind the API contract: the open cities, long-running tasks, settings and push
 * events. Transport-agnostic: the Electron bridge and the browser-mode server both call `call()`.
 */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { City, MapOptions } from '../city/city.js';
import { OpenCities } from '../app/cities.js';
import { ExecTrust } from '../cluster/exec-plugins.js';
import type { ListOptions } from '../cluster/kubeconfig.js';
import { DEFAULT_MAX_FILE_MB, DEFAULT_MAX_TOTAL_MB } from '../manifests/load.js';
import type { Snapshot } from '../model/types.js';
import {
  isMethod,
  parseArgs,
  type ApiEvent,
  type ApiEvents,
  type CityKind,
  type CitySummary,
  type EventName,
  type MethodName,
  type ResultOf,
  type Settings,
} from './contract.js';
import { createHandlers, type Handlers } from './handlers.js';
import type { CityRegistry, EventSink } from '../app/ports.js';
import { PathGuard } from './paths.js';
import { TaskRegistry } from './tasks.js';
import { ValidationError } from './validate.js';

export interface BackendOptions {
  mode: 'electron' | 'browser';
  version: string;
  /** Where settings and the snapshot library live (default ~/.config/netcity). */
  configDir?: string;
  /** Default kubeconfig path (else KUBECONFIG / ~/.kube/config as kubectl does). */
  kubeconfigPath?: string;
  /** Folders the API may read and write besides the snapshot library (`netcity serve --allow DIR`). */
  allow?: string[];
}

export { NotFoundError } from '../app/cities.js';

type Listener = (event: ApiEvent) => void;

export class Backend implements CityRegistry, EventSink {
  readonly tasks: TaskRegistry;
  private readonly open: OpenCities;
  settings: Settings;
  /** Exec plugins the user allowed in the Connect dialog; no other plugin runs from the app. */
  readonly execTrust: ExecTrust;
  /** The files and folders API calls may use (see paths.ts). */
  readonly paths: PathGuard;
  private listeners = new Set<Listener>();
  private handlers: Handlers;

  constructor(readonly options: BackendOptions) {
    this.tasks = new TaskRegistry((p) => this.emit('task.progress', p));
    this.open = new OpenCities(this, this.tasks);
    const configDir = options.configDir ?? join(homedir(), '.config', 'netcity');
    this.settings = {
      maxRawFlows: 100_000,
      probeImage: 'nicolaka/netshoot:v0.13',
      snapshotDir: join(configDir, 'snapshots'),
      execTimeoutSeconds: 60,
      maxManifestFileMB: DEFAULT_MAX_FILE_MB,
      maxManifestTotalMB: DEFAULT_MAX_TOTAL_MB,
      ...this.loadSettings(configDir),
    };
    this.execTrust = new ExecTrust(join(configDir, 'exec-plugins-allowed.json'));
    const settingsFile = join(configDir, 'settings.json');
    this.paths = new PathGuard(
      () => this.settings.snapshotDir,
      options.mode === 'electron'
        ? `Choose it with Browse… (what you pick there may be used), or add its folder to "allowedFolders" in ${settingsFile}.`
        : `Start NetCity with \`netcity serve --allow FOLDER\` (repeatable), or add the folder to "allowedFolders" in ${settingsFile}.`,
    );
    const fromSettings = Array.isArray(this.settings.allowedFolders) ? this.settings.allowedFolders.filter((f): f is string => typeof f === 'string') : [];
    for (const folder of [...(options.allow ?? []), ...fromSettings]) this.paths.allowFolder(folder);
    this.handlers = createHandlers(this);
  }

  /** The open cities by id. */
  get cities(): Map<string, City> {
    return this.open.byId;
  }

  get selected(): string | undefined {
    return this.open.selected;
  }

  set selected(id: string | undefined) {
    this.open.selected = id;
  }

  /** The kubeconfig given at start (`netcity serve --kubeconfig`). */
  get defaultKubeconfigPath(): string | undefined {
    return this.options.kubeconfigPath;
  }

  get configDir(): string {
    return this.options.configDir ?? join(homedir(), '.config', 'netcity');
  }

  /** Where the app reads kubeconfig: exec plugins gated by the user's confirmation, with the time limit from Settings. */
  kubeconfigSource(path?: string): ListOptions {
    return {
      path: path ?? this.options.kubeconfigPath,
      exec: { allowed: (digest) => this.execTrust.has(digest), timeoutMs: this.settings.execTimeoutSeconds * 1000 },
    };
  }

  /** Validates and runs one API call. Errors keep their name and message for the UI. */
  async call<M extends MethodName>(method: M, rawArgs: unknown): Promise<ResultOf<M>> {
    if (!isMethod(method)) throw new ValidationError(`unknown method ${JSON.stringify(method)}`);
    const args = parseArgs(method, rawArgs);
    const handler = this.handlers[method] as (a: unknown) => Promise<ResultOf<M>>;
    return handler(args);
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, data: ApiEvents[E]): void {
    for (const l of this.listeners) {
      try {
        l({ event, data } as ApiEvent);
      } catch {
        // A broken listener (closed socket) must not stop the others.
      }
    }
  }

  // The open cities (app/cities.ts): the Backend is the CityRegistry its use cases get.
  city(id: string): City {
    return this.open.city(id);
  }

  has(id: string): boolean {
    return this.open.has(id);
  }

  openCities(): City[] {
    return this.open.openCities();
  }

  addCity(kind: CityKind, snapshot: Snapshot, opts: { id?: string; filePath?: string; select?: boolean } = {}): City {
    return this.open.addCity(kind, snapshot, opts);
  }

  closeCity(id: string): Promise<void> {
    return this.open.closeCity(id);
  }

  openDemo(): City {
    return this.open.openDemo();
  }

  summary(id: string): CitySummary {
    return this.open.summary(id);
  }

  computeRoads(id: string, opts: MapOptions): void {
    this.open.computeRoads(id, opts);
  }

  cityChanged(id: string, reason: string, counts: { added?: number; updated?: number; removed?: number } = {}): void {
    this.open.cityChanged(id, reason, counts);
  }

  saveSettings(): void {
    mkdirSync(this.configDir, { recursive: true });
    const file = join(this.configDir, 'settings.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.settings, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  private loadSettings(dir: string): Partial<Settings> {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Partial<Settings>;
      return typeof parsed === 'object' && parsed ? parsed : {};
    } catch {
      return {};
    }
  }

  async dispose(): Promise<void> {
    this.tasks.cancelAll();
    await this.open.closeAll();
  }
}
