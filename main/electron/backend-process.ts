/**
 * Runs the backend (the same code as `netcity serve`) in a plain Node child process and talks to
 * it over Node's IPC channel. Keeping it out of Electron's process means native modules
 * (better-sqlite3) are the ones npm built for Node, and a crash in the backend never takes the
 * window down: it is restarted and the UI told.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ApiEvent, WireResponse } from '../api/contract.js';

export interface BackendProcessOptions {
  nodePath: string;
  entry: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  onEvent: (e: ApiEvent) => void;
  onExit: (code: number | null, stderrTail: string) => void;
}

export class BackendProcess {
  private child?: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, (r: WireResponse<unknown>) => void>();
  private stderr = '';

  constructor(private readonly opts: BackendProcessOptions) {}

  start(): void {
    const child = fork(this.opts.entry, this.opts.args, {
      execPath: this.opts.nodePath,
      env: this.opts.env,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
      process.stderr.write(d);
    });
    child.on('message', (m: { id?: number; response?: WireResponse<unknown>; event?: ApiEvent }) => {
      if (m.id !== undefined && m.response) {
        this.pending.get(m.id)?.(m.response);
        this.pending.delete(m.id);
      } else if (m.event) this.opts.onEvent(m.event);
    });
    child.on('exit', (code) => {
      for (const resolve of this.pending.values()) resolve({ error: { code: 'backend-stopped', name: 'BackendError', message: `NetCity's backend stopped (exit ${code}). ${this.stderr.trim().split('\n').slice(-3).join(' ')}` } });
      this.pending.clear();
      this.child = undefined;
      this.opts.onExit(code, this.stderr);
    });
    this.child = child;
  }

  call(method: string, args: unknown): Promise<WireResponse<unknown>> {
    if (!this.child?.connected) return Promise.resolve({ error: { code: 'backend-stopped', name: 'BackendError', message: "NetCity's backend is not running; restarting it — try again in a moment." } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child!.send({ id, method, args });
    });
  }

  /** The user picked this in a native dialog: the backend may use it (the renderer cannot send this). */
  grant(path: string, kind: 'file' | 'folder'): void {
    if (this.child?.connected) this.child.send({ grant: { path, kind } });
  }

  stop(): void {
    this.child?.kill('SIGTERM');
  }
}
