/**
 * The ports of the application layer: the few things a use case needs from the shell that runs
 * it (the Backend of the app and `netcity serve`, or a CLI command), each a small interface
 * rather than the whole Backend.
 */
import type { City } from '../city/city.js';
import type { ApiEvents, CityKind, CitySummary, EventName, Settings, SnapshotEntry } from '../api/contract.js';
import type { RoadAggregate, Snapshot } from '../model/types.js';
import type { SnapshotLibrary } from '../store/library.js';

/** The open cities. */
export interface CityRegistry {
  city(id: string): City;
  has(id: string): boolean;
  addCity(kind: CityKind, snapshot: Snapshot, opts?: { id?: string; filePath?: string; select?: boolean }): City;
  closeCity(id: string): Promise<void>;
  openCities(): Iterable<City>;
  summary(id: string): CitySummary;
  /** Tells the UI a city changed (one city.changed event). */
  cityChanged(id: string, reason: string, counts?: { added?: number; updated?: number; removed?: number }): void;
}

/** One running task: its cancel signal and its progress. */
export interface Task {
  id: string;
  signal: AbortSignal;
  progress(done: number, total?: number, message?: string): void;
}

/** Long-running work with progress and cancel (the task bar in the app). */
export interface TaskRunner {
  start<T>(label: string, work: (task: Task) => Promise<T>, opts?: { cancellable?: boolean; awaited?: boolean }): { taskId: string; done: Promise<T> };
  cancel(taskId: string): boolean;
}

/** Push events to the UI (notices, progress). */
export interface EventSink {
  emit<E extends EventName>(event: E, data: ApiEvents[E]): void;
}

/** The files and folders the API may use (the Backend's PathGuard): `check` returns the full path or throws. */
export interface FileAccess {
  check(path: string, doing: string): string;
  allows(path: string): boolean;
}

/** What the use cases read of the settings (the library folder, limits, the probe image). */
export type AppSettings = Readonly<Settings>;

/** Ports a use case may take, each named as the Backend names it; a use case asks for the ones it needs. */
export interface Tasks {
  readonly tasks: TaskRunner;
}
export interface WithSettings {
  readonly settings: AppSettings;
}
export interface WithFiles {
  readonly paths: FileAccess;
}

/** Snapshot files: open, save, one file's entry, the library folder, the timeline of a file. */
export interface SnapshotStore {
  open(path: string, opts: { maxRawFlows: number }): Snapshot;
  save(path: string, snapshot: Snapshot): void;
  entry(path: string): SnapshotEntry;
  library(dir: string): SnapshotLibrary;
  roadsInWindow(path: string, from?: number, to?: number): RoadAggregate[];
}

/** A task runner for the command line: no task bar, the caller's signal, progress to a callback. */
export function inlineTasks(signal: AbortSignal, onProgress?: (label: string, done: number, total?: number, message?: string) => void): TaskRunner {
  return {
    start(label, work) {
      const task: Task = { id: 'cli', signal, progress: (done, total, message) => onProgress?.(label, done, total, message) };
      return { taskId: 'cli', done: work(task) };
    },
    cancel: () => false,
  };
}
