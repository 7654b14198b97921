/** Long-running work (captures, probes, imports, exports): progress events and a cancel button. */
import { randomUUID } from 'node:crypto';
import type { TaskProgress } from './contract.js';
import type { Task, TaskRunner } from '../app/ports.js';

export type { Task };

export class TaskRegistry implements TaskRunner {
  private readonly running = new Map<string, { controller: AbortController; progress: TaskProgress; lastEmit: number }>();

  constructor(private readonly emit: (p: TaskProgress) => void) {}

  /** Runs `work` as a task; progress is throttled to ~10 events/s; the final state is always sent. */
  /**
   * `awaited`: the API call that started the task waits for it and answers with its outcome, so
   * the UI reports that answer and shows no second notice for the task's end.
   */
  start<T>(label: string, work: (task: Task) => Promise<T>, opts: { cancellable?: boolean; awaited?: boolean } = {}): { taskId: string; done: Promise<T> } {
    const id = randomUUID().slice(0, 8);
    const controller = new AbortController();
    const progress: TaskProgress = { taskId: id, label, done: 0, state: 'running', cancellable: opts.cancellable ?? true, ...(opts.awaited ? { awaited: true } : {}) };
    const entry = { controller, progress, lastEmit: 0 };
    this.running.set(id, entry);
    this.emit({ ...progress });
    const task: Task = {
      id,
      signal: controller.signal,
      progress: (done, total, message) => {
        Object.assign(progress, { done, total, message });
        const now = Date.now();
        if (now - entry.lastEmit >= 100) {
          entry.lastEmit = now;
          this.emit({ ...progress });
        }
      },
    };
    const done = (async () => {
      try {
        const result = await work(task);
        progress.state = controller.signal.aborted ? 'cancelled' : 'done';
        return result;
      } catch (err) {
        progress.state = controller.signal.aborted ? 'cancelled' : 'failed';
        progress.message = err instanceof Error ? err.message : String(err);
        throw err;
      } finally {
        this.running.delete(id);
        this.emit({ ...progress });
      }
    })();
    // The caller may not await: failures are reported through the final progress event.
    done.catch(() => undefined);
    return { taskId: id, done };
  }

  cancel(taskId: string): boolean {
    const entry = this.running.get(taskId);
    if (!entry) return false;
    entry.controller.abort(new Error(`${entry.progress.label}: cancelled`));
    return true;
  }

  cancelAll(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
  }

  list(): TaskProgress[] {
    return [...this.running.values()].map((e) => ({ ...e.progress }));
  }
}
