/**
 * One resource kept current like a client-go informer: paginated list, then watch from the
 * list's resourceVersion with bookmarks; 410 Gone relists (reporting only the difference);
 * a dropped stream reconnects with capped exponential backoff; an AbortSignal stops it all.
 */
import { ClusterError, isAbortError } from './errors.js';
import type { KubeClient, WatchEvent } from './kube-client.js';

export type ChangeType = 'add' | 'update' | 'delete';
export type RawObject = Record<string, any>;

export interface InformerOptions {
  client: KubeClient;
  /** Collection path without query, e.g. /api/v1/namespaces/shop/pods. */
  path: string;
  /** Label for messages: "pods in shop". */
  label: string;
  signal: AbortSignal;
  pageSize?: number;
  /** False when RBAC allows list but not watch: the informer relists every pollMs instead. */
  watch?: boolean;
  pollMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Seconds after which the server should end each watch (it is then resumed). */
  watchTimeoutSeconds?: number;
  onChange: (type: ChangeType, obj: RawObject) => void;
  /** The connection dropped; the informer retries on its own. */
  onError?: (err: ClusterError) => void;
  /** The watch is (again) established. */
  onLive?: () => void;
}

export const objectKey = (obj: RawObject): string => {
  const m = obj?.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Drops fields nobody reads that make objects heavy (managedFields, last-applied). */
export function slim(obj: RawObject): RawObject {
  const m = obj.metadata;
  if (m) {
    delete m.managedFields;
    if (m.annotations) delete m.annotations['kubectl.kubernetes.io/last-applied-configuration'];
  }
  return obj;
}

/** What the informer remembers of an object: enough to diff a relist and report a delete. */
const stub = (o: RawObject): RawObject => ({
  metadata: { namespace: o.metadata?.namespace, name: o.metadata?.name, resourceVersion: o.metadata?.resourceVersion },
});

export class Informer {
  /** Key -> metadata stub (name, namespace, resourceVersion); the full objects live in the consumer's model. */
  readonly cache = new Map<string, RawObject>();
  resourceVersion = '';
  relists = 0;
  private readonly o: Required<Omit<InformerOptions, 'onError' | 'onLive'>> & Pick<InformerOptions, 'onError' | 'onLive'>;

  constructor(opts: InformerOptions) {
    // Options passed as undefined (connect() hands its own optional settings on) keep the defaults.
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as InformerOptions;
    this.o = {
      pageSize: 500,
      watch: true,
      pollMs: 30_000,
      backoff: { initialMs: 200, maxMs: 30_000 },
      watchTimeoutSeconds: 300,
      ...given,
    };
  }

  /** Lists every page; on first call fills the cache, later calls report only what differs. */
  async list(): Promise<void> {
    const { client, path, pageSize, signal } = this.o;
    const fresh = new Map<string, RawObject>();
    let cont = '';
    let rv = '';
    for (let restarts = 0; ; ) {
      const q = new URLSearchParams({ limit: String(pageSize) });
      if (cont) q.set('continue', cont);
      let page: { kind?: string; apiVersion?: string; metadata?: { continue?: string; resourceVersion?: string }; items?: RawObject[] };
      try {
        page = await client.request(`${path}?${q}`, { signal });
      } catch (err) {
        // An expired continue token: start the list again from the beginning, once or twice.
        if (err instanceof ClusterError && err.code === 'gone' && cont && restarts < 2) {
          restarts++;
          cont = '';
          fresh.clear();
          continue;
        }
        throw err;
      }
      // List items carry no kind/apiVersion; watch events do. Make them alike.
      const itemKind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
      for (const item of page.items ?? []) {
        item.kind ??= itemKind;
        item.apiVersion ??= page.apiVersion;
        fresh.set(objectKey(item), slim(item));
      }
      rv = page.metadata?.resourceVersion ?? rv;
      cont = page.metadata?.continue ?? '';
      if (!cont) break;
    }
    this.applyRelist(fresh);
    this.resourceVersion = rv;
  }

  private applyRelist(fresh: Map<string, RawObject>): void {
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.o.onChange('delete', old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.cache.set(key, stub(obj));
      if (!old) this.o.onChange('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.o.onChange('update', obj);
    }
  }

  private handle(ev: WatchEvent): void {
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      const code = Number(obj?.code);
      throw new ClusterError(code === 410 ? 'gone' : 'http', `watch ${this.o.label}: ${obj?.message ?? 'error event'}`, { status: code });
    }
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = objectKey(obj);
    if (ev.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      this.o.onChange('delete', obj ?? old);
    } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      const had = this.cache.has(key);
      this.cache.set(key, stub(obj));
      this.o.onChange(had ? 'update' : 'add', slim(obj));
    }
  }

  /** Keeps the cache current until the signal aborts. Call after a successful list(). */
  async run(): Promise<void> {
    const { signal, backoff } = this.o;
    let attempt = 0;
    let needRelist = false;
    while (!signal.aborted) {
      try {
        if (needRelist) {
          this.relists++;
          await this.list();
          needRelist = false;
          if (!this.o.watch) this.o.onLive?.();
        }
        if (!this.o.watch) {
          await sleep(this.o.pollMs, signal);
          needRelist = true;
          attempt = 0;
          continue;
        }
        const q = new URLSearchParams({
          watch: '1',
          allowWatchBookmarks: 'true',
          resourceVersion: this.resourceVersion,
          timeoutSeconds: String(this.o.watchTimeoutSeconds),
        });
        await this.o.client.watch(`${this.o.path}?${q}`, (ev) => this.handle(ev), {
          signal,
          onOpen: () => {
            attempt = 0;
            this.o.onLive?.();
          },
        });
      } catch (err) {
        if (signal.aborted || isAbortError(err)) break;
        const ce = err instanceof ClusterError ? err : this.o.client.transportError(err, this.o.path);
        if (ce.code === 'gone') {
          needRelist = true; // our resourceVersion is too old: read everything again
          continue;
        }
        this.o.onError?.(ce);
        const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        attempt = Math.min(attempt + 1, 20);
        await sleep(delay, signal);
        // After a failed list the cache may be behind; a failed watch resumes from its RV.
        if (!this.resourceVersion) needRelist = true;
      }
    }
  }
}
