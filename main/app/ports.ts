/**
 * The ports of the application layer: the few things a use case needs from the shell that runs
 * it (the Backend of the app and `netcity serve`, or a CLI command), each a small interface
 * rather than the whole Backend.
 */
import type { City } from '../city/city.js';
import type { ApiEvents, CityKind, EventName } from '../api/contract.js';
import type { Snapshot } from '../model/types.js';

/** The open cities. */
export interface CityRegistry {
  city(id: string): City;
  addCity(kind: CityKind, snapshot: Snapshot, opts?: { id?: string; filePath?: string; select?: boolean }): City;
  closeCity(id: string): Promise<void>;
  openCities(): Iterable<City>;
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

/** Snapshot files: open, save, the library folder. */
export interface SnapshotStore {
  open(path: string, opts: { maxRawFlows: number }): Snapshot;
  save(path: string, snapshot: Snapshot): void;
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
